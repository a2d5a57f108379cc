import { randomUUID } from 'node:crypto';
import {
  SimError,
  accepted,
  alreadyExists,
  asObject,
  badRequest,
  bnaErrorStyle,
  created,
  header,
  noContent,
  notFound,
  ok,
  read,
  refused,
  str,
  type Req,
  type SystemDef,
} from './http';
import { intToIp, ipToInt, parseCidr } from './ip';
import type { BnaJob, BnaVlan, IpPool, IpReservation, Sim, VlanPool } from './state';

/**
 * BMC (TrueSight) Network Automation, `/bna/bca-networks/api`.
 * Faithful: `POST /token` (form fields grant_type=password, username, password) then
 * `Authorization: Bearer`, expiring after 30 idle minutes on the simulator clock (`sessionTimeoutMs`);
 * `GET /token` keep-alive, `DELETE /token` logout; versioned paths; `offset` is a
 * 1-based page number and `limit` defaults to 25; `filter.<field>` query filters; 201 on create.
 * Design assumptions (BNA exposes IPAM and VLAN pools only through its SOAP API, so these REST paths,
 * the job status numbers and the error body are ours): `/v4.0/ip_pools/{pool}/reservations` to
 * reserve/release addresses, `/v4.0/vlan_pools` and `/v4.0/vlans` (VLAN create/delete run as jobs polled
 * at `/v4.0/jobs/{id}`, status 1 RUNNING, 2 COMPLETED, 3 FAILED), errors `{ status, errorCode, message }`.
 * An empty pool answers 422 POOL_EXHAUSTED; reserving again for the same owner answers 409
 * ALREADY_EXISTS with the address it already holds; deleting a VLAN already being deleted answers 409
 * ALREADY_IN_DESIRED_STATE (no second job).
 */

export const JOB_RUNNING = 1;
export const JOB_COMPLETED = 2;
export const JOB_FAILED = 3;
const JOB_STATUS_NAMES: Record<number, string> = { 1: 'RUNNING', 2: 'COMPLETED', 3: 'FAILED' };

export function createIpPool(
  sim: Sim,
  spec: { id?: string; name: string; tenant: string | null; site: string; purpose: string; cidr: string },
): IpPool {
  const parsed = parseCidr(spec.cidr);
  if (!parsed) throw badRequest(`cidr ${spec.cidr} is not an IPv4 network between /8 and /30`, 'cidr');
  const size = 2 ** (32 - parsed.prefix);
  const pool: IpPool = {
    id: spec.id ?? spec.name,
    name: spec.name,
    tenant: spec.tenant,
    site: spec.site,
    purpose: spec.purpose,
    cidr: `${intToIp(parsed.base)}/${parsed.prefix}`,
    gateway: intToIp(parsed.base + 1),
    first: parsed.base + 2,
    last: parsed.base + size - 2,
    cursor: parsed.base + 2,
    free: [],
    allocated: new Map(),
    byOwner: new Map(),
  };
  sim.state.bna.pools.set(pool.id, pool);
  return pool;
}

export function poolView(pool: IpPool): Record<string, unknown> {
  const capacity = pool.last - pool.first + 1;
  return {
    id: pool.id,
    name: pool.name,
    tenant: pool.tenant,
    site: pool.site,
    purpose: pool.purpose,
    cidr: pool.cidr,
    gateway: pool.gateway,
    prefixLength: Number(pool.cidr.split('/')[1]),
    capacity,
    allocated: pool.allocated.size,
    available: capacity - pool.allocated.size,
  };
}

const ownerKey = (tenant: string | null, owner: string): string => `${tenant ?? ''}|${owner}`;

