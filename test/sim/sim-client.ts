import { randomUUID } from 'node:crypto';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../infra/sim/server';

/**
 * A thin HTTP client for the simulator tests: per-system auth, Idempotency-Key on every write. Sessions
 * expire after 30 idle minutes on the simulator clock, so `call` logs in again once on a 401 (like the
 * real clients) unless told not to (`relogin: false`) or given its own auth headers.
 */
/** Response JSON: its shape is what the assertions check. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface Res<T = Json> {
  status: number;
  headers: Headers;
  body: T;
}

const BASIC = `Basic ${Buffer.from('lifeline:secret').toString('base64')}`;

export class SimClient {
  private clmToken = '';
  private bnaToken = '';
  private vcSession = '';

  constructor(readonly url: string) {}

  static async start(opts: SimulatorOptions = {}): Promise<{ sim: RunningSimulator; client: SimClient }> {
    const sim = await startSimulator({ port: 0, timeScale: 0, ...opts });
    const client = new SimClient(sim.url);
    await client.login();
    return { sim, client };
  }

  async login(): Promise<void> {
    const clm = await this.raw('POST', '/clm/csm/login', { body: { username: 'admin', password: 'secret' } });
    this.clmToken = clm.headers.get('authentication-token') ?? '';
    const bna = await fetch(`${this.url}/bna/bca-networks/api/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=password&username=admin&password=secret',
    });
    this.bnaToken = ((await bna.json()) as { token: string }).token;
    const vc = await this.raw('POST', '/compute/api/session', { headers: { authorization: BASIC } });
    this.vcSession = vc.body as string;
  }

  private authFor(path: string): Record<string, string> {
    if (path.startsWith('/clm/')) return { 'authentication-token': this.clmToken };
    if (path.startsWith('/bna/')) return { authorization: `Bearer ${this.bnaToken}` };
    if (path.startsWith('/compute/')) return { 'vmware-api-session-id': this.vcSession };
    if (path.startsWith('/_sim')) return {};
    return { authorization: BASIC };
  }

  /** `key`: undefined = a fresh Idempotency-Key on writes, null = none, string = that key. */
  async call<T = Json>(
    method: string,
    path: string,
    body?: unknown,
    opts: { key?: string | null; headers?: Record<string, string>; relogin?: boolean; signal?: AbortSignal } = {},
  ): Promise<Res<T>> {
    const key = opts.key === undefined ? (method === 'GET' ? null : randomUUID()) : opts.key;
    const send = (): Promise<Res<T>> => {
      const headers: Record<string, string> = { ...this.authFor(path), ...(opts.headers ?? {}) };
      if (key) headers['idempotency-key'] = key;
      return this.raw<T>(method, path, { body, headers, signal: opts.signal });
    };
    const res = await send();
    const sessionSystem = /^\/(clm|bna|compute)\//.test(path);
    const ownAuth = Object.keys(this.authFor(path)).some((h) => opts.headers?.[h] !== undefined);
    if (res.status !== 401 || !sessionSystem || opts.relogin === false || ownAuth) return res;
    // The session expired (or was logged out): a 401 is refused before anything happens, so retry once.
    await this.login();
    return send();
  }

  async raw<T = Json>(method: string, path: string, opts: { body?: unknown; headers?: Record<string, string>; signal?: AbortSignal } = {}): Promise<Res<T>> {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    let payload: string | undefined;
    if (opts.body !== undefined) {
      payload = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${this.url}${path}`, { method, headers, body: payload, signal: opts.signal });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return { status: res.status, headers: res.headers, body: parsed as T };
  }

  // ---- conveniences ----

  reset(): Promise<Res<Json>> {
    return this.call('POST', '/_sim/reset');
  }

  scenario(body: Record<string, unknown>): Promise<Res<Json>> {
    return this.call('POST', '/_sim/scenario', body);
  }

  async ops(query: Record<string, string | number> = {}): Promise<Json[]> {
    const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();
    const res = await this.call('GET', `/_sim/ops${qs ? `?${qs}` : ''}`);
    return res.body.ops;
  }

  advance(ms: number): Promise<Res<Json>> {
    return this.call('POST', '/_sim/clock', { advanceMs: ms });
  }

  /** CLM operationParams envelope. */
  static params(values: Record<string, unknown>): { timeout: number; operationParams: unknown[] } {
    return {
      timeout: 0,
      operationParams: Object.entries(values).map(([name, value]) => ({ name, type: 'java.lang.String', multiplicity: '1', value })),
    };
  }

  /** The DR-site (or given site) compute VM id of a tenant's VM. */
  async vmId(tenant: string, name: string, site?: string): Promise<string> {
    const res = await this.call('GET', `/compute/api/vcenter/vm?folders=${tenant}&names=${name}${site ? `&sites=${site}` : ''}`);
    if (!res.body[0]) throw new Error(`no VM ${tenant}/${name}`);
    return res.body[0].vm;
  }
}
