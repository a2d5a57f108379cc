import { SystemHttpClient, type SystemEndpoint, type SystemRequest, type SystemResponse } from './http-client';
import { Session, basicAuthHeader, callInSession, headerValue, requireKey } from './session';
import { systemFailure } from './system-error';

/**
 * Cisco ASA REST API (multi-context): security contexts, network objects, access rules, site-to-site IPsec
 * tunnels (crypto-map entries) and their status.
 *
 * Session: `POST /api/tokenservices` with Basic → `X-Auth-Token`, cached (a token of the admin context
 * configures every context); one re-login on a 401 (tokens expire after 30 idle minutes and are not
 * replicated across a failover pair). `close()` deletes the token: at most 25 sessions per context.
 * Duplicates answer 409 DUPLICATE with the existing resource's Location: creates treat that as success.
 */

export interface AsaValue {
  kind: 'IPv4Address' | 'IPv4Network' | 'IPv4Range' | 'IPv4FQDN' | 'AnyIPAddress' | 'NetworkProtocol' | 'TcpUdpService' | 'objectRef#NetworkObj' | string;
  value: string;
}

export interface SecurityContext {
  name: string;
  tenant: string | null;
  interfaces: { name: string; vlan: number | null; ip: string | null }[];
  createdAt: string;
  savedAt: string | null;
}

export interface NetworkObject {
  objectId: string;
  name: string;
  host: AsaValue;
  description?: string;
}

export interface AccessRule {
  /** A hash of the rule: editing the rule changes it. */
  objectId: string;
  interface: string;
  permit: boolean;
  sourceAddress: AsaValue;
  destinationAddress: AsaValue;
  sourceService: AsaValue;
  destinationService: AsaValue;
  active: boolean;
  remarks: string[];
  position: number;
}

export interface AccessRuleSpec {
  permit?: boolean;
  sourceAddress: AsaValue;
  destinationAddress: AsaValue;
  sourceService?: AsaValue;
  destinationService?: AsaValue;
  active?: boolean;
  remarks?: string[];
}

export interface IpsecTunnel {
  interface: string;
  sequence: number;
  peer: string;
  localNetwork: string;
  remoteNetwork: string;
  ikeVersion: 1 | 2;
  createdAt: string;
}

export interface IpsecTunnelSpec {
  /** Outside interface carrying the crypto map. */
  interface: string;
  peer: string;
  localNetwork: string;
  remoteNetwork: string;
  sequence?: number;
  ikeVersion?: 1 | 2;
}

export interface TunnelStatus {
  interface: string;
  sequence: number;
  peer: string;
  localNetwork: string;
  remoteNetwork: string;
  status: 'UP' | 'DOWN' | 'NEGOTIATING' | string;
  reason: string | null;
  upSince: string | null;
  bytesTx: number;
  bytesRx: number;
}

interface AsaMessage {
  code?: string;
  details?: string;
  context?: string | null;
  location?: string;
}

type Raw = Record<string, unknown>;

function message(body: unknown): AsaMessage | undefined {
  const list = (body as { messages?: AsaMessage[] } | undefined)?.messages;
  return Array.isArray(list) ? list[0] : undefined;
}

function describe(body: unknown): string | undefined {
  const m = message(body);
  if (!m?.details) return undefined;
  return m.context ? `${m.details} (${m.context})` : m.details;
}

function strip<T>(raw: Raw): T {
  const { kind: _k, selfLink: _s, ...rest } = raw;
  return rest as T;
}

const seg = encodeURIComponent;

export class AsaClient {
  private readonly http: SystemHttpClient;
  readonly session: Session;
  private readonly basic: string;

