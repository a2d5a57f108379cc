import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { Connection } from '@temporalio/client';
import { temporalCliPath } from './cli';
import { devServerSearchAttributeArgs } from './search-attributes';

export interface DevServerOptions {
  /** Directory holding the SQLite store (durable across restarts) and the server log. */
  dataDir: string;
  /** gRPC port; 0 picks a free one. */
  port?: number;
  /** Web UI port; omit for a headless server. */
  uiPort?: number;
  namespace?: string;
  /** Store file name inside dataDir. */
  dbFileName?: string;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The embedded server runs one node for one worker fleet, so it is tuned for latency (a wave waits on every
 * hop between a VM's steps): the SQLite store in WAL mode with normal sync (a commit survives a killed
 * process; only a power loss can drop the last ones), one task-queue partition (no forwarding between
 * partitions on a single node), and eager activity dispatch (an activity the worker schedules for itself
 * comes back in the workflow-task reply instead of through matching). A cluster of one's own
 * (`TEMPORAL_ADDRESS`) keeps its own settings.
 */
export const EMBEDDED_SERVER_TUNING: readonly string[] = [
  '--sqlite-pragma', 'journal_mode=wal',
  '--sqlite-pragma', 'synchronous=normal',
  '--dynamic-config-value', 'matching.numTaskqueueReadPartitions=1',
  '--dynamic-config-value', 'matching.numTaskqueueWritePartitions=1',
  '--dynamic-config-value', 'system.enableActivityEagerExecution=true',
];

/** Starts `temporal server start-dev` on 127.0.0.1 and resolves once it answers gRPC. */
export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  mkdirSync(opts.dataDir, { recursive: true });
  const port = opts.port || (await freePort());
  const namespace = opts.namespace ?? 'default';
  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--db-filename', path.join(opts.dataDir, opts.dbFileName ?? 'temporal.sqlite'),
    '--log-level', 'warn',
    ...devServerSearchAttributeArgs(),
    ...EMBEDDED_SERVER_TUNING,
  ];
  if (namespace !== 'default') args.push('--namespace', namespace);
  if (opts.uiPort) args.push('--ui-port', String(opts.uiPort), '--ui-ip', '127.0.0.1');
  else args.push('--headless');

  const log = openSync(path.join(opts.dataDir, 'temporal-server.log'), 'a');
  const child = spawn(temporalCliPath(), args, { stdio: ['ignore', log, log], detached: false });
  const address = `127.0.0.1:${port}`;
  let exited = false;
  child.once('exit', () => (exited = true));

  await waitForTemporal(address, 60_000, () => exited);
  return {
    address,
    uiUrl: opts.uiPort ? `http://127.0.0.1:${opts.uiPort}` : undefined,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}

/** Polls until the frontend answers GetSystemInfo, or fails with the last error. */
export async function waitForTemporal(address: string, timeoutMs: number, gaveUp: () => boolean = () => false): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (gaveUp()) throw new Error(`Temporal server at ${address} exited while starting`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`Temporal server at ${address} did not answer within ${timeoutMs} ms: ${String(lastError)}`);
}
