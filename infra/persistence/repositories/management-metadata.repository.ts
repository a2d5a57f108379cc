import { randomUUID } from 'node:crypto';
import { In, Not, type EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { ManagementMetadataSnapshotEntity, type MetadataSide } from '../entities';

/** A snapshot without its records: what lists and the metadata RPO need. */
export type SnapshotSummary = Omit<ManagementMetadataSnapshotEntity, 'records' | 'tenant'>;

const SUMMARY_COLUMNS: (keyof SnapshotSummary)[] = ['id', 'tenantId', 'version', 'side', 'reason', 'captureKey', 'capturedAt', 'basedOnVersion', 'counts', 'errors', 'createdAt'];

/** Versioned management-metadata snapshots per tenant. */
export abstract class ManagementMetadataRepository {
  abstract findByCaptureKey(captureKey: string): Promise<ManagementMetadataSnapshotEntity | null>;
  abstract findVersion(tenantId: string, version: number): Promise<ManagementMetadataSnapshotEntity | null>;
  /** The newest snapshot of a side (of one capture reason, if given), with its records. */
  abstract latest(tenantId: string, side: MetadataSide, reason?: string): Promise<ManagementMetadataSnapshotEntity | null>;
  /** The newest snapshot of a side whose capture reason is none of `reasons`, with its records. */
  abstract latestExcept(tenantId: string, side: MetadataSide, reasons: string[]): Promise<ManagementMetadataSnapshotEntity | null>;
  /** Newest first, without records. */
  abstract listVersions(tenantId: string, limit: number): Promise<SnapshotSummary[]>;
  /** Adds the tenant's next version; a capture key already stored answers with its row instead. */
  abstract insertNext(row: Omit<ManagementMetadataSnapshotEntity, 'id' | 'version' | 'createdAt' | 'tenant'>): Promise<ManagementMetadataSnapshotEntity>;
}

export class TypeOrmManagementMetadataRepository extends ManagementMetadataRepository {
  constructor(private readonly em: EntityManager) {
    super();
  }
  findByCaptureKey(captureKey: string) {
    return this.em.findOneBy(ManagementMetadataSnapshotEntity, { captureKey });
  }
  findVersion(tenantId: string, version: number) {
    return this.em.findOneBy(ManagementMetadataSnapshotEntity, { tenantId, version });
  }
  latest(tenantId: string, side: MetadataSide, reason?: string) {
    return this.em.findOne(ManagementMetadataSnapshotEntity, { where: { tenantId, side, ...(reason ? { reason } : {}) }, order: { version: 'DESC' } });
  }
  latestExcept(tenantId: string, side: MetadataSide, reasons: string[]) {
    return this.em.findOne(ManagementMetadataSnapshotEntity, { where: { tenantId, side, reason: Not(In(reasons)) }, order: { version: 'DESC' } });
  }
  listVersions(tenantId: string, limit: number) {
    return this.em.find(ManagementMetadataSnapshotEntity, { select: SUMMARY_COLUMNS, where: { tenantId }, order: { version: 'DESC' }, take: limit });
  }
  async insertNext(row: Omit<ManagementMetadataSnapshotEntity, 'id' | 'version' | 'createdAt' | 'tenant'>) {
    // Two captures of one tenant may race for a version number: the loser takes the next one.
    for (let attempt = 0; ; attempt++) {
      const existing = await this.findByCaptureKey(row.captureKey);
      if (existing) return existing;
      const top = await this.em.findOne(ManagementMetadataSnapshotEntity, { select: ['version'], where: { tenantId: row.tenantId }, order: { version: 'DESC' } });
      const entity = Object.assign(new ManagementMetadataSnapshotEntity(), row, { id: randomUUID(), version: (top?.version ?? 0) + 1, createdAt: new Date() });
      try {
        await this.em.insert(ManagementMetadataSnapshotEntity, entity as QueryDeepPartialEntity<ManagementMetadataSnapshotEntity>);
        return entity;
      } catch (err) {
        if (attempt >= 5 || !/unique|duplicate/i.test(err instanceof Error ? err.message : String(err))) throw err;
      }
    }
  }
}
