import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { requireKey } from '../session';
import { systemFailure, type SystemErrorKind } from '../system-error';
import type { Upserted } from './base';
import type { DnsRecord, DnsRecordType, DnsService } from './dns';
import type { ProviderServer } from './monitoring';

/**
 * A real DNS server driven by open standards: RFC 2136 dynamic updates signed with TSIG, sent by Debian's
 * `nsupdate`; records read with plain queries and the zone listed by a (signed) transfer, both with `dig`.
 * BIND, Microsoft DNS and PowerDNS all take these. The server keeps no idempotency store: every write reads
 * the record set first and sends nothing when it already holds the values and TTL asked for, and an update
 * replaces the whole set (delete and add in one message), so a repeat makes it so again.
 */
export interface Rfc2136Endpoint {
  kind: 'rfc2136';
  /** The primary server's address. */
  server: string;
  /** Default 53. */
  port?: number;
  /** The zones Lifeline may update, each with the tenant it belongs to. */
  zones: { zone: string; tenant: string }[];
  tsigKeyName: string;
  /** Base64, as `tsig-keygen` prints it. */
  tsigSecret: string;
  /** Default `hmac-sha256`. */
  tsigAlgorithm?: string;
  /** How long one query, transfer or update may take (default 10 s). */
  timeoutMs?: number;
  /** The provider's DNS servers by site (the simulator lists them; a real estate names them here). */
  servers?: { name: string; site: string; ip?: string }[];
}

export const isRfc2136 = (e: unknown): e is Rfc2136Endpoint => typeof e === 'object' && e !== null && (e as { kind?: unknown }).kind === 'rfc2136';

