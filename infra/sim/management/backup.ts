import { ok, read } from '../http';
import type { Sim } from '../state';
import { crudRoutes, mgmtSystem } from './records';

/**
 * Backup server (TSM-like), `/mgmt/backup/api/v1`: backup nodes registered per machine to a backup
 * server; failover re-registers them with the DR site's server (TSM/BCRS slides: "Create and register
 * TSM node", "Configure TSM agent with IP address of TSM server").
 */
export function backupSystem(sim: Sim) {
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
    {
      method: 'GET',
      path: '/api/v1/servers',
      op: 'listServers',
      handle: () => read(() => ok({ items: sim.state.mgmt.servers.list().filter((s) => s.service === 'backup') })),
    },
  ]);
}
