import type { SystemEndpoint } from '../http-client';
import { ManagementClient, seg, type Created, type MgmtRecord } from './base';
import type { ProviderServer } from './monitoring';

/** Backup server (TSM-like): backup nodes per machine, re-registered with the DR site's server at failover. */

export interface BackupNode extends MgmtRecord {
  server: string;
  nodeName: string;
  ip: string;
  backupServer: string;
  policyDomain?: string;
  schedule?: string;
  lastBackupAt?: string;
}

export interface BackupNodeSpec {
  tenant: string;
  nodeName: string;
  server: string;
  ip: string;
  backupServer: string;
  policyDomain?: string;
  schedule?: string;
}

export class BackupClient extends ManagementClient {
  constructor(endpoint: SystemEndpoint) {
    super('backup', endpoint);
  }

  listNodes(filter: { tenant?: string; server?: string; backupServer?: string; nodeName?: string } = {}): Promise<BackupNode[]> {
    return this.list('listNodes', '/nodes', filter);
  }

  getNode(id: string): Promise<BackupNode | null> {
    return this.get('getNode', `/nodes/${seg(id)}`);
  }

  /** Same node name = already exists → that node. */
  registerNode(spec: BackupNodeSpec, idempotencyKey: string): Promise<Created<BackupNode>> {
    return this.create('registerNode', '/nodes', spec, idempotencyKey);
  }

  /** Re-points a node (new IP, DR backup server). */
  updateNode(id: string, change: Partial<Omit<BackupNodeSpec, 'tenant'>>, idempotencyKey: string): Promise<BackupNode> {
    return this.update('updateNode', `/nodes/${seg(id)}`, change, idempotencyKey);
  }

  /** False when already gone. */
  deregisterNode(id: string, idempotencyKey: string): Promise<boolean> {
    return this.remove('deregisterNode', `/nodes/${seg(id)}`, idempotencyKey);
  }

  listServers(): Promise<ProviderServer[]> {
    return this.list('listServers', '/servers');
  }
}
