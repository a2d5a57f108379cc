import { poolView } from './bna';
import { siteView, vmView } from './compute';
import { asObject, badRequest, created, jsonErrorStyle, noContent, notFound, ok, read, refused, type SystemDef } from './http';
import { holdReplication, pairStatus, setSourceSiteDown } from './inmage';
import { parseScenario, seedScenario } from './scenario';
import type { Collection, MgmtRecord, Sim } from './state';

/**
 * The control API for tests, demos and benchmarks, `/_sim` (no auth, never logged, never faulted):
 * - `POST /_sim/reset`: empty estate, ops log, faults, latency overrides (sessions and the clock stay);
 * - `POST /_sim/scenario`: seed tenants × VMs (see scenario.ts) → 201 `{ drSite, tenants }`;
 * - `GET|POST|DELETE /_sim/faults`, `DELETE /_sim/faults/{id}`: fault rules (see faults.ts);
 * - `GET|PUT /_sim/latency` ← `{ timeScale?, ops?: { "<system>.<op>": real-world ms } }` (see latency.ts);
 * - `GET|PUT /_sim/idempotency` ← `{ mode: "store" | "none" }`: replay side effects by Idempotency-Key, or
 *   ignore keys as the real products do (`reset` returns to the mode the simulator started in, `store` by default);
 * - `GET /_sim/ops?system=&op=&tenant=&target=&outcome=&since=&limit=` → `{ ops, lastSeq }`;
 * - `GET /_sim/state?tenant=`: the whole estate as JSON (optionally one tenant's part);
 * - `GET /_sim/clock`, `POST /_sim/clock` ← `{ advanceMs }`: read or move the simulator clock forward;
 * - `POST /_sim/sites/{site}/fail|restore`: take a site down (its VMs stop answering, replication from
 *   it stops so recovery points stop advancing, its tunnels go DOWN) or bring it back;
 * - `POST /_sim/tenants/{tenant}/primary-site` ← `{ site }`: the provider built the tenant a new primary site
 *   (created up and empty if unknown) and the tenant now lives there: InMage, the ASA and compute target it;
 * - `POST /_sim/tenants/{tenant}/vms/{vm}/replication/freeze|resync|resume` ← `{ sinceSeconds? }` (freeze): stop
 *   one VM's forward replication (its lag grows), hold it in a resync, or let it run again.
 */