  constructor(endpoint: SystemEndpoint) {
    this.http = new SystemHttpClient('asa', endpoint, describe);
    this.basic = basicAuthHeader(endpoint.username, endpoint.password);
    this.session = new Session(
      async () => {
        const res = await this.http.call({ op: 'createToken', method: 'POST', path: '/api/tokenservices', headers: this.headers({ authorization: this.basic }) });
        const token = headerValue(res.headers, 'x-auth-token');
        if (!token) throw systemFailure('asa', 'createToken', 'unauthorized', 'token service answered without an X-Auth-Token');
        return token;
      },
      async (token) => {
        await this.http.call({ op: 'deleteToken', method: 'DELETE', path: `/api/tokenservices/${seg(token)}`, headers: this.headers({ authorization: this.basic, 'x-auth-token': token }) });
      },
    );
  }

  /** Every call carries the User-Agent the REST agent requires (7.14+). */
  private headers(extra: Record<string, string>): Record<string, string> {
    return { 'user-agent': 'REST API Agent', ...extra };
  }

  private call<T = unknown>(req: SystemRequest): Promise<SystemResponse<T>> {
    return callInSession<T>(this.http, this.session, (token) => this.headers({ 'x-auth-token': token }), req);
  }

  private effect<T = unknown>(req: SystemRequest & { idempotencyKey: string }): Promise<SystemResponse<T>> {
    requireKey('asa', req.op, req.idempotencyKey);
    return this.call<T>(req);
  }

  /** Every page of an ASA collection (at most 100 items a page). */
  private async all<T>(op: string, path: string): Promise<T[]> {
    const out: T[] = [];
    for (let offset = 0; ; ) {
      const res = await this.call<{ rangeInfo: { total: number }; items: Raw[] }>({
        op,
        method: 'GET',
        path,
        query: { offset, limit: 100 },
      });
      out.push(...res.body.items.map((i) => strip<T>(i)));
      offset += res.body.items.length;
      if (res.body.items.length === 0 || offset >= res.body.rangeInfo.total) return out;
    }
  }

  private ctx(context: string): string {
    return `/api/contexts/${seg(context)}`;
  }

  // ---- security contexts ----

  /** A tenant's security context. Same name = already exists → that context. */
  async createSecurityContext(
    spec: { name: string; tenant?: string; interfaces?: { name: string; vlan?: number; ip?: string }[] },
    idempotencyKey: string,
  ): Promise<{ context: SecurityContext; alreadyExisted: boolean }> {
    const res = await this.effect<Raw>({ op: 'createContext', method: 'POST', path: '/api/contexts', body: spec, idempotencyKey, accept: [409] });
    if (res.status !== 409) return { context: strip<SecurityContext>(res.body), alreadyExisted: false };
    const existing = await this.getSecurityContext(spec.name);
    if (!existing) throw systemFailure('asa', 'createContext', 'conflict', describe(res.body) ?? 'already exists');
    return { context: existing, alreadyExisted: true };
  }

  async getSecurityContext(name: string): Promise<SecurityContext | null> {
    const res = await this.call<Raw>({ op: 'getContext', method: 'GET', path: this.ctx(name), accept: [404] });
    return res.status === 404 ? null : strip<SecurityContext>(res.body);
  }

  listSecurityContexts(): Promise<SecurityContext[]> {
    return this.all<SecurityContext>('listContexts', '/api/contexts');
  }

  /** False when already gone. */
  async deleteSecurityContext(name: string, idempotencyKey: string): Promise<boolean> {
    const res = await this.effect({ op: 'deleteContext', method: 'DELETE', path: this.ctx(name), idempotencyKey, accept: [404] });
    return res.status !== 404;
  }

  /** `write memory`: REST changes only touch the running config. */
  async saveConfig(context: string, idempotencyKey: string): Promise<void> {
    await this.effect({ op: 'writeMemory', method: 'POST', path: `${this.ctx(context)}/commands/writemem`, body: {}, idempotencyKey });
  }

  // ---- network objects ----

