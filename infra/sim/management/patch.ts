import type { Sim } from '../state';
import { crudRoutes, mgmtSystem, serversRoute } from './records';

/**
 * Patch server (TEM/BigFix-like), `/mgmt/patch/api/v1`: patch agents with their server, patch level,
 * priority and schedule (the patent's patch-management metadata). At the DR site agents are re-pointed,
 * not patched. `GET /api/v1/servers` lists the provider's patch servers (the DR site's among them).
 */
export function patchSystem(sim: Sim) {
  return mgmtSystem(sim, 'patch', [
    ...crudRoutes(sim, {
      path: '/api/v1/agents',
      noun: 'patch agent',
      collection: () => sim.state.mgmt.patchAgents,
      fields: [
        { name: 'tenant', type: 'string', required: true },
        { name: 'server', type: 'string', required: true },
        { name: 'ip', type: 'ip', required: true },
        { name: 'patchServer', type: 'string', required: true },
        { name: 'patchLevel', type: 'string' },
        { name: 'patchGroup', type: 'string' },
        { name: 'priority', type: 'number' },
        { name: 'schedule', type: 'string' },
        { name: 'patchingEnabled', type: 'boolean' },
      ],
      ops: { create: 'registerAgent', update: 'updateAgent', delete: 'deregisterAgent', list: 'listAgents', get: 'getAgent' },
      filters: ['patchServer'],
    }),
    serversRoute(sim, 'patch'),
  ]);
}
