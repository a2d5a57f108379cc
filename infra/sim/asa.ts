import { randomBytes } from 'node:crypto';
import {
  SimError,
  asObject,
  asaErrorStyle,
  basicAuth,
  created,
  header,
  noContent,
  ok,
  read,
  str,
  type Action,
  type Req,
  type SystemDef,
} from './http';
import { hash32 } from './random';
import { isIpv4, parseCidr } from './ip';
import { SESSION_IDLE_MS, type AsaAccessRule, type AsaContext, type AsaNetworkObject, type AsaTunnel, type Sim } from './state';

/**
 * Cisco ASA REST API, `/asa/api/...`.
 * Faithful: `POST /api/tokenservices` with Basic → 204 + `X-Auth-Token` (X-Auth-Token checked first, Basic
 * accepted as fallback); at most 25 sessions per context → 503; tokens expire after 30 idle minutes;
 * `kind`/`objectId`/`selfLink` on every resource; POST → 201 + Location; PUT never creates (404);
 * collections paged with `offset`/`limit` (max 100) and `rangeInfo`; access-rule objectIds are a hash of
 * the rule, so an edit can change the id; errors `{ messages: [{ level, code, context, details }] }`.
 * Design assumptions (not documented by Cisco): a context is addressed by the URL segment
 * `/api/contexts/{name}/...` and tokens count against `?context=` (default `admin`); contexts are created
 * with `POST /api/contexts`; site-to-site tunnels are configured as crypto-map entries with peer and
 * networks at `/vpn/cryptomaps/{ifName}/entries` (each readable at `.../entries/{seq}`, the Location a
 * duplicate answers; an interface without entries lists as an empty collection) and reported at
 * `/monitoring/vpn/tunnels` (UP once `asa.tunnelUp` has elapsed, DOWN while the tenant's primary site
 * is down); duplicates answer 409 with code DUPLICATE and the existing resource's Location.
 */

export const ASA_MAX_SESSIONS_PER_CONTEXT = 25;
const TOKEN_IDLE_MS = SESSION_IDLE_MS;

const HOST_KINDS = ['IPv4Address', 'IPv4Network', 'IPv4Range', 'IPv4FQDN', 'AnyIPAddress'];

function validValue(v: unknown, context: string): { kind: string; value: string } {
  const o = asObject(v, context);
  const kind = str(o, 'kind', true);
  const value = str(o, 'value', true);
  if (!HOST_KINDS.includes(kind) && !['NetworkProtocol', 'TcpUdpService', 'objectRef#NetworkObj', 'objectRef#TcpUdpServiceObj'].includes(kind)) {
    throw new SimError(400, 'INVALID-INPUT', `unknown kind ${kind}`, {}, context);
  }
  if (kind === 'IPv4Address' && !isIpv4(value)) throw new SimError(400, 'INVALID-INPUT', `${value} is not an IPv4 address`, {}, context);
  if (kind === 'IPv4Network' && !parseCidr(value.includes('/') ? value : `${value}/32`)) {
    throw new SimError(400, 'INVALID-INPUT', `${value} is not an IPv4 network`, {}, context);
  }
  return { kind, value };
}

function collection(req: Req, kind: string, items: unknown[]): Record<string, unknown> {
  const limit = Math.max(1, Math.min(100, Number(req.query.get('limit') ?? 100) || 100));
  const offset = Math.max(0, Number(req.query.get('offset') ?? 0) || 0);
  return {
    kind: `collection#${kind}`,
    selfLink: `${req.base}${req.path}`,
    rangeInfo: { offset, limit, total: items.length },
    items: items.slice(offset, offset + limit),
  };
}