/** Reserves the next free (or a requested) address for an owner. */
export function reserveIp(
  sim: Sim,
  pool: IpPool,
  owner: string,
  tenant: string | null,
  purpose: string | null,
  requested?: string,
): IpReservation {
  const held = pool.byOwner.get(ownerKey(tenant, owner));
  if (held !== undefined) {
    const r = pool.allocated.get(held) as IpReservation;
    throw alreadyExists(`${owner} already holds ${r.address} in pool ${pool.id}`, { address: r.address, reservation: r });
  }
  let n: number;
  if (requested !== undefined) {
    n = ipToInt(requested);
    if (Number.isNaN(n) || n < pool.first || n > pool.last) throw badRequest(`${requested} is not an assignable address of ${pool.cidr}`, 'address');
    if (pool.allocated.has(n)) throw refused('ADDRESS_IN_USE', `${requested} is already reserved by ${pool.allocated.get(n)?.owner}`);
    pool.free = pool.free.filter((x) => x !== n);
  } else {
    let found: number | undefined;
    while (pool.free.length > 0) {
      const candidate = pool.free.pop() as number;
      if (!pool.allocated.has(candidate)) {
        found = candidate;
        break;
      }
    }
    while (found === undefined && pool.cursor <= pool.last) {
      const candidate = pool.cursor++;
      if (!pool.allocated.has(candidate)) found = candidate;
    }
    if (found === undefined) {
      throw refused('POOL_EXHAUSTED', `IP pool ${pool.id} (${pool.cidr}) has no free address`, { pool: pool.id });
    }
    n = found;
  }
  const r: IpReservation = { address: intToIp(n), poolId: pool.id, tenant, owner, purpose, reservedAt: sim.clock.iso() };
  pool.allocated.set(n, r);
  pool.byOwner.set(ownerKey(tenant, owner), n);
  return r;
}

export function releaseIp(pool: IpPool, address: string): IpReservation {
  const n = ipToInt(address);
  const r = Number.isNaN(n) ? undefined : pool.allocated.get(n);
  if (!r) throw notFound(`reservation of ${address} in pool ${pool.id}`);
  pool.allocated.delete(n);
  pool.byOwner.delete(ownerKey(r.tenant, r.owner));
  pool.free.push(n);
  return r;
}

export function createVlanPool(sim: Sim, spec: { id: string; site: string; from: number; to: number }): VlanPool {
  const pool: VlanPool = { ...spec, cursor: spec.from, free: [], allocated: new Map() };
  sim.state.bna.vlanPools.set(pool.id, pool);
  return pool;
}

export function vlanPoolForSite(sim: Sim, site: string): VlanPool | undefined {
  for (const p of sim.state.bna.vlanPools.values()) if (p.site === site) return p;
  return undefined;
}

/** Takes a VLAN id from a pool or throws POOL_EXHAUSTED. */
export function takeVlanId(pool: VlanPool, owner: string): number {
  let id: number | undefined;
  while (pool.free.length > 0 && id === undefined) {
    const c = pool.free.pop() as number;
    if (!pool.allocated.has(c)) id = c;
  }
  while (id === undefined && pool.cursor <= pool.to) {
    const c = pool.cursor++;
    if (!pool.allocated.has(c)) id = c;
  }
  if (id === undefined) throw refused('POOL_EXHAUSTED', `VLAN pool ${pool.id} (${pool.from}-${pool.to}) is exhausted`, { pool: pool.id });
  pool.allocated.set(id, owner);
  return id;
}

export function giveVlanId(pool: VlanPool | undefined, id: number): void {
  if (!pool || !pool.allocated.delete(id)) return;
  pool.free.push(id);
}

function vlanPoolView(p: VlanPool): Record<string, unknown> {
  const capacity = p.to - p.from + 1;
  return { id: p.id, site: p.site, range: `${p.from}-${p.to}`, capacity, allocated: p.allocated.size, available: capacity - p.allocated.size };
}

function jobView(job: BnaJob): Record<string, unknown> {
  return {
    jobID: job.jobId,
    action: job.action,
    status: job.status,
    statusName: JOB_STATUS_NAMES[job.status],
    tenant: job.tenant,
    target: job.target,
    createTime: new Date(job.createdAt).toISOString(),
    completionTime: job.completedAt === null ? null : new Date(job.completedAt).toISOString(),
    result: job.result,
    error: job.error,
  };
}