export function controlSystem(sim: Sim, systems: () => SystemDef[]): SystemDef {
  return {
    system: 'sim',
    mount: '/_sim',
    errorStyle: jsonErrorStyle,
    routes: [
      {
        method: 'GET',
        path: '/',
        op: 'info',
        handle: () =>
          read(() =>
            ok({
              name: 'Lifeline simulated provider estate',
              systems: systems().map((s) => ({ system: s.system, mount: s.mount })),
              now: sim.clock.iso(),
              timeScale: sim.latency.timeScale,
              idempotency: sim.idempotency,
            }),
          ),
      },
      {
        method: 'POST',
        path: '/reset',
        op: 'reset',
        handle: () =>
          read(() => {
            sim.reset();
            return ok({ reset: true, now: sim.clock.iso() });
          }),
      },
      {
        method: 'POST',
        path: '/scenario',
        op: 'scenario',
        handle: (req) =>
          read(() => {
            const input = parseScenario(req.body, sim.seed);
            return created(seedScenario(sim, input));
          }),
      },
      {
        method: 'GET',
        path: '/faults',
        op: 'listFaults',
        handle: () => read(() => ok({ faults: sim.faults.list() })),
      },
      {
        method: 'POST',
        path: '/faults',
        op: 'addFault',
        handle: (req) =>
          read(() => {
            const result = sim.faults.add(req.body);
            if (typeof result === 'string') throw badRequest(result);
            return created(result);
          }),
      },
      {
        method: 'DELETE',
        path: '/faults',
        op: 'clearFaults',
        handle: () =>
          read(() => {
            sim.faults.clear();
            return noContent();
          }),
      },
      {
        method: 'DELETE',
        path: '/faults/:id',
        op: 'removeFault',
        handle: (req) =>
          read(() => {
            if (!sim.faults.remove(req.params.id)) throw notFound(`fault ${req.params.id}`);
            return noContent();
          }),
      },
      {
        method: 'GET',
        path: '/latency',
        op: 'getLatency',
        handle: () => read(() => ok(sim.latency.snapshot())),
      },
      {
        method: 'PUT',
        path: '/latency',
        op: 'setLatency',
        handle: (req) =>
          read(() => {
            const body = asObject(req.body);
            if (body.timeScale !== undefined) {
              if (typeof body.timeScale !== 'number' || body.timeScale < 0 || !Number.isFinite(body.timeScale)) {
                throw badRequest('timeScale must be a non-negative number', 'timeScale');
              }
            }
            const ops = body.ops === undefined ? {} : asObject(body.ops, 'ops');
            for (const [k, v] of Object.entries(ops)) {
              if (!/^[a-z-]+\.[A-Za-z0-9]+$/.test(k)) throw badRequest(`ops key ${k} must look like <system>.<op>`, 'ops');
              if (typeof v !== 'number' || v < 0 || !Number.isFinite(v)) throw badRequest(`ops.${k} must be a non-negative number of real-world ms`, 'ops');
            }
            if (typeof body.timeScale === 'number') sim.latency.timeScale = body.timeScale;
            for (const [k, v] of Object.entries(ops)) sim.latency.set(k, v as number);
            return ok(sim.latency.snapshot());
          }),
      },
      {
        method: 'GET',
        path: '/idempotency',
        op: 'getIdempotency',
        handle: () => read(() => ok({ mode: sim.idempotency })),
      },
      {
        method: 'PUT',
        path: '/idempotency',
        op: 'setIdempotency',
        handle: (req) =>
          read(() => {
            const mode = asObject(req.body).mode;
            if (mode !== 'store' && mode !== 'none') throw badRequest('mode must be "store" or "none"', 'mode');
            sim.setIdempotency(mode);
            return ok({ mode });
          }),
      },
      {
        method: 'GET',
        path: '/ops',
        op: 'ops',
        handle: (req) =>
          read(() => {
            const q = req.query;
            const since = q.get('since');
            const limit = q.get('limit');
            if (since !== null && !/^\d+$/.test(since)) throw badRequest('since must be a sequence number', 'since');
            if (limit !== null && !/^\d+$/.test(limit)) throw badRequest('limit must be a positive integer', 'limit');
            const ops = sim.log.query({
              system: q.get('system') ?? undefined,
              op: q.get('op') ?? undefined,
              tenant: q.get('tenant') ?? undefined,
              target: q.get('target') ?? undefined,
              outcome: q.get('outcome') ?? undefined,
              since: since === null ? 0 : Number(since),
              limit: limit === null ? undefined : Number(limit),
            });
            return ok({ ops, lastSeq: sim.log.lastSeq });
          }),
      },
      {
        method: 'GET',
        path: '/state',
        op: 'state',
        handle: (req) => read(() => ok(dumpState(sim, req.query.get('tenant')))),
      },
      {
        method: 'GET',
        path: '/clock',
        op: 'getClock',
        handle: () => read(() => ok({ now: sim.clock.iso(), timeScale: sim.latency.timeScale })),
      },
      {
        method: 'POST',
        path: '/clock',
        op: 'advanceClock',
        handle: (req) =>
          read(() => {
            const body = asObject(req.body);
            const ms = body.advanceMs;
            if (typeof ms !== 'number' || ms < 0 || !Number.isFinite(ms)) throw badRequest('advanceMs must be a non-negative number', 'advanceMs');
            sim.clock.advance(ms);
            sim.scheduler.settle();
            return ok({ now: sim.clock.iso() });
          }),
      },
      ...(['fail', 'restore'] as const).map((action) => ({
        method: 'POST',
        path: `/sites/:site/${action}`,
        op: `${action}Site`,
        handle: (req: { params: Record<string, string> }) =>
          read(() => {
            const site = sim.state.sites.get(req.params.site);
            if (!site) throw notFound(`site ${req.params.site}`);
            const down = action === 'fail';
            if (site.down !== down) {
              site.down = down;
              site.downSince = down ? sim.clock.now() : null;
              setSourceSiteDown(sim, site.id, down);
            }
            return ok(siteView(site));
          }),
      })),
      {
        method: 'POST',
        path: '/tenants/:tenant/primary-site',
        op: 'movePrimarySite',
        handle: (req) =>
          read(() => {
            const tenant = sim.state.tenants.get(req.params.tenant);
            if (!tenant) throw notFound(`tenant ${req.params.tenant}`);
            const id = asObject(req.body).site;
            if (typeof id !== 'string' || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(id)) throw badRequest('site must be a site id (lower-case letters, digits, dashes)', 'site');
            const known = sim.state.sites.get(id);
            if (known && known.kind !== 'primary') throw refused('NOT_A_PRIMARY_SITE', `${id} is a ${known.kind} site; a tenant's primary site must be kind primary`);
            if (known && known.tenant !== null && known.tenant !== tenant.id) throw refused('SITE_OF_ANOTHER_TENANT', `${id} is ${known.tenant}'s own site`);
            const site = known ?? { id, kind: 'primary' as const, tenant: tenant.id, capacity: null, used: { vcpu: 0, memoryGb: 0, storageGb: 0, masterTargets: 0 }, down: false, downSince: null };
            sim.state.sites.set(id, site);
            const previous = tenant.primarySite;
            tenant.primarySite = id;
            return (known ? ok : created)({ tenant: tenant.id, previousSite: previous, site: siteView(site) });
          }),
      },
      ...(['freeze', 'resync', 'resume'] as const).map((action) => ({
        method: 'POST',
        path: `/tenants/:tenant/vms/:vm/replication/${action}`,
        op: `${action}Replication`,
        handle: (req: { params: Record<string, string>; body: unknown }) =>
          read(() => {
            const since = req.body === undefined || req.body === null ? undefined : asObject(req.body).sinceSeconds;
            if (since !== undefined && (action !== 'freeze' || typeof since !== 'number' || since < 0 || !Number.isFinite(since))) {
              throw badRequest('sinceSeconds must be a non-negative number of seconds, and only for freeze', 'sinceSeconds');
            }
            const pairs = holdReplication(sim, req.params.tenant, req.params.vm, action, since);
            return ok({ tenant: req.params.tenant, vm: req.params.vm, pairs: pairs.map((p) => ({ id: p.id, volume: p.volume, ...pairStatus(sim, p) })) });
          }),
      })),
    ],
  };
}

