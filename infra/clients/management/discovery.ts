import type { SystemEndpoint } from '../http-client';
import { ManagementClient, seg, type MgmtRecord } from './base';

/** Discovery (TADDM-like): a run over a tenant's addresses refreshes the CIs in scope when it completes. */

export interface DiscoveryRun extends MgmtRecord {
  scope: string[];
  startedAt: string;
  status: 'RUNNING' | 'COMPLETED';
  dueAt: string | null;
}

export class DiscoveryClient extends ManagementClient {
  constructor(endpoint: SystemEndpoint) {
    super('discovery', endpoint);
  }

  /** Starts a discovery run over `scope` (addresses); poll `getRun` until COMPLETED. */
  async runDiscovery(spec: { tenant: string; scope: string[] }, idempotencyKey: string): Promise<DiscoveryRun> {
    const res = await this.effect<DiscoveryRun>({ op: 'runDiscovery', method: 'POST', path: '/runs', body: spec, idempotencyKey });
    return res.body;
  }

  getRun(id: string): Promise<DiscoveryRun | null> {
    return this.get('getRun', `/runs/${seg(id)}`);
  }

  listRuns(filter: { tenant?: string } = {}): Promise<DiscoveryRun[]> {
    return this.list('listRuns', '/runs', filter);
  }
}
