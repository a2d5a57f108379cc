import { alreadyExists, asObject, badRequest, created, noContent, notFound, ok, read, refused, str, type Action } from '../http';
import type { Sim } from '../state';
import { crudRoutes, mgmtSystem, serversRoute } from './records';

/** Kinds of backup a schedule can run (TSM/BCRS: "Schedule day-one backup of the storage pool"). */
const SCHEDULE_KINDS = ['storage-pool'];

/**
 * Backup server (TSM-like), `/mgmt/backup/api/v1`: backup nodes registered per machine to a backup
 * server; failover re-registers them with the DR site's server (TSM/BCRS slides: "Create and register
 * TSM node", "Configure TSM agent with IP address of TSM server") and schedules each node's day-one
 * storage-pool backup there. A schedule belongs to the backup server its node is registered with (taken
 * from the node), one of a kind per node and server: a second one is 409 ALREADY_EXISTS. A schedule is
 * cancelled by `DELETE /api/v1/schedules/:id` (failback: the node has left that server).
 */
export function backupSystem(sim: Sim) {
  const schedules = () => sim.state.mgmt.backupSchedules;
  return mgmtSystem(sim, 'backup', [
    ...crudRoutes(sim, {
      path: '/api/v1/nodes',
      noun: 'backup node',
      collection: () => sim.state.mgmt.backupNodes,
      fields: [
        { name: 'tenant', type: 'string', required: true },
        { name: 'nodeName', type: 'string', required: true },
        { name: 'server', type: 'string', required: true },
        { name: 'ip', type: 'ip', required: true },
        { name: 'backupServer', type: 'string', required: true },
        { name: 'policyDomain', type: 'string' },
        { name: 'schedule', type: 'string' },
        { name: 'lastBackupAt', type: 'string' },
      ],
      ops: { create: 'registerNode', update: 'updateNode', delete: 'deregisterNode', list: 'listNodes', get: 'getNode' },
      filters: ['backupServer', 'nodeName'],
    }),
    serversRoute(sim, 'backup'),
    {
      method: 'GET',
      path: '/api/v1/schedules',
      op: 'listSchedules',
      handle: (req) =>
        read(() => {
          let items = schedules().list({ tenant: req.query.get('tenant'), server: req.query.get('server') });
          for (const f of ['node', 'backupServer', 'kind']) {
            const v = req.query.get(f);
            if (v !== null) items = items.filter((r) => String(r[f]) === v);
          }
          return ok({ items, total: items.length });
        }),
    },
    {
      method: 'POST',
      path: '/api/v1/schedules',
      op: 'scheduleBackup',
      effect: true,
      handle: (req): Action => {
        const body = asObject(req.body);
        const tenant = str(body, 'tenant', true);
        const nodeName = str(body, 'node', true);
        const kind = str(body, 'kind', true);
        const startAt = str(body, 'startAt', true);
        if (!SCHEDULE_KINDS.includes(kind)) throw badRequest(`kind must be one of ${SCHEDULE_KINDS.join(', ')}`, 'kind');
        if (Number.isNaN(Date.parse(startAt))) throw badRequest('startAt must be an ISO 8601 date-time', 'startAt');
        const node = sim.state.mgmt.backupNodes.findByKey(nodeName);
        if (!node || node.tenant !== tenant) throw refused('NODE_NOT_REGISTERED', `backup node ${nodeName} is not registered for ${tenant}`);
        const server = str(body, 'server') ?? (typeof node.server === 'string' ? node.server : null);
        if (server !== null && node.server !== server) throw badRequest(`backup node ${nodeName} belongs to ${String(node.server)}, not ${server}`, 'server');
        return {
          tenant,
          target: server ?? nodeName,
          run: () => {
            const c = schedules();
            const record = {
              id: c.nextId(), tenant, server, node: nodeName, backupServer: String(node.backupServer), kind, startAt: new Date(startAt).toISOString(),
              status: 'SCHEDULED', createdAt: sim.clock.iso(), updatedAt: sim.clock.iso(),
            };
            const { record: stored, existed } = c.insert(record);
            if (existed) throw alreadyExists(`a ${kind} backup of ${nodeName} is already scheduled at ${String(node.backupServer)} (${stored.id})`, { existing: stored });
            return created(stored);
          },
        };
      },
    },
    {
      method: 'DELETE',
      path: '/api/v1/schedules/:id',
      op: 'cancelSchedule',
      effect: true,
      handle: (req): Action => {
        const r = schedules().get(req.params.id);
        if (!r) throw notFound(`backup schedule ${req.params.id}`);
        return {
          tenant: r.tenant,
          target: typeof r.server === 'string' ? r.server : String(r.node),
          run: () => {
            if (!schedules().delete(req.params.id)) throw notFound(`backup schedule ${req.params.id}`);
            return noContent();
          },
        };
      },
    },
  ]);
}
