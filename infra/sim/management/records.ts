import {
  SimError,
  alreadyExists,
  asObject,
  badRequest,
  basicAuth,
  created,
  jsonErrorStyle,
  noContent,
  notFound,
  ok,
  read,
  type Action,
  type Req,
  type Route,
  type SystemDef,
} from '../http';
import { isIpv4 } from '../ip';
import type { Collection, MgmtRecord, Sim } from '../state';

/**
 * What the management services share. DESIGN ASSUMPTION: the real products (ITM/TEMS, Netcool, TSM,
 * BigFix/TEM, CMDB/ISM, TADDM, DNS, LDAP/AD) are driven by agents, CLIs and assorted APIs; the simulator
 * gives each one a small JSON REST API under `/mgmt/<service>/api/v1`, HTTP Basic on every call, errors
 * `{ error: { code, message } }`, 409 ALREADY_EXISTS (with the existing record) when a create collides on
 * the record's natural key, and PUT upserts where the natural operation is "make it so" (DNS, LDAP,
 * event-policy mappings). Every record carries `tenant` and, when it is about a machine, `server` (the VM
 * name), which is what the ops log reports as the target.
 */

export type FieldType = 'string' | 'number' | 'boolean' | 'ip' | 'object' | 'array';

export interface Field {
  name: string;
  type: FieldType;
  required?: boolean;
}

export function mgmtSystem(sim: Sim, service: string, routes: Route[]): SystemDef {
  return {
    system: service,
    mount: `/mgmt/${service}`,
    errorStyle: jsonErrorStyle,
    authenticate(req) {
      if (!basicAuth(req.headers)) throw new SimError(401, 'UNAUTHORIZED', 'HTTP Basic credentials required');
    },
    routes,
  };
}

/**
 * `GET /api/v1/servers`: the provider's shared servers of this service (the DR site's monitoring server, TSM
 * server, patch server, directory server...), so the orchestrator can find the DR side's one by site.
 */
export function serversRoute(sim: Sim, service: string): Route {
  return {
    method: 'GET',
    path: '/api/v1/servers',
    op: 'listServers',
    handle: (req) =>
      read(() => {
        const site = req.query.get('site');
        const items = sim.state.mgmt.servers.list().filter((s) => s.service === service && (!site || s.site === site));
        return ok({ items, total: items.length });
      }),
  };
}

/** Validates a body against the field list; `partial` for PATCH. */
export function parseFields(body: unknown, fields: Field[], partial: boolean): Record<string, unknown> {
  const o = asObject(body);
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const v = o[f.name];
    if (v === undefined || v === null) {
      if (f.required && !partial) throw badRequest(`${f.name} is required`, f.name);
      continue;
    }
    const okType =
      f.type === 'ip'
        ? isIpv4(v)
        : f.type === 'array'
          ? Array.isArray(v)
          : f.type === 'object'
            ? typeof v === 'object' && !Array.isArray(v)
            : typeof v === f.type;
    if (!okType) throw badRequest(`${f.name} must be ${f.type === 'ip' ? 'an IPv4 address' : `a ${f.type}`}`, f.name);
    out[f.name] = v;
  }
  return out;
}

export interface CrudSpec {
  /** Path of the collection below the mount, e.g. `/api/v1/agents`. */
  path: string;
  /** Singular noun for messages. */
  noun: string;
  collection: () => Collection<MgmtRecord>;
  fields: Field[];
  ops: { create: string; update: string; delete: string; list: string; get: string };
  /** Extra query filters matched exactly against record fields. */
  filters?: string[];
  /** Fills derived fields on create. */
  complete?: (r: MgmtRecord) => void;
}

