import { asObject, ok, str, type Action } from '../http';
import type { Sim } from '../state';
import { crudRoutes, ipMap, mgmtSystem, readdress } from './records';

/**
 * Management-plane firewall policy, `/mgmt/firewall/api/v1`: the patent's simplest metadata example,
 * rules whose endpoints become invalid at the DR site and are re-addressed through an old → new IP map
 * (`POST /api/v1/readdress`).
 */
export function firewallSystem(sim: Sim) {
  const rules = () => sim.state.mgmt.firewallRules;
  return mgmtSystem(sim, 'firewall', [
    ...crudRoutes(sim, {
      path: '/api/v1/rules',
      noun: 'firewall rule',
      collection: rules,
      fields: [
        { name: 'tenant', type: 'string', required: true },
        { name: 'name', type: 'string', required: true },
        { name: 'source', type: 'string', required: true },
        { name: 'destination', type: 'string', required: true },
        { name: 'protocol', type: 'string' },
        { name: 'port', type: 'string' },
        { name: 'action', type: 'string' },
        { name: 'direction', type: 'string' },
        { name: 'server', type: 'string' },
      ],
      ops: { create: 'createRule', update: 'updateRule', delete: 'deleteRule', list: 'listRules', get: 'getRule' },
      complete: (r) => {
        r.action ??= 'permit';
        r.protocol ??= 'tcp';
      },
    }),
    {
      method: 'POST',
      path: '/api/v1/readdress',
      op: 'readdress',
      effect: true,
      handle: (req): Action => {
        const body = asObject(req.body);
        const tenant = str(body, 'tenant', true);
        const map = ipMap(body);
        return { tenant, target: tenant, run: () => ok({ updated: readdress(sim, rules(), tenant, map, ['source', 'destination']) }) };
      },
    },
  ]);
}