  /** Same name = already exists → that object (its host may differ: compare and update if needed). */
  async createNetworkObject(
    context: string,
    spec: { name: string; host: AsaValue; description?: string },
    idempotencyKey: string,
  ): Promise<{ object: NetworkObject; alreadyExisted: boolean }> {
    const res = await this.effect<Raw>({
      op: 'createNetworkObject',
      method: 'POST',
      path: `${this.ctx(context)}/objects/networkobjects`,
      body: { kind: 'object#NetworkObj', ...spec },
      idempotencyKey,
      accept: [409],
    });
    if (res.status !== 409) return { object: strip<NetworkObject>(res.body), alreadyExisted: false };
    const existing = await this.getNetworkObject(context, spec.name);
    if (!existing) throw systemFailure('asa', 'createNetworkObject', 'conflict', describe(res.body) ?? 'already exists');
    return { object: existing, alreadyExisted: true };
  }

  async getNetworkObject(context: string, objectId: string): Promise<NetworkObject | null> {
    const res = await this.call<Raw>({ op: 'getNetworkObject', method: 'GET', path: `${this.ctx(context)}/objects/networkobjects/${seg(objectId)}`, accept: [404] });
    return res.status === 404 ? null : strip<NetworkObject>(res.body);
  }

  listNetworkObjects(context: string): Promise<NetworkObject[]> {
    return this.all<NetworkObject>('listNetworkObjects', `${this.ctx(context)}/objects/networkobjects`);
  }

  /** Re-addresses an object (PATCH). */
  async updateNetworkObject(context: string, objectId: string, change: { host?: AsaValue; description?: string }, idempotencyKey: string): Promise<void> {
    await this.effect({ op: 'updateNetworkObject', method: 'PATCH', path: `${this.ctx(context)}/objects/networkobjects/${seg(objectId)}`, body: change, idempotencyKey });
  }

  /** False when already gone. */
  async deleteNetworkObject(context: string, objectId: string, idempotencyKey: string): Promise<boolean> {
    const res = await this.effect({
      op: 'deleteNetworkObject',
      method: 'DELETE',
      path: `${this.ctx(context)}/objects/networkobjects/${seg(objectId)}`,
      idempotencyKey,
      accept: [404],
    });
    return res.status !== 404;
  }

  // ---- access rules ----

  /** An inbound access rule on an interface. The same rule (same hash) = already exists → that rule. */
  async createAccessRule(context: string, iface: string, spec: AccessRuleSpec, idempotencyKey: string): Promise<{ rule: AccessRule; alreadyExisted: boolean }> {
    const rules = `${this.ctx(context)}/access/in/${seg(iface)}/rules`;
    const res = await this.effect<Raw>({ op: 'createAccessRule', method: 'POST', path: rules, body: { kind: 'object#ExtendedACE', ...spec }, idempotencyKey, accept: [409] });
    if (res.status !== 409) return { rule: strip<AccessRule>(res.body), alreadyExisted: false };
    const id = lastSegment(message(res.body)?.location);
    const existing = id ? await this.getAccessRule(context, iface, id) : null;
    if (!existing) throw systemFailure('asa', 'createAccessRule', 'conflict', describe(res.body) ?? 'already exists');
    return { rule: existing, alreadyExisted: true };
  }

  async getAccessRule(context: string, iface: string, ruleId: string): Promise<AccessRule | null> {
    const res = await this.call<Raw>({
      op: 'getAccessRule',
      method: 'GET',
      path: `${this.ctx(context)}/access/in/${seg(iface)}/rules/${seg(ruleId)}`,
      accept: [404],
    });
    return res.status === 404 ? null : strip<AccessRule>(res.body);
  }

  listAccessRules(context: string, iface: string): Promise<AccessRule[]> {
    return this.all<AccessRule>('listAccessRules', `${this.ctx(context)}/access/in/${seg(iface)}/rules`);
  }

  /** Edits a rule; the rule's id is a hash of it, so the answer is its new id. */
  async updateAccessRule(context: string, iface: string, ruleId: string, change: Partial<AccessRuleSpec>, idempotencyKey: string): Promise<{ objectId: string }> {
    const res = await this.effect({
      op: 'updateAccessRule',
      method: 'PATCH',
      path: `${this.ctx(context)}/access/in/${seg(iface)}/rules/${seg(ruleId)}`,
      body: change,
      idempotencyKey,
    });
    return { objectId: lastSegment(headerValue(res.headers, 'location')) ?? ruleId };
  }