/** List / create / get / patch / delete routes over one collection. */
export function crudRoutes(sim: Sim, spec: CrudSpec): Route[] {
  const get = (req: Req): MgmtRecord => {
    const r = spec.collection().get(req.params.id);
    if (!r) throw notFound(`${spec.noun} ${req.params.id}`);
    return r;
  };
  const targetOf = (r: MgmtRecord | Record<string, unknown>): string | null =>
    (typeof r.server === 'string' && r.server) || (typeof r.name === 'string' && r.name) || (typeof r.id === 'string' ? r.id : null);
  return [
    {
      method: 'GET',
      path: spec.path,
      op: spec.ops.list,
      handle: (req) =>
        read(() => {
          let items = spec.collection().list({ tenant: req.query.get('tenant'), server: req.query.get('server') });
          for (const f of spec.filters ?? []) {
            const v = req.query.get(f);
            if (v !== null) items = items.filter((r) => String(r[f]) === v);
          }
          return ok({ items, total: items.length });
        }),
    },
    {
      method: 'POST',
      path: spec.path,
      op: spec.ops.create,
      effect: true,
      handle: (req): Action => {
        const values = parseFields(req.body, spec.fields, false);
        const tenant = typeof values.tenant === 'string' ? values.tenant : null;
        return {
          tenant,
          target: targetOf(values),
          run: () => {
            const c = spec.collection();
            const record: MgmtRecord = { id: c.nextId(), tenant, ...values, createdAt: sim.clock.iso(), updatedAt: sim.clock.iso() };
            spec.complete?.(record);
            const { record: stored, existed } = c.insert(record);
            if (existed) throw alreadyExists(`${spec.noun} already exists (${stored.id})`, { existing: stored });
            return created(stored, { Location: `${req.base}${spec.path}/${stored.id}` });
          },
        };
      },
    },
    {
      method: 'GET',
      path: `${spec.path}/:id`,
      op: spec.ops.get,
      handle: (req) => read(() => ok(get(req)), req.params.id),
    },
    {
      method: 'PATCH',
      path: `${spec.path}/:id`,
      op: spec.ops.update,
      effect: true,
      handle: (req): Action => {
        const r = get(req);
        const values = parseFields(req.body, spec.fields.filter((f) => f.name !== 'tenant'), true);
        return {
          tenant: r.tenant,
          target: targetOf(r),
          run: () => patch(sim, spec.collection(), req.params.id, values, spec.noun),
        };
      },
    },
    {
      method: 'DELETE',
      path: `${spec.path}/:id`,
      op: spec.ops.delete,
      effect: true,
      handle: (req): Action => {
        const r = get(req);
        return {
          tenant: r.tenant,
          target: targetOf(r),
          run: () => {
            if (!spec.collection().delete(req.params.id)) throw notFound(`${spec.noun} ${req.params.id}`);
            return noContent();
          },
        };
      },
    },
  ];
}

export function patch(sim: Sim, c: Collection<MgmtRecord>, id: string, values: Record<string, unknown>, noun: string) {
  const result = c.update(id, (draft) => {
    Object.assign(draft, values, { updatedAt: sim.clock.iso() });
  });
  if (!result) throw notFound(`${noun} ${id}`);
  if ('conflict' in result) throw alreadyExists(`another ${noun} already has these values (${result.conflict.id})`, { existing: result.conflict });
  return ok(result.record);
}

/** Insert-or-update by natural key: the PUT semantics of DNS records, LDAP entries and mappings. */
export function upsert(sim: Sim, c: Collection<MgmtRecord>, values: MgmtRecord): { status: number; record: MgmtRecord } {
  const key = c.keyOf(values);
  const existing = key === undefined ? undefined : c.findByKey(key);
  if (existing) {
    const { id: _id, createdAt: _created, ...rest } = values;
    const r = c.update(existing.id, (d) => Object.assign(d, rest, { updatedAt: sim.clock.iso() }));
    return { status: 200, record: r && 'record' in r ? r.record : existing };
  }
  const record = { ...values, createdAt: sim.clock.iso(), updatedAt: sim.clock.iso() };
  c.insert(record);
  return { status: 201, record };
}

/** Rewrites every string field equal to an old IP (by the map) in the records of a tenant. */
export function readdress(sim: Sim, c: Collection<MgmtRecord>, tenant: string | null, map: Record<string, string>, fields: string[]): number {
  let changed = 0;
  for (const r of c.list({ tenant })) {
    const updates: Record<string, unknown> = {};
    for (const f of fields) {
      const v = r[f];
      if (typeof v === 'string') {
        const [ip, suffix] = v.split('/');
        if (map[ip] !== undefined) updates[f] = suffix ? `${map[ip]}/${suffix}` : map[ip];
      }
    }
    if (Object.keys(updates).length > 0) {
      c.update(r.id, (d) => Object.assign(d, updates, { updatedAt: sim.clock.iso() }));
      changed++;
    }
  }
  return changed;
}

export function ipMap(body: Record<string, unknown>): Record<string, string> {
  const m = body.map;
  if (typeof m !== 'object' || m === null || Array.isArray(m)) throw badRequest('map must be an object of old IP → new IP', 'map');
  for (const [k, v] of Object.entries(m)) {
    if (!isIpv4(k) || !isIpv4(v)) throw badRequest(`map entry ${k} → ${String(v)} must map an IPv4 address to an IPv4 address`, 'map');
  }
  return m as Record<string, string>;
}
