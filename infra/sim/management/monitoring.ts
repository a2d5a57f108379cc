import { asObject, badRequest, notFound, ok, read, type Action } from '../http';
import type { Sim } from '../state';
import { crudRoutes, mgmtSystem, patch, serversRoute, type Field } from './records';

/**
 * Monitoring server (ITM/TEMS-like), `/mgmt/monitoring/api/v1`. An agent record is one row of the
 * patent's FIG. 10 monitoring metadata (1002): one entry per server-agent combination, holding the
 * server's IP, the agent id and the per-metric rules that decide whether a metric raises an event and
 * with which severity; plus where the agent reports (monitoring server) and where its events go
 * (event-policy mapper). `GET /api/v1/metadata` returns exactly the FIG. 10 table.
 */
const RULE_FIELDS = ['metric', 'operator', 'threshold', 'severity'];

export const AGENT_FIELDS: Field[] = [
  { name: 'tenant', type: 'string', required: true },
  { name: 'server', type: 'string', required: true },
  { name: 'serverIp', type: 'ip', required: true },
  { name: 'agentType', type: 'string', required: true },
  { name: 'agentId', type: 'string' },
  { name: 'monitoringServer', type: 'string', required: true },
  { name: 'eventDestination', type: 'string' },
  { name: 'managementGroup', type: 'string' },
  { name: 'status', type: 'string' },
  { name: 'rules', type: 'array' },
];

function validateRules(rules: unknown): Record<string, unknown>[] {
  if (!Array.isArray(rules)) throw badRequest('rules must be an array', 'rules');
  return rules.map((r, i) => {
    const o = asObject(r, `rules[${i}]`);
    for (const f of RULE_FIELDS) if (o[f] === undefined) throw badRequest(`rules[${i}].${f} is required`, 'rules');
    return o;
  });
}

export function monitoringSystem(sim: Sim) {
  const agents = () => sim.state.mgmt.agents;
  return mgmtSystem(sim, 'monitoring', [
    ...crudRoutes(sim, {
      path: '/api/v1/agents',
      noun: 'monitoring agent',
      collection: agents,
      fields: AGENT_FIELDS,
      ops: { create: 'installAgent', update: 'reconfigureAgent', delete: 'uninstallAgent', list: 'listAgents', get: 'getAgent' },
      filters: ['agentType', 'serverIp', 'monitoringServer'],
      complete: (r) => {
        r.agentId ??= `${String(r.server)}:${String(r.agentType)}`;
        r.status ??= 'ONLINE';
        r.rules = r.rules === undefined ? [] : validateRules(r.rules);
      },
    }),
    {
      method: 'PUT',
      path: '/api/v1/agents/:id/rules',
      op: 'setRules',
      effect: true,
      handle: (req): Action => {
        const agent = agents().get(req.params.id);
        if (!agent) throw notFound(`monitoring agent ${req.params.id}`);
        const rules = validateRules(asObject(req.body).rules);
        return { tenant: agent.tenant, target: agent.server ?? agent.id, run: () => patch(sim, agents(), agent.id, { rules }, 'monitoring agent') };
      },
    },
    {
      method: 'GET',
      path: '/api/v1/metadata',
      op: 'getMetadata',
      handle: (req) =>
        read(() =>
          ok({
            items: agents()
              .list({ tenant: req.query.get('tenant'), server: req.query.get('server') })
              .map((a) => ({ serverId: a.serverIp, agentId: a.agentId, rules: a.rules, server: a.server, tenant: a.tenant })),
          }),
        ),
    },
    serversRoute(sim, 'monitoring'),
  ]);
}