  /** False when already gone. */
  async deleteAccessRule(context: string, iface: string, ruleId: string, idempotencyKey: string): Promise<boolean> {
    const res = await this.effect({
      op: 'deleteAccessRule',
      method: 'DELETE',
      path: `${this.ctx(context)}/access/in/${seg(iface)}/rules/${seg(ruleId)}`,
      idempotencyKey,
      accept: [404],
    });
    return res.status !== 404;
  }

  // ---- site-to-site IPsec ----

  /**
   * Configures a site-to-site tunnel (a crypto-map entry) for replication traffic. An entry for the same
   * peer (or sequence) on the interface = already exists → that entry. Poll `getTunnelStatus` until UP.
   */
  async configureIpsecTunnel(context: string, spec: IpsecTunnelSpec, idempotencyKey: string): Promise<{ tunnel: IpsecTunnel; alreadyExisted: boolean }> {
    const { interface: iface, ...body } = spec;
    const res = await this.effect<Raw>({
      op: 'createTunnel',
      method: 'POST',
      path: `${this.ctx(context)}/vpn/cryptomaps/${seg(iface)}/entries`,
      body,
      idempotencyKey,
      accept: [409],
    });
    if (res.status !== 409) return { tunnel: strip<IpsecTunnel>(res.body), alreadyExisted: false };
    const seq = lastSegment(message(res.body)?.location);
    const existing = seq ? await this.getIpsecTunnel(context, iface, seq) : (await this.listIpsecTunnels(context, iface)).find((t) => t.peer === spec.peer);
    if (!existing) throw systemFailure('asa', 'createTunnel', 'conflict', describe(res.body) ?? 'already exists');
    return { tunnel: existing, alreadyExisted: true };
  }

  /** One crypto-map entry of an interface by sequence; null when there is none. */
  async getIpsecTunnel(context: string, iface: string, sequence: number | string): Promise<IpsecTunnel | null> {
    const res = await this.call<Raw>({
      op: 'getTunnel',
      method: 'GET',
      path: `${this.ctx(context)}/vpn/cryptomaps/${seg(iface)}/entries/${seg(String(sequence))}`,
      accept: [404],
    });
    return res.status === 404 ? null : strip<IpsecTunnel>(res.body);
  }

  /** The crypto-map entries of an interface ([] when it has none; an unknown context is `not-found`). */
  listIpsecTunnels(context: string, iface: string): Promise<IpsecTunnel[]> {
    return this.all<IpsecTunnel>('listTunnels', `${this.ctx(context)}/vpn/cryptomaps/${seg(iface)}/entries`);
  }

  /** False when already gone. */
  async removeIpsecTunnel(context: string, iface: string, sequence: number, idempotencyKey: string): Promise<boolean> {
    const res = await this.effect({
      op: 'deleteTunnel',
      method: 'DELETE',
      path: `${this.ctx(context)}/vpn/cryptomaps/${seg(iface)}/entries/${sequence}`,
      idempotencyKey,
      accept: [404],
    });
    return res.status !== 404;
  }

  /** Live status of the context's site-to-site tunnels, optionally only the one to `peer`. */
  async getTunnelStatus(context: string, peer?: string): Promise<TunnelStatus[]> {
    const all = await this.all<TunnelStatus>('getTunnelStatus', `${this.ctx(context)}/monitoring/vpn/tunnels`);
    return peer ? all.filter((t) => t.peer === peer) : all;
  }

  async close(): Promise<void> {
    await this.session.logout();
    await this.http.close();
  }
}

function lastSegment(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const parts = url.split('?')[0].split('/').filter(Boolean);
  const last = parts.at(-1);
  return last === undefined ? undefined : decodeURIComponent(last);
}