/** Paginates like BNA: `offset` is the 1-based page number, `limit` rows per page (default 25). */
function page<T>(req: Req, items: T[]): Record<string, unknown> {
  const limit = Math.max(1, Math.min(1000, Number(req.query.get('limit') ?? 25) || 25));
  const offset = Math.max(1, Number(req.query.get('offset') ?? 1) || 1);
  return { offset, limit, total: items.length, items: items.slice((offset - 1) * limit, offset * limit) };
}

function filtered<T extends object>(req: Req, items: T[]): T[] {
  const filters: [string, string][] = [];
  for (const [k, v] of req.query) if (k.startsWith('filter.')) filters.push([k.slice(7), v]);
  if (filters.length === 0) return items;
  return items.filter((item) =>
    filters.every(([field, pattern]) => {
      const value = (item as Record<string, unknown>)[field];
      if (value === undefined) return false;
      const re = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i');
      return re.test(String(value));
    }),
  );
}

export function bnaSystem(sim: Sim): SystemDef {
  const bna = (): Sim['state']['bna'] => sim.state.bna;
  const getPool = (req: Req): IpPool => {
    const pool = bna().pools.get(req.params.pool);
    if (!pool) throw notFound(`IP pool ${req.params.pool}`);
    return pool;
  };
  const newJob = (action: string, tenant: string | null, target: string | null, stuck: boolean, onDone: (job: BnaJob) => void): BnaJob => {
    const job: BnaJob = {
      jobId: ++bna().jobSeq,
      action,
      tenant,
      target,
      status: JOB_RUNNING,
      createdAt: sim.clock.now(),
      completedAt: null,
      dueAt: stuck ? null : sim.dueIn(`bna.${action}`),
      stuck,
      result: null,
      error: null,
    };
    bna().jobs.set(job.jobId, job);
    const state = sim.state;
    if (job.dueAt !== null) {
      sim.scheduler.at(job.dueAt, () => {
        if (sim.state !== state) return;
        job.status = JOB_COMPLETED;
        job.completedAt = job.dueAt;
        onDone(job);
      });
    }
    return job;
  };

  return {
    system: 'bna',
    mount: '/bna/bca-networks/api',
    errorStyle: bnaErrorStyle,
    authenticate(req) {
      const h = header(req.headers, 'authorization') ?? '';
      const token = /^bearer /i.test(h) ? h.slice(7).trim() : '';
      if (!sim.sessions.bna.touch(token)) throw new SimError(401, 'UNAUTHORIZED', 'missing or expired Bearer token');
    },
    routes: [
      {
        method: 'GET',
        path: '/about',
        op: 'about',
        public: true,
        handle: () => read(() => ok({ productName: 'TrueSight Network Automation (simulated)', version: '8.9.04', apiVersions: ['v4.0'] })),
      },
      {
        method: 'POST',
        path: '/token',
        op: 'login',
        public: true,
        handle: (req) =>
          read(() => {
            const body = asObject(req.body ?? {});
            if (body.grant_type !== undefined && body.grant_type !== 'password') throw badRequest('grant_type must be password', 'grant_type');
            const username = str(body, 'username');
            const password = str(body, 'password');
            if (!username || !password) throw new SimError(401, 'UNAUTHORIZED', 'invalid username or password');
            const token = randomUUID();
            sim.sessions.bna.open(token);
            return ok({ token, access_token: token, token_type: 'Bearer', userName: username, sessionTimeoutMs: sim.sessions.bna.idleMs });
          }),
      },
      {
        method: 'GET',
        path: '/token',
        op: 'keepAlive',
        handle: () => read(() => ok({ sessionTimeoutMs: sim.sessions.bna.idleMs })),
      },
      {
        method: 'DELETE',
        path: '/token',
        op: 'logout',
        handle: (req) =>
          read(() => {
            sim.sessions.bna.close((header(req.headers, 'authorization') ?? '').slice(7).trim());
            return noContent();
          }),
      },
      {
        method: 'GET',
        path: '/v4.0/ip_pools',
        op: 'listPools',
        handle: (req) => read(() => ok(page(req, filtered(req, [...bna().pools.values()].map(poolView))))),
      },
      {
        method: 'POST',
        path: '/v4.0/ip_pools',
        op: 'createPool',
        effect: true,
        handle: (req) => {
          const body = asObject(req.body);
          const name = str(body, 'name', true);
          const tenant = str(body, 'tenant') ?? null;
          return {
            tenant,
            target: name,
            run: () => {
              const existing = bna().pools.get(name);
              if (existing) throw alreadyExists(`IP pool ${name} already exists`, { pool: poolView(existing) });
              const pool = createIpPool(sim, {
                name,
                tenant,
                site: str(body, 'site') ?? 'dr-1',
                purpose: str(body, 'purpose') ?? 'general',
                cidr: str(body, 'cidr', true),
              });
              return created(poolView(pool), { Location: `${req.base}/v4.0/ip_pools/${pool.id}` });
            },
          };
        },
      },
      {
        method: 'GET',
        path: '/v4.0/ip_pools/:pool',
        op: 'getPool',
        handle: (req) => read(() => ok(poolView(getPool(req))), req.params.pool),
      },
      {
        method: 'DELETE',
        path: '/v4.0/ip_pools/:pool',
        op: 'deletePool',
        effect: true,
        handle: (req) => {
          const pool = getPool(req);
          return {
            tenant: pool.tenant,
            target: pool.id,
            run: () => {
              if (pool.allocated.size > 0) throw refused('POOL_IN_USE', `IP pool ${pool.id} still has ${pool.allocated.size} reservations`);
              bna().pools.delete(pool.id);
              return noContent();
            },
          };
        },
      },
      {
        method: 'GET',
        path: '/v4.0/ip_pools/:pool/reservations',
        op: 'listReservations',
        handle: (req) =>
          read(() => {
            const pool = getPool(req);
            const owner = req.query.get('filter.owner');
            const tenant = req.query.get('filter.tenant');
            if (owner && !owner.includes('*')) {
              const n = pool.byOwner.get(ownerKey(tenant ?? pool.tenant, owner));
              return ok(page(req, n === undefined ? [] : [pool.allocated.get(n)]));
            }
            return ok(page(req, filtered(req, [...pool.allocated.values()])));
          }, req.params.pool),
      },
      {
        method: 'POST',
        path: '/v4.0/ip_pools/:pool/reservations',
        op: 'reserveIp',
        effect: true,
        handle: (req) => {
          const pool = getPool(req);
          const body = asObject(req.body);
          const owner = str(body, 'owner', true);
          const tenant = str(body, 'tenant') ?? pool.tenant;
          return {
            tenant,
            target: owner,
            run: () => {
              const r = reserveIp(sim, getPool(req), owner, tenant, str(body, 'purpose') ?? null, str(body, 'address'));
              return created(
                { ...r, prefixLength: Number(pool.cidr.split('/')[1]), gateway: pool.gateway },
                { Location: `${req.base}/v4.0/ip_pools/${pool.id}/reservations/${r.address}` },
              );
            },
          };
        },
      },
      {
        method: 'DELETE',
        path: '/v4.0/ip_pools/:pool/reservations/:address',
        op: 'releaseIp',
        effect: true,
        handle: (req) => {
          const pool = getPool(req);
          const n = ipToInt(req.params.address);
          const r = Number.isNaN(n) ? undefined : pool.allocated.get(n);
          return {
            tenant: r?.tenant ?? pool.tenant,
            target: r?.owner ?? req.params.address,
            run: () => {
              releaseIp(getPool(req), req.params.address);
              return noContent();
            },
          };
        },
      },
      {
        method: 'GET',
        path: '/v4.0/vlan_pools',
        op: 'listVlanPools',
        handle: (req) => read(() => ok(page(req, [...bna().vlanPools.values()].map(vlanPoolView)))),
      },
      {
        method: 'GET',
        path: '/v4.0/vlans',
        op: 'listVlans',
        handle: (req) => read(() => ok(page(req, filtered(req, [...bna().vlans.values()])))),
      },
      {
        method: 'GET',
        path: '/v4.0/vlans/:id',
        op: 'getVlan',
        handle: (req) =>
          read(() => {
            const v = bna().vlans.get(req.params.id);
            if (!v) throw notFound(`VLAN ${req.params.id}`);
            return ok(v);
          }, req.params.id),
      },
      {
        method: 'POST',
        path: '/v4.0/vlans',
        op: 'createVlan',
        effect: true,
        handle: (req) => {
          const body = asObject(req.body);
          const name = str(body, 'name', true);
          const tenant = str(body, 'tenant') ?? null;
          return {
            tenant,
            target: name,
            jobs: true,
            run: ({ stuck }) => {
              const existingId = bna().vlansByName.get(`${tenant ?? ''}|${name}`);
              if (existingId) throw alreadyExists(`VLAN ${name} already exists`, { vlan: bna().vlans.get(existingId) });
              const poolId = str(body, 'poolId');
              const site = str(body, 'site') ?? (tenant ? sim.state.tenants.get(tenant)?.drSite : undefined) ?? 'dr-1';
              const pool = poolId ? bna().vlanPools.get(poolId) : vlanPoolForSite(sim, site);
              if (!pool) throw notFound(`VLAN pool ${poolId ?? `for site ${site}`}`);
              const vlanId = takeVlanId(pool, `${tenant ?? ''}:${name}`);
              const vlan: BnaVlan = {
                id: `vlan-${++bna().vlanSeq}`,
                vlanId,
                name,
                tenant,
                poolId: pool.id,
                owner: str(body, 'owner') ?? '',
                state: 'PROVISIONING',
                jobId: 0,
              };
              const job = newJob('createVlan', tenant, name, stuck, (j) => {
                vlan.state = 'ACTIVE';
                j.result = { vlan: vlan.id, vlanId };
              });
              vlan.jobId = job.jobId;
              bna().vlans.set(vlan.id, vlan);
              bna().vlansByName.set(`${tenant ?? ''}|${name}`, vlan.id);
              return accepted({ ...jobView(job), vlan }, { Location: `${req.base}/v4.0/jobs/${job.jobId}` });
            },
          };
        },
      },
      {
        method: 'DELETE',
        path: '/v4.0/vlans/:id',
        op: 'deleteVlan',
        effect: true,
        handle: (req) => {
          const vlan = bna().vlans.get(req.params.id);
          if (!vlan) throw notFound(`VLAN ${req.params.id}`);
          return {
            tenant: vlan.tenant,
            target: vlan.name,
            jobs: true,
            run: ({ stuck }) => {
              if (!bna().vlans.has(vlan.id)) throw notFound(`VLAN ${vlan.id}`);
              if (vlan.state === 'DELETING') throw new SimError(409, 'ALREADY_IN_DESIRED_STATE', `VLAN ${vlan.name} is already being deleted`, { vlan });
              vlan.state = 'DELETING';
              const job = newJob('deleteVlan', vlan.tenant, vlan.name, stuck, () => {
                bna().vlans.delete(vlan.id);
                bna().vlansByName.delete(`${vlan.tenant ?? ''}|${vlan.name}`);
                giveVlanId(bna().vlanPools.get(vlan.poolId), vlan.vlanId);
              });
              return accepted(jobView(job), { Location: `${req.base}/v4.0/jobs/${job.jobId}` });
            },
          };
        },
      },
      {
        method: 'GET',
        path: '/v4.0/jobs',
        op: 'listJobs',
        handle: (req) =>
          read(() => {
            const status = req.query.get('filter.status');
            const id = req.query.get('filter.jobID');
            let jobs = [...bna().jobs.values()];
            if (status) jobs = jobs.filter((j) => String(j.status) === status);
            if (id) jobs = jobs.filter((j) => String(j.jobId) === id);
            return ok(page(req, jobs.map(jobView)));
          }),
      },
      {
        method: 'GET',
        path: '/v4.0/jobs/:id',
        op: 'getJob',
        handle: (req) => {
          const job = bna().jobs.get(Number(req.params.id));
          return read(() => {
            if (!job) throw notFound(`job ${req.params.id}`);
            return ok(jobView(job));
          }, job?.target ?? req.params.id, job?.tenant);
        },
      },
    ],
  };
}