const TYPES: DnsRecordType[] = ['A', 'AAAA', 'CNAME', 'PTR', 'TXT'];
const LABELS = /^(?:@|\*|[A-Za-z0-9_*-]+(?:\.[A-Za-z0-9_-]+)*)$/;
const HOST = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.?$/;
/** Answers that refuse for good (wrong key, no update rights, not the zone's primary); the rest may pass. */
const FINAL_RCODES = new Set(['REFUSED', 'NOTAUTH', 'NOTZONE', 'FORMERR', 'NOTIMP', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'BADKEY', 'BADSIG', 'BADTIME']);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export class Rfc2136DnsClient implements DnsService {
  private readonly port: number;
  private readonly timeoutMs: number;
  private keyDir: string | null = null;

  constructor(private readonly endpoint: Rfc2136Endpoint) {
    // The key goes into a key file and the names into update scripts: nothing there may carry syntax.
    if (!/^[A-Za-z0-9._-]+$/.test(endpoint.tsigKeyName ?? '')) throw new Error('dns.tsigKeyName must be a DNS name (letters, digits, ".", "-", "_")');
    if (!/^[A-Za-z0-9+/]+=*$/.test(endpoint.tsigSecret ?? '')) throw new Error('dns.tsigSecret must be base64');
    if (!/^hmac-[a-z0-9-]+$/.test(endpoint.tsigAlgorithm ?? 'hmac-sha256')) throw new Error('dns.tsigAlgorithm must be an HMAC algorithm name such as hmac-sha256');
    if (!endpoint.server || !/^[A-Za-z0-9.:_-]+$/.test(endpoint.server)) throw new Error('dns.server must be a host name or address');
    for (const z of endpoint.zones ?? []) if (!HOST.test(z.zone)) throw new Error(`dns.zones: ${z.zone} is not a zone name`);
    this.port = endpoint.port ?? 53;
    this.timeoutMs = endpoint.timeoutMs ?? 10_000;
  }

  async listZones(): Promise<{ zone: string; tenant: string }[]> {
    return (this.endpoint.zones ?? []).map(({ zone, tenant }) => ({ zone, tenant }));
  }

  async listServers(): Promise<ProviderServer[]> {
    return (this.endpoint.servers ?? []).map((s) => ({ id: s.name, tenant: null, service: 'dns', name: s.name, site: s.site, ip: s.ip ?? '', createdAt: '', updatedAt: '' }));
  }

  /** Every record set of the zone, by a zone transfer signed with the key. */
  async listRecords(zone: string, filter: { name?: string; type?: DnsRecordType } = {}): Promise<DnsRecord[]> {
    const run = await this.dig('listRecords', ['-k', this.keyFile(), '-t', 'AXFR', `${bare(zone)}.`]);
    if (/; Transfer failed\./.test(run.stdout) || run.code !== 0) throw this.digFailure('listRecords', run, `zone transfer of ${zone}`);
    const sets = recordSets(run.stdout, zone, this.tenantOf(zone));
    return sets.filter((r) => (!filter.name || r.name === filter.name) && (!filter.type || r.type === filter.type));
  }

  /** One record set, by a plain query (what any resolver would be answered). */
  async getDnsRecord(zone: string, name: string, type: DnsRecordType): Promise<DnsRecord | null> {
    this.checkName('getRecord', name, type);
    const run = await this.dig('getRecord', ['+norecurse', '+noall', '+comments', '+answer', '-t', type, fqdn(name, zone)]);
    const status = /status: ([A-Z]+)/.exec(run.stdout)?.[1];
    if (run.code !== 0 || status === undefined) throw this.digFailure('getRecord', run, `query for ${fqdn(name, zone)} ${type}`);
    if (status === 'NXDOMAIN') return null;
    if (status !== 'NOERROR') throw systemFailure('dns', 'getRecord', kindOfRcode(status), `the server answered ${status} for ${fqdn(name, zone)} ${type}`);
    return recordSets(run.stdout, zone, this.tenantOf(zone)).find((r) => r.name === name && r.type === type) ?? null;
  }

  async upsertDnsRecord(
    zone: string, name: string, type: DnsRecordType, spec: { values: string[]; ttl?: number; tenant?: string }, idempotencyKey: string,
  ): Promise<Upserted<DnsRecord>> {
    requireKey('dns', 'upsertRecord', idempotencyKey);
    this.checkName('upsertRecord', name, type);
    const ttl = spec.ttl ?? 300;
    if (!Number.isInteger(ttl) || ttl < 0) throw systemFailure('dns', 'upsertRecord', 'invalid', `ttl must be a whole number of seconds, not ${String(spec.ttl)}`);
    if (!Array.isArray(spec.values) || spec.values.length === 0) throw systemFailure('dns', 'upsertRecord', 'invalid', 'values must be a non-empty array');
    const rdata = spec.values.map((v) => this.rdata(type, v));
    const have = await this.getDnsRecord(zone, name, type);
    const want = this.record(zone, name, type, spec.values.map((v) => readBack(type, this.rdata(type, v))), ttl);
    if (have && have.ttl === ttl && sameSet(have.values, want.values)) return { record: have, created: false };
    const owner = fqdn(name, zone);
    await this.update('upsertRecord', zone, [`update delete ${owner} ${type}`, ...rdata.map((d) => `update add ${owner} ${ttl} ${type} ${d}`)]);
    return { record: want, created: have === null };
  }

  async deleteDnsRecord(zone: string, name: string, type: DnsRecordType, idempotencyKey: string): Promise<boolean> {
    requireKey('dns', 'deleteRecord', idempotencyKey);
    if ((await this.getDnsRecord(zone, name, type)) === null) return false;
    await this.update('deleteRecord', zone, [`update delete ${fqdn(name, zone)} ${type}`]);
    return true;
  }

  async close(): Promise<void> {
    if (this.keyDir) rmSync(this.keyDir, { recursive: true, force: true });
    this.keyDir = null;
  }

  private tenantOf(zone: string): string | null {
    return (this.endpoint.zones ?? []).find((z) => bare(z.zone).toLowerCase() === bare(zone).toLowerCase())?.tenant ?? null;
  }

  private record(zone: string, name: string, type: DnsRecordType, values: string[], ttl: number): DnsRecord {
    return { id: `${zone}|${name}|${type}`, tenant: this.tenantOf(zone), server: name, zone, name, type, values, ttl, createdAt: '', updatedAt: '' };
  }

  private checkName(op: string, name: string, type: DnsRecordType): void {
    if (!TYPES.includes(type)) throw systemFailure('dns', op, 'invalid', `type must be one of ${TYPES.join(', ')}`);
    if (!LABELS.test(name)) throw systemFailure('dns', op, 'invalid', `${JSON.stringify(name)} is not a record name`);
  }

  /** A value as it goes into an update, refused when it is not one of its type. */
  private rdata(type: DnsRecordType, value: string): string {
    const bad = (what: string) => systemFailure('dns', 'upsertRecord', 'invalid', `${type} record values must be ${what}, not ${JSON.stringify(value)}`);
    if (typeof value !== 'string') throw bad('strings');
    if (type === 'A') {
      if (!isIPv4(value)) throw bad('IPv4 addresses');
      return value;
    }
    if (type === 'AAAA') {
      if (!isIPv6(value)) throw bad('IPv6 addresses');
      return value;
    }
    if (type === 'TXT') return `"${value.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\r\n]/g, ' ')}"`;
    if (!HOST.test(value)) throw bad('host names');
    return value.endsWith('.') ? value : `${value}.`;
  }

  /** One RFC 2136 update message for the zone, signed with the key, over TCP. */
  private async update(op: string, zone: string, lines: string[]): Promise<void> {
    const script = [`server ${this.endpoint.server} ${this.port}`, `zone ${bare(zone)}.`, ...lines, 'send', ''].join('\n');
    const seconds = Math.max(1, Math.ceil(this.timeoutMs / 1000));
    const run = await this.exec('nsupdate', ['-v', '-t', String(seconds), '-k', this.keyFile()], script);
    if (run.code === 0) return;
    const rcode = /update failed: ([A-Z]+)(?:\(([A-Z]+)\))?/.exec(run.stderr);
    if (rcode) {
      const [, code, tsig] = rcode;
      const kind = tsig ? 'unauthorized' : kindOfRcode(code);
      throw systemFailure('dns', op, kind, `${this.where()} refused the update of ${zone}: ${code}${tsig ? ` (TSIG ${tsig})` : ''}`);
    }
    throw systemFailure('dns', op, 'transient', `update of ${zone} at ${this.where()} failed: ${lastLine(run.stderr) || `nsupdate exited ${String(run.code)}`}`);
  }

  private digFailure(op: string, run: Run, what: string) {
    const tsig = /\sTSIG\s+\S+\s+\d+\s+\d+\s+\d+\s+\d+\s+([A-Z]+)\s/.exec(run.stdout)?.[1];
    if (tsig && tsig !== 'NOERROR') return systemFailure('dns', op, 'unauthorized', `${this.where()} refused the ${what}: NOTAUTH (TSIG ${tsig})`);
    if (/; Transfer failed\./.test(run.stdout)) return systemFailure('dns', op, 'forbidden', `${this.where()} refused the ${what}`);
    const why = (lastLine(run.stdout.split('\n').filter((l) => /^;; .*(error|timed out|reached|refused)/i.test(l)).join('\n')) || lastLine(run.stderr)).replace(/^;+\s*/, '');
    return systemFailure('dns', op, 'transient', `${what} at ${this.where()} failed: ${why || `dig exited ${String(run.code)}`}`);
  }

  private dig(op: string, args: string[]): Promise<Run> {
    const seconds = Math.max(1, Math.ceil(this.timeoutMs / 1000));
    return this.exec('dig', [`@${this.endpoint.server}`, '-p', String(this.port), `+time=${seconds}`, '+tries=1', ...args]).catch((err: unknown) => {
      throw systemFailure('dns', op, 'transient', `dig could not run: ${err instanceof Error ? err.message : String(err)}`);
    });
  }

  private where(): string {
    return `${this.endpoint.server}:${this.port}`;
  }

  /** The key as a BIND key file, written once into a directory only this user reads, removed on close. */
  private keyFile(): string {
    if (!this.keyDir) {
      this.keyDir = mkdtempSync(path.join(tmpdir(), 'lifeline-tsig-'));
      const e = this.endpoint;
      writeFileSync(path.join(this.keyDir, 'key'), `key "${e.tsigKeyName}" { algorithm ${e.tsigAlgorithm ?? 'hmac-sha256'}; secret "${e.tsigSecret}"; };\n`, { mode: 0o600 });
    }
    return path.join(this.keyDir, 'key');
  }

  private exec(command: string, args: string[], input?: string): Promise<Run> {
    return new Promise((resolve, reject) => {
      const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      // The tools time out on their own; this only bounds a tool that hangs.
      const timer = setTimeout(() => child.kill('SIGKILL'), this.timeoutMs * 3 + 1000);
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
      child.stdin.end(input ?? '');
    });
  }
}