function list(c: Collection<MgmtRecord>, tenant: string | null): MgmtRecord[] {
  return c.list({ tenant });
}

/** The estate as plain JSON; with a tenant, only what belongs to (or is reserved by) that tenant. */
export function dumpState(sim: Sim, tenant: string | null): Record<string, unknown> {
  const st = sim.state;
  const mine = (t: string | null | undefined): boolean => !tenant || t === tenant;
  const pools = [...st.bna.pools.values()]
    .map((p) => ({ pool: p, reservations: [...p.allocated.values()].filter((r) => mine(r.tenant)) }))
    .filter(({ pool, reservations }) => mine(pool.tenant) || (pool.tenant === null && reservations.length > 0))
    .map(({ pool, reservations }) => ({ ...poolView(pool), reservations }));
  const mgmt: Record<string, MgmtRecord[]> = {};
  for (const [k, c] of Object.entries(st.mgmt)) {
    const items = list(c as Collection<MgmtRecord>, tenant);
    mgmt[k] = k === 'servers' && tenant ? list(c as Collection<MgmtRecord>, null) : items;
  }
  return {
    now: sim.clock.iso(),
    timeScale: sim.latency.timeScale,
    tenants: [...st.tenants.values()].filter((t) => mine(t.id)),
    sites: [...st.sites.values()].filter((s) => !tenant || s.tenant === tenant || s.tenant === null).map(siteView),
    vms: tenant ? (st.vmsByTenant.get(tenant) ?? []).map((n) => st.vms.get(`${tenant}|${n}`)) : [...st.vms.values()],
    compute: { vms: [...st.compute.vms.values()].filter((v) => mine(v.tenant)).map((v) => vmView(sim, v)) },
    clm: {
      containers: [...st.clm.containers.values()].filter((c) => mine(c.tenant)),
      networkPaths: [...st.clm.networkPaths.values()].filter((p) => mine(p.tenant)),
      loadBalancerPools: [...st.clm.lbPools.values()].filter((p) => mine(p.tenant)),
      serviceOfferingInstances: [...st.clm.offeringInstances.values()].filter((s) => mine(s.tenant)),
      organizations: [...st.clm.organizations.values()].filter((o) => mine(o.tenant)),
      changeRequests: [...st.clm.changes.values()].filter((c) => mine(c.tenant)),
      tasks: [...st.clm.tasks.values()].filter((t) => mine(t.tenant)),
    },
    bna: {
      pools,
      vlanPools: [...st.bna.vlanPools.values()].map((p) => ({ id: p.id, site: p.site, from: p.from, to: p.to, allocated: p.allocated.size })),
      vlans: [...st.bna.vlans.values()].filter((v) => mine(v.tenant)),
      jobs: [...st.bna.jobs.values()].filter((j) => mine(j.tenant)),
    },
    asa: {
      contexts: [...st.asa.contexts.values()]
        .filter((c) => mine(c.tenant))
        .map((c) => ({ ...c, networkObjects: [...c.networkObjects.values()], rules: [...c.rules.values()], tunnels: [...c.tunnels.values()] })),
    },
    inmage: {
      controlServers: [...st.inmage.controlServers.values()].filter((c) => mine(c.tenant)),
      plans: [...st.inmage.plans.values()].filter((p) => mine(p.tenant)),
      pairs: [...st.inmage.pairs.values()].filter((p) => mine(p.tenant)).map((p) => ({ ...p, ...pairStatus(sim, p) })),
      servers: [...st.inmage.servers.values()].filter((s) => mine(s.tenant)),
      drillSnapshots: [...st.inmage.drills.values()].filter((d) => mine(d.tenant)),
      jobs: [...st.inmage.jobs.values()].filter((j) => mine(j.tenant)),
    },
    mgmt,
    faults: sim.faults.list(),
    opsLogged: sim.log.lastSeq,
  };
}

