import { accepted, asObject, badRequest, notFound, ok, read, str, strArray, type Action } from '../http';
import type { MgmtRecord, Sim } from '../state';
import { mgmtSystem } from './records';

/**
 * Discovery (TADDM-like), `/mgmt/discovery/api/v1`: a discovery run over a tenant's addresses is a job
 * that completes after `discovery.runDiscovery` × timeScale; on completion the tenant's CIs whose IP was
 * in scope get `lastDiscoveredAt`. A run may carry the caller's `reference` (listed with `?reference=`);
 * nothing makes it unique, so a second request starts a second run.
 */
export function discoverySystem(sim: Sim) {
  const runs = () => sim.state.mgmt.discoveryRuns;
  const view = (r: MgmtRecord): MgmtRecord => {
    const due = r.dueAt as number | null;
    const done = due !== null && sim.clock.now() >= due;
    return { ...r, status: done ? 'COMPLETED' : 'RUNNING', dueAt: due === null ? null : new Date(due).toISOString() };
  };
  return mgmtSystem(sim, 'discovery', [
    {
      method: 'POST',
      path: '/api/v1/runs',
      op: 'runDiscovery',
      effect: true,
      handle: (req): Action => {
        const body = asObject(req.body);
        const tenant = str(body, 'tenant', true);
        const scope = strArray(body, 'scope') ?? [];
        if (scope.length === 0) throw badRequest('scope must list at least one address', 'scope');
        const reference = str(body, 'reference') ?? null;
        return {
          tenant,
          target: tenant,
          jobs: true,
          run: ({ stuck }) => {
            // Started before it is due: read the other way round, a clock tick between the two readings made a
            // zero-latency run finish before it started (its CIs then looked undiscovered by it).
            const startedAt = sim.clock.iso();
            const dueAt = stuck ? null : sim.dueIn('discovery.runDiscovery');
            const run: MgmtRecord = { id: runs().nextId(), tenant, scope, reference, startedAt, dueAt };
            runs().insert(run);
            if (dueAt !== null) {
              const state = sim.state;
              sim.scheduler.at(dueAt, () => {
                if (sim.state !== state) return;
                const inScope = new Set(scope);
                for (const ci of sim.state.mgmt.cis.list({ tenant })) {
                  if (typeof ci.ip === 'string' && inScope.has(ci.ip)) ci.lastDiscoveredAt = new Date(dueAt).toISOString();
                }
              });
            }
            return accepted(view(run), { Location: `${req.base}/api/v1/runs/${run.id}` });
          },
        };
      },
    },
    {
      method: 'GET',
      path: '/api/v1/runs',
      op: 'listRuns',
      handle: (req) =>
        read(() => {
          const reference = req.query.get('reference');
          const items = runs().list({ tenant: req.query.get('tenant') }).filter((r) => reference === null || r.reference === reference);
          return ok({ items: items.map(view) });
        }),
    },
    {
      method: 'GET',
      path: '/api/v1/runs/:id',
      op: 'getRun',
      handle: (req) =>
        read(() => {
          const r = runs().get(req.params.id);
          if (!r) throw notFound(`discovery run ${req.params.id}`);
          return ok(view(r));
        }, req.params.id),
    },
  ]);
}
