import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { freePort } from '../../infra/temporal/dev-server';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { LdapDirectoryEndpoint, Rfc2136Endpoint } from '../../infra/clients';

/**
 * Real servers of the management services that speak open standards: BIND (RFC 2136 updates, TSIG) and
 * OpenLDAP, each started by its `infra/` script on a free loopback port in a temporary directory, with
 * secrets made at start. Debian's packages are installed by the scripts when missing.
 */

const run = promisify(execFile);
const repo = path.join(__dirname, '..', '..');

export interface RunningServer<E> {
  endpoint: E;
  stop(): Promise<void>;
}

export interface ZoneSpec {
  zone: string;
  tenant: string;
  /** The zone answers queries but refuses every update. */
  refuseUpdates?: boolean;
  /** Zone-file lines it starts with (`name TTL IN A address`). */
  records?: string[];
}

async function start<T>(script: string, dir: string, args: string[]): Promise<T & { pid: number }> {
  try {
    const { stdout } = await run('bash', [path.join(repo, script), dir, ...args], { timeout: 600_000, maxBuffer: 10 * 1024 * 1024 });
    return JSON.parse(stdout.trim().split('\n').pop() as string) as T & { pid: number };
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${script} failed: ${e.stderr?.trim() || e.message}`);
  }
}

/** Stops a daemon by its pid (once: a pid is not ours after it is gone) and waits until it is gone. */
function stopper(pid: number, dir: string): () => Promise<void> {
  let stopped: Promise<void> | null = null;
  return () => (stopped ??= stopDaemon(pid, dir));
}

async function stopDaemon(pid: number, dir: string): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 100; i++) {
      process.kill(pid, 0);
      await new Promise((r) => setTimeout(r, 50));
    }
  } catch {
    // gone
  }
  rmSync(dir, { recursive: true, force: true });
}

export async function startBind(zones: ZoneSpec[]): Promise<RunningServer<Rfc2136Endpoint>> {
  const dir = mkdtempSync(path.join(tmpdir(), 'lifeline-bind-'));
  for (const z of zones) if (z.records) writeFileSync(path.join(dir, `${z.zone}.records`), `${z.records.join('\n')}\n`);
  const port = await freePort();
  const out = await start<{ server: string; port: number; tsigKeyName: string; tsigSecret: string }>(
    'infra/bind/start-named.sh', dir, [String(port), ...zones.map((z) => (z.refuseUpdates ? `${z.zone}:refuse` : z.zone))],
  );
  return {
    endpoint: {
      kind: 'rfc2136', server: out.server, port: out.port, tsigKeyName: out.tsigKeyName, tsigSecret: out.tsigSecret, zones: zones.map(({ zone, tenant }) => ({ zone, tenant })),
    },
    stop: stopper(out.pid, dir),
  };
}

export async function startSlapd(baseDn = 'dc=example,dc=com'): Promise<RunningServer<LdapDirectoryEndpoint>> {
  const dir = mkdtempSync(path.join(tmpdir(), 'lifeline-slapd-'));
  const port = await freePort();
  const out = await start<{ url: string; bindDn: string; password: string; baseDn: string }>('infra/openldap/start-slapd.sh', dir, [String(port), baseDn]);
  return { endpoint: { kind: 'ldap', url: out.url, bindDn: out.bindDn, password: out.password, baseDn: out.baseDn }, stop: stopper(out.pid, dir) };
}