function kindOfRcode(rcode: string): SystemErrorKind {
  if (!FINAL_RCODES.has(rcode)) return 'transient';
  return rcode === 'REFUSED' || rcode === 'NOTAUTH' ? 'forbidden' : 'invalid';
}

const bare = (zone: string): string => zone.replace(/\.$/, '');
const fqdn = (name: string, zone: string): string => (name === '@' ? `${bare(zone)}.` : `${name}.${bare(zone)}.`);
const lastLine = (text: string): string => text.trim().split('\n').pop()?.trim() ?? '';
const sameSet = (a: string[], b: string[]): boolean => a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');

/** A value as a query answers it: host names without the root dot, text without its quotes. */
function readBack(type: DnsRecordType, rdata: string): string {
  if (type === 'TXT') return rdata.replace(/^"|"$/g, '').replace(/\\(.)/g, '$1');
  if (type === 'CNAME' || type === 'PTR') return rdata.replace(/\.$/, '');
  return rdata;
}

/** The record sets of the answer lines of `dig` output, named relative to the zone; SOA, NS and the like left out. */
function recordSets(output: string, zone: string, tenant: string | null): DnsRecord[] {
  const origin = bare(zone).toLowerCase();
  const sets = new Map<string, DnsRecord>();
  for (const line of output.split('\n')) {
    if (line.trim() === '' || line.startsWith(';')) continue;
    const m = /^(\S+)\s+(\d+)\s+IN\s+([A-Z]+)\s+(.*)$/.exec(line.trim());
    if (!m) continue;
    const [, owner, ttl, type, rdata] = m;
    if (!TYPES.includes(type as DnsRecordType)) continue;
    const full = bare(owner).toLowerCase();
    if (full !== origin && !full.endsWith(`.${origin}`)) continue;
    const name = full === origin ? '@' : full.slice(0, -(origin.length + 1));
    const key = `${name}|${type}`;
    const value = readBack(type as DnsRecordType, rdata.trim());
    const set = sets.get(key);
    if (set) {
      if (!set.values.includes(value)) set.values.push(value);
    } else {
      sets.set(key, { id: `${zone}|${name}|${type}`, tenant, server: name, zone, name, type: type as DnsRecordType, values: [value], ttl: Number(ttl), createdAt: '', updatedAt: '' });
    }
  }
  return [...sets.values()];
}
