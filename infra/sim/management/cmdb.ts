import type { Sim } from '../state';
import { crudRoutes, mgmtSystem } from './records';

/**
 * CMDB and asset management (CCMDB/ISM-like), `/mgmt/cmdb/api/v1`: configuration items per machine and
 * the asset records that point at them; failover adjusts their IPs, site and status.
 */
export function cmdbSystem(sim: Sim) {
  return mgmtSystem(sim, 'cmdb', [
    ...crudRoutes(sim, {
      path: '/api/v1/cis',
      noun: 'configuration item',
      collection: () => sim.state.mgmt.cis,
      fields: [
        { name: 'tenant', type: 'string', required: true },
        { name: 'name', type: 'string', required: true },
        { name: 'server', type: 'string' },
        { name: 'className', type: 'string', required: true },
        { name: 'ip', type: 'ip' },
        { name: 'site', type: 'string' },
        { name: 'status', type: 'string' },
        { name: 'attributes', type: 'object' },
        { name: 'lastDiscoveredAt', type: 'string' },
      ],
      ops: { create: 'createCi', update: 'updateCi', delete: 'deleteCi', list: 'listCis', get: 'getCi' },
      filters: ['className', 'site', 'status', 'name'],
      complete: (r) => {
        r.server ??= r.name as string;
        r.status ??= 'operational';
      },
    }),
    ...crudRoutes(sim, {
      path: '/api/v1/assets',
      noun: 'asset record',
      collection: () => sim.state.mgmt.assets,
      fields: [
        { name: 'tenant', type: 'string', required: true },
        { name: 'assetTag', type: 'string', required: true },
        { name: 'server', type: 'string' },
        { name: 'ciId', type: 'string' },
        { name: 'location', type: 'string' },
        { name: 'status', type: 'string' },
        { name: 'owner', type: 'string' },
      ],
      ops: { create: 'createAsset', update: 'updateAsset', delete: 'deleteAsset', list: 'listAssets', get: 'getAsset' },
      filters: ['assetTag', 'location', 'status'],
    }),
  ]);
}