export function asaSystem(sim: Sim): SystemDef {
  const contexts = (): Map<string, AsaContext> => sim.state.asa.contexts;
  const ctxOf = (req: Req): AsaContext => {
    const c = contexts().get(req.params.ctx);
    if (!c) throw new SimError(404, 'RESOURCE-NOT-FOUND', `context ${req.params.ctx} does not exist`, {}, 'context');
    return c;
  };
  const ctxLink = (req: Req, c: AsaContext): string => `${req.base}/api/contexts/${encodeURIComponent(c.name)}`;
  const duplicate = (what: string, location: string): SimError =>
    new SimError(409, 'DUPLICATE', `${what} already exists`, { location }, 'objectId');

  const contextView = (req: Req, c: AsaContext): Record<string, unknown> => ({
    kind: 'object#SecurityContext',
    objectId: c.name,
    name: c.name,
    tenant: c.tenant,
    interfaces: c.interfaces,
    createdAt: c.createdAt,
    savedAt: c.savedAt,
    selfLink: ctxLink(req, c),
  });
  const objView = (req: Req, c: AsaContext, o: AsaNetworkObject): Record<string, unknown> => ({
    ...o,
    selfLink: `${ctxLink(req, c)}/objects/networkobjects/${encodeURIComponent(o.objectId)}`,
  });
  const ruleView = (req: Req, c: AsaContext, r: AsaAccessRule): Record<string, unknown> => ({
    ...r,
    selfLink: `${ctxLink(req, c)}/access/in/${encodeURIComponent(r.interface)}/rules/${r.objectId}`,
  });
  const tunnelLink = (req: Req, c: AsaContext, t: Pick<AsaTunnel, 'interface' | 'sequence'>): string =>
    `${ctxLink(req, c)}/vpn/cryptomaps/${encodeURIComponent(t.interface)}/entries/${t.sequence}`;
  const tunnelView = (req: Req, c: AsaContext, t: AsaTunnel): Record<string, unknown> => ({
    kind: 'object#CryptoMapEntry',
    ...t,
    createdAt: new Date(t.createdAt).toISOString(),
    selfLink: tunnelLink(req, c, t),
  });
  const tunnelStatus = (c: AsaContext, t: AsaTunnel): Record<string, unknown> => {
    const tenant = c.tenant ? sim.state.tenants.get(c.tenant) : undefined;
    const peerDown = tenant ? sim.state.sites.get(tenant.primarySite)?.down === true : false;
    const now = sim.clock.now();
    let status: string;
    let reason: string | null = null;
    if (peerDown) {
      status = 'DOWN';
      reason = 'peer unreachable';
    } else if (t.upAt === null) {
      status = 'DOWN';
      reason = 'IKE negotiation with the peer does not complete';
    } else if (now < t.upAt) status = 'NEGOTIATING';
    else status = 'UP';
    const upSeconds = status === 'UP' && t.upAt !== null ? Math.floor((now - t.upAt) / 1000) : 0;
    return {
      kind: 'object#VpnS2STunnel',
      interface: t.interface,
      sequence: t.sequence,
      peer: t.peer,
      localNetwork: t.localNetwork,
      remoteNetwork: t.remoteNetwork,
      status,
      reason,
      upSince: status === 'UP' && t.upAt !== null ? new Date(t.upAt).toISOString() : null,
      bytesTx: upSeconds * 125_000,
      bytesRx: upSeconds * 9_000,
    };
  };
  const ruleId = (r: Omit<AsaAccessRule, 'objectId' | 'position'>): string =>
    String(
      hash32(
        JSON.stringify([r.interface, r.permit, r.sourceAddress.value, r.destinationAddress.value, r.sourceService.value, r.destinationService.value]),
      ),
    );

  const effect = (tenant: string | null, target: string, run: Action['run'], jobs = false): Action => ({ tenant, target, run, jobs });

  return {
    system: 'asa',
    mount: '/asa',
    errorStyle: asaErrorStyle,
    authenticate(req) {
      const token = header(req.headers, 'x-auth-token');
      if (token) {
        const s = sim.sessions.asa.get(token);
        const now = sim.clock.now();
        if (!s || now - s.lastUsed > TOKEN_IDLE_MS) {
          sim.sessions.asa.delete(token);
          throw new SimError(401, 'AUTHENTICATION-FAILED', 'X-Auth-Token is invalid or expired');
        }
        s.lastUsed = now;
        return;
      }
      if (!basicAuth(req.headers)) throw new SimError(401, 'AUTHENTICATION-FAILED', 'Basic credentials or X-Auth-Token required');
    },
    routes: [
      {
        method: 'POST',
        path: '/api/tokenservices',
        op: 'createToken',
        public: true,
        handle: (req) =>
          read(() => {
            const creds = basicAuth(req.headers);
            if (!req.headers.authorization) throw new SimError(401, 'AUTHENTICATION-FAILED', 'Basic Authorization header required');
            if (!creds) throw new SimError(400, 'INVALID-INPUT', 'cannot parse user name and password');
            const context = req.query.get('context') ?? 'admin';
            const now = sim.clock.now();
            let inUse = 0;
            for (const [token, s] of sim.sessions.asa) {
              if (now - s.lastUsed > TOKEN_IDLE_MS) sim.sessions.asa.delete(token);
              else if (s.context === context) inUse++;
            }
            if (inUse >= ASA_MAX_SESSIONS_PER_CONTEXT) {
              throw new SimError(503, 'MAX-SESSIONS-REACHED', `maximum sessions (${ASA_MAX_SESSIONS_PER_CONTEXT}) reached for context ${context}`);
            }
            const token = randomBytes(16).toString('hex');
            sim.sessions.asa.set(token, { context, lastUsed: now, user: creds.user });
            return noContent({ 'X-Auth-Token': token });
          }),
      },
      {
        method: 'DELETE',
        path: '/api/tokenservices/:token',
        op: 'deleteToken',
        handle: (req) =>
          read(() => {
            if (!sim.sessions.asa.delete(req.params.token)) throw new SimError(401, 'AUTHENTICATION-FAILED', 'unknown token');
            return noContent();
          }),
      },
      {
        method: 'GET',
        path: '/api/contexts',
        op: 'listContexts',
        handle: (req) => read(() => ok(collection(req, 'SecurityContext', [...contexts().values()].map((c) => contextView(req, c))))),
      },
      {
        method: 'POST',
        path: '/api/contexts',
        op: 'createContext',
        effect: true,
        handle: (req) => {
          const body = asObject(req.body);
          const name = str(body, 'name', true);
          const tenant = str(body, 'tenant') ?? null;
          if (!/^[A-Za-z0-9_.-]{1,32}$/.test(name)) throw new SimError(400, 'INVALID-INPUT', 'context name: 1-32 letters, digits, _ . -', {}, 'name');
          const rawIfs = body.interfaces === undefined ? [] : body.interfaces;
          if (!Array.isArray(rawIfs)) throw new SimError(400, 'INVALID-INPUT', 'interfaces must be an array', {}, 'interfaces');
          const interfaces = rawIfs.map((x, i) => {
            const o = asObject(x, `interfaces[${i}]`);
            const vlan = o.vlan === undefined || o.vlan === null ? null : o.vlan;
            if (vlan !== null && (typeof vlan !== 'number' || vlan < 1 || vlan > 4094)) {
              throw new SimError(400, 'INVALID-INPUT', `interfaces[${i}].vlan must be 1-4094`, {}, 'interfaces');
            }
            const ip = str(o, 'ip') ?? null;
            if (ip !== null && !isIpv4(ip.split('/')[0])) throw new SimError(400, 'INVALID-INPUT', `interfaces[${i}].ip is not IPv4`, {}, 'interfaces');
            return { name: str(o, 'name', true), vlan: vlan as number | null, ip };
          });
          return effect(tenant, name, () => {
            const existing = contexts().get(name);
            if (existing) throw duplicate(`context ${name}`, ctxLink(req, existing));
            const c: AsaContext = {
              name,
              tenant,
              interfaces,
              createdAt: sim.clock.iso(),
              networkObjects: new Map(),
              rules: new Map(),
              tunnels: new Map(),
              savedAt: null,
            };
            contexts().set(name, c);
            return created(contextView(req, c), { Location: ctxLink(req, c) });
          });
        },
      },
      {
        method: 'GET',
        path: '/api/contexts/:ctx',
        op: 'getContext',
        handle: (req) => read(() => ok(contextView(req, ctxOf(req))), req.params.ctx),
      },
      {
        method: 'DELETE',
        path: '/api/contexts/:ctx',
        op: 'deleteContext',
        effect: true,
        handle: (req) => {
          const c = ctxOf(req);
          return effect(c.tenant, c.name, () => {
            contexts().delete(c.name);
            return noContent();
          });
        },
      },
      {
        method: 'POST',
        path: '/api/contexts/:ctx/commands/writemem',
        op: 'writeMemory',
        effect: true,
        handle: (req) => {
          const c = ctxOf(req);
          return effect(c.tenant, c.name, () => {
            c.savedAt = sim.clock.iso();
            return ok({ response: ['Building configuration...', '[OK]'] });
          });
        },
      },
      {
        method: 'GET',
        path: '/api/contexts/:ctx/objects/networkobjects',
        op: 'listNetworkObjects',
        handle: (req) =>
          read(() => {
            const c = ctxOf(req);
            return ok(collection(req, 'NetworkObj', [...c.networkObjects.values()].map((o) => objView(req, c, o))));
          }, req.params.ctx),
      },
      {
        method: 'POST',
        path: '/api/contexts/:ctx/objects/networkobjects',
        op: 'createNetworkObject',
        effect: true,
        handle: (req) => {
          const c = ctxOf(req);
          const body = asObject(req.body);
          const name = str(body, 'name', true);
          const host = validValue(body.host, 'host');
          return effect(c.tenant, name, () => {
            const existing = c.networkObjects.get(name);
            if (existing) throw duplicate(`network object ${name}`, objView(req, c, existing).selfLink as string);
            const o: AsaNetworkObject = { kind: 'object#NetworkObj', objectId: name, name, host, description: str(body, 'description') };
            c.networkObjects.set(name, o);
            const view = objView(req, c, o);
            return created(view, { Location: view.selfLink as string });
          });
        },
      },
      {
        method: 'GET',
        path: '/api/contexts/:ctx/objects/networkobjects/:id',
        op: 'getNetworkObject',
        handle: (req) =>
          read(() => {
            const c = ctxOf(req);
            const o = c.networkObjects.get(req.params.id);
            if (!o) throw new SimError(404, 'RESOURCE-NOT-FOUND', `network object ${req.params.id} does not exist`);
            return ok(objView(req, c, o));
          }, req.params.id),
      },
      ...(['PUT', 'PATCH'] as const).map((method) => ({
        method,
        path: '/api/contexts/:ctx/objects/networkobjects/:id',
        op: 'updateNetworkObject',
        effect: true,
        handle: (req: Req): Action => {
          const c = ctxOf(req);
          const body = asObject(req.body);
          const host = body.host === undefined && method === 'PATCH' ? undefined : validValue(body.host, 'host');
          return effect(c.tenant, req.params.id, () => {
            const o = c.networkObjects.get(req.params.id);
            if (!o) throw new SimError(404, 'RESOURCE-NOT-FOUND', `network object ${req.params.id} does not exist`);
            if (host) o.host = host;
            if (body.description !== undefined) o.description = str(body, 'description');
            return noContent();
          });
        },
      })),
      {
        method: 'DELETE',
        path: '/api/contexts/:ctx/objects/networkobjects/:id',
        op: 'deleteNetworkObject',
        effect: true,
        handle: (req) => {
          const c = ctxOf(req);
          return effect(c.tenant, req.params.id, () => {
            if (!c.networkObjects.delete(req.params.id)) throw new SimError(404, 'RESOURCE-NOT-FOUND', `network object ${req.params.id} does not exist`);
            return noContent();
          });
        },
      },
      {
        method: 'GET',
        path: '/api/contexts/:ctx/access/in',
        op: 'listAccessInterfaces',
        handle: (req) =>
          read(() => {
            const c = ctxOf(req);
            const names = [...new Set([...c.rules.values()].map((r) => r.interface))];
            return ok(collection(req, 'AccessInterface', names.map((n) => ({ kind: 'object#AccessInterface', interface: { kind: 'objectRef#Interface', name: n } }))));
          }, req.params.ctx),
      },
      {
        method: 'GET',
        path: '/api/contexts/:ctx/access/in/:ifName/rules',
        op: 'listAccessRules',
        handle: (req) =>
          read(() => {
            const c = ctxOf(req);
            const rules = [...c.rules.values()].filter((r) => r.interface === req.params.ifName).sort((a, b) => a.position - b.position);
            return ok(collection(req, 'ExtendedACE', rules.map((r) => ruleView(req, c, r))));
          }, req.params.ctx),
      },
      {
        method: 'POST',
        path: '/api/contexts/:ctx/access/in/:ifName/rules',
        op: 'createAccessRule',
        effect: true,
        handle: (req) => {
          const c = ctxOf(req);
          const body = asObject(req.body);
          const draft = {
            kind: 'object#ExtendedACE' as const,
            interface: req.params.ifName,
            permit: body.permit === undefined ? true : body.permit === true,
            sourceAddress: validValue(body.sourceAddress, 'sourceAddress'),
            destinationAddress: validValue(body.destinationAddress, 'destinationAddress'),
            sourceService: body.sourceService === undefined ? { kind: 'NetworkProtocol', value: 'ip' } : validValue(body.sourceService, 'sourceService'),
            destinationService:
              body.destinationService === undefined ? { kind: 'NetworkProtocol', value: 'ip' } : validValue(body.destinationService, 'destinationService'),
            active: body.active === undefined ? true : body.active === true,
            remarks: Array.isArray(body.remarks) ? body.remarks.map(String) : [],
            isAccessRule: true as const,
          };
          const id = ruleId(draft);
          return effect(c.tenant, id, () => {
            const existing = c.rules.get(id);
            if (existing) throw duplicate(`access rule ${id}`, ruleView(req, c, existing).selfLink as string);
            const position = [...c.rules.values()].filter((r) => r.interface === draft.interface).length + 1;
            const rule: AsaAccessRule = { ...draft, objectId: id, position };
            c.rules.set(id, rule);
            const view = ruleView(req, c, rule);
            return created(view, { Location: view.selfLink as string });
          });
        },
      },
      {
        method: 'GET',
        path: '/api/contexts/:ctx/access/in/:ifName/rules/:ruleId',
        op: 'getAccessRule',
        handle: (req) =>
          read(() => {
            const c = ctxOf(req);
            const r = c.rules.get(req.params.ruleId);
            if (!r || r.interface !== req.params.ifName) throw new SimError(404, 'RESOURCE-NOT-FOUND', `rule ${req.params.ruleId} does not exist`);
            return ok(ruleView(req, c, r));
          }, req.params.ruleId),
      },
      {
        method: 'PATCH',
        path: '/api/contexts/:ctx/access/in/:ifName/rules/:ruleId',
        op: 'updateAccessRule',
        effect: true,
        handle: (req) => {
          const c = ctxOf(req);
          const body = asObject(req.body);
          return effect(c.tenant, req.params.ruleId, () => {
            const r = c.rules.get(req.params.ruleId);
            if (!r || r.interface !== req.params.ifName) throw new SimError(404, 'RESOURCE-NOT-FOUND', `rule ${req.params.ruleId} does not exist`);
            const next: AsaAccessRule = { ...r };
            for (const k of ['sourceAddress', 'destinationAddress', 'sourceService', 'destinationService'] as const) {
              if (body[k] !== undefined) next[k] = validValue(body[k], k);
            }
            if (typeof body.permit === 'boolean') next.permit = body.permit;
            if (typeof body.active === 'boolean') next.active = body.active;
            const id = ruleId(next);
            if (id !== r.objectId && c.rules.has(id)) throw duplicate(`access rule ${id}`, `${ctxLink(req, c)}/access/in/${r.interface}/rules/${id}`);
            c.rules.delete(r.objectId);
            next.objectId = id;
            c.rules.set(id, next);
            // The id is a hash of the rule, so an edit moves the rule: the new Location says where.
            return noContent({ Location: ruleView(req, c, next).selfLink as string });
          });
        },
      },
      {
        method: 'DELETE',
        path: '/api/contexts/:ctx/access/in/:ifName/rules/:ruleId',
        op: 'deleteAccessRule',
        effect: true,
        handle: (req) => {
          const c = ctxOf(req);
          return effect(c.tenant, req.params.ruleId, () => {
            const r = c.rules.get(req.params.ruleId);
            if (!r || r.interface !== req.params.ifName) throw new SimError(404, 'RESOURCE-NOT-FOUND', `rule ${req.params.ruleId} does not exist`);
            c.rules.delete(r.objectId);
            return noContent();
          });
        },
      },
      {
        method: 'GET',
        path: '/api/contexts/:ctx/vpn/cryptomaps/:ifName/entries',
        op: 'listTunnels',
        handle: (req) =>
          read(() => {
            const c = ctxOf(req);
            // An interface without entries is an empty collection, like every other ASA collection.
            const entries = [...c.tunnels.values()].filter((t) => t.interface === req.params.ifName);
            return ok(collection(req, 'CryptoMapEntry', entries.map((t) => tunnelView(req, c, t))));
          }, req.params.ctx),
      },
      {
        method: 'POST',
        path: '/api/contexts/:ctx/vpn/cryptomaps/:ifName/entries',
        op: 'createTunnel',
        effect: true,
        handle: (req) => {
          const c = ctxOf(req);
          const body = asObject(req.body);
          const peer = str(body, 'peer', true);
          if (!isIpv4(peer)) throw new SimError(400, 'INVALID-INPUT', 'peer must be an IPv4 address', {}, 'peer');
          const localNetwork = str(body, 'localNetwork', true);
          const remoteNetwork = str(body, 'remoteNetwork', true);
          for (const [k, v] of [['localNetwork', localNetwork], ['remoteNetwork', remoteNetwork]]) {
            if (!parseCidr(v)) throw new SimError(400, 'INVALID-INPUT', `${k} must be a CIDR network`, {}, k);
          }
          const seqRaw = body.sequence;
          if (seqRaw !== undefined && (typeof seqRaw !== 'number' || !Number.isInteger(seqRaw) || seqRaw < 1 || seqRaw > 65535)) {
            throw new SimError(400, 'INVALID-INPUT', 'sequence must be 1-65535', {}, 'sequence');
          }
          // The crypto-map entry answers after asa.createTunnel (it is written, like any ASA config change),
          // and then negotiates (asa.tunnelUp, where a stuck fault keeps it).
          const action = effect(
            c.tenant,
            peer,
            ({ stuck }) => {
              if (contexts().get(c.name) !== c) throw new SimError(404, 'RESOURCE-NOT-FOUND', `context ${c.name} does not exist`, {}, 'context');
              for (const t of c.tunnels.values()) {
                if (t.interface === req.params.ifName && (t.peer === peer || t.sequence === seqRaw)) {
                  throw duplicate(`crypto map entry ${t.sequence} (peer ${t.peer})`, tunnelLink(req, c, t));
                }
              }
              const used = [...c.tunnels.values()].filter((t) => t.interface === req.params.ifName).map((t) => t.sequence);
              const sequence = (seqRaw as number | undefined) ?? (used.length ? Math.max(...used) + 10 : 10);
              const now = sim.clock.now();
              const tunnel: AsaTunnel = {
                interface: req.params.ifName,
                sequence,
                peer,
                localNetwork,
                remoteNetwork,
                ikeVersion: body.ikeVersion === 1 ? 1 : 2,
                createdAt: now,
                upAt: stuck ? null : now + sim.latency.scaledMs('asa.tunnelUp'),
              };
              c.tunnels.set(`${tunnel.interface}|${sequence}`, tunnel);
              const view = tunnelView(req, c, tunnel);
              return created(view, { Location: view.selfLink as string });
            },
            true,
          );
          return { ...action, answersAfterLatency: true };
        },
      },
      {
        method: 'GET',
        path: '/api/contexts/:ctx/vpn/cryptomaps/:ifName/entries/:seq',
        op: 'getTunnel',
        handle: (req) =>
          read(() => {
            const c = ctxOf(req);
            const t = c.tunnels.get(`${req.params.ifName}|${req.params.seq}`);
            if (!t) throw new SimError(404, 'RESOURCE-NOT-FOUND', `crypto map entry ${req.params.seq} does not exist on interface ${req.params.ifName}`);
            return ok(tunnelView(req, c, t));
          }, req.params.seq),
      },
      {
        method: 'DELETE',
        path: '/api/contexts/:ctx/vpn/cryptomaps/:ifName/entries/:seq',
        op: 'deleteTunnel',
        effect: true,
        handle: (req) => {
          const c = ctxOf(req);
          const t = c.tunnels.get(`${req.params.ifName}|${req.params.seq}`);
          return effect(c.tenant, t?.peer ?? req.params.seq, () => {
            if (!c.tunnels.delete(`${req.params.ifName}|${req.params.seq}`)) {
              throw new SimError(404, 'RESOURCE-NOT-FOUND', `crypto map entry ${req.params.seq} does not exist`);
            }
            return noContent();
          });
        },
      },
      {
        method: 'GET',
        path: '/api/contexts/:ctx/monitoring/vpn/tunnels',
        op: 'getTunnelStatus',
        handle: (req) =>
          read(() => {
            const c = ctxOf(req);
            return ok(collection(req, 'VpnS2STunnel', [...c.tunnels.values()].map((t) => tunnelStatus(c, t))));
          }, req.params.ctx),
      },
    ],
  };
}

