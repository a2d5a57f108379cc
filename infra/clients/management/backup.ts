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

/** A scheduled backup of a node at the backup server it is registered with. */
export interface BackupSchedule extends MgmtRecord {
  server: string | null;
  node: string;
  backupServer: string;
  kind: BackupScheduleKind;
  startAt: string;
  status: string;
}

export type BackupScheduleKind = 'storage-pool';

export interface BackupScheduleSpec {
  tenant: string;
  /** The node name. */
  node: string;
  /** The machine (VM name) the node backs up. */
  server?: string;
  kind: BackupScheduleKind;
  startAt: string;
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

  listSchedules(filter: { tenant?: string; server?: string; node?: string; backupServer?: string; kind?: BackupScheduleKind } = {}): Promise<BackupSchedule[]> {
    return this.list('listSchedules', '/schedules', filter);
  }

  /**
   * Schedules a backup of a node at the server it is registered with (the day-one storage-pool backup after a
   * failover). One of a kind per node and server: an existing one counts as success → that schedule. A node
   * not registered is a 422 (NODE_NOT_REGISTERED).
   */
  scheduleBackup(spec: BackupScheduleSpec, idempotencyKey: string): Promise<Created<BackupSchedule>> {
    return this.create('scheduleBackup', '/schedules', spec, idempotencyKey);
  }

  /** Cancels a scheduled backup; false when already gone. */
  cancelSchedule(id: string, idempotencyKey: string): Promise<boolean> {
    return this.remove('cancelSchedule', `/schedules/${seg(id)}`, idempotencyKey);
  }

  listServers(): Promise<ProviderServer[]> {
    return this.list('listServers', '/servers');
  }
}
