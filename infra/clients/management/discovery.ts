import type { SystemEndpoint } from '../http-client';
import { ManagementClient, seg, type MgmtRecord } from './base';

/** Discovery (TADDM-like): a run over a tenant's addresses refreshes the CIs in scope when it completes. */

export interface DiscoveryRun extends MgmtRecord {
  scope: string[];
  startedAt: string;
  status: 'RUNNING' | 'COMPLETED';
  dueAt: string | null;
  /** The caller's reference for the run (Lifeline: the fix-up that started it). */
  reference: string | null;
}

export class DiscoveryClient extends ManagementClient {
  constructor(endpoint: SystemEndpoint) {
    super('discovery', endpoint);
  }

  /**
   * Starts a discovery run over `scope` (addresses); poll `getRun` until COMPLETED. Discovery has no natural
   * key for a run: look for one with the same `reference` first, or a repeat starts a second run.
   */
  async runDiscovery(spec: { tenant: string; scope: string[]; reference?: string }, idempotencyKey: string): Promise<DiscoveryRun> {
    const res = await this.effect<DiscoveryRun>({ op: 'runDiscovery', method: 'POST', path: '/runs', body: spec, idempotencyKey });
    return res.body;
  }

  getRun(id: string): Promise<DiscoveryRun | null> {
    return this.get('getRun', `/runs/${seg(id)}`);
  }

  listRuns(filter: { tenant?: string; reference?: string } = {}): Promise<DiscoveryRun[]> {
    return this.list('listRuns', '/runs', filter);
  }
}
