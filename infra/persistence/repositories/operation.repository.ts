import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type { EntityManager, FindOptionsWhere } from 'typeorm';
import { OperationEntity } from '../entities';
import type { OperationKind, OperationStatus } from '../enums';

export interface OperationFilter {
  tenantId?: string;
  kind?: OperationKind;
  status?: OperationStatus;
  limit?: number;
  offset?: number;
}

/** The listing projection of Temporal workflow runs; written by one idempotent upsert. */
export abstract class OperationRepository {
  abstract findById(id: string): Promise<OperationEntity | null>;
  abstract findByRequest(kind: OperationKind, tenantId: string | null, requestId: string): Promise<OperationEntity | null>;
  abstract list(filter: OperationFilter): Promise<{ items: OperationEntity[]; total: number }>;
  /** Inserts the run or overwrites its projection; safe to repeat with the same values. */
  abstract upsert(operation: OperationEntity): Promise<void>;
  /** Removes the record of an operation that never started. */
  abstract delete(id: string): Promise<void>;
}

export class TypeOrmOperationRepository extends OperationRepository {
  constructor(private readonly em: EntityManager) {
    super();
  }
  findById(id: string) {
    return this.em.findOneBy(OperationEntity, { id });
  }
  findByRequest(kind: OperationKind, tenantId: string | null, requestId: string) {
    return this.em.findOne(OperationEntity, { where: { kind, requestId, ...(tenantId ? { tenantId } : {}) } });
  }
  async list(filter: OperationFilter) {
    const where: FindOptionsWhere<OperationEntity> = {};
    if (filter.tenantId) where.tenantId = filter.tenantId;
    if (filter.kind) where.kind = filter.kind;
    if (filter.status) where.status = filter.status;
    const [items, total] = await this.em.findAndCount(OperationEntity, {
      where, order: { startedAt: 'DESC', id: 'ASC' }, take: filter.limit ?? 100, skip: filter.offset ?? 0,
    });
    return { items, total };
  }
  /**
   * Insert, or update the row with this id. Not `INSERT … ON DUPLICATE KEY UPDATE`: on MySQL that would also
   * fire on the (kind, tenant, requestId) key and rewrite another run's row.
   */
  async upsert(operation: OperationEntity) {
    const { id, ...rest } = operation;
    try {
      await this.em.insert(OperationEntity, operation as QueryDeepPartialEntity<OperationEntity>);
    } catch (err) {
      if (!(await this.em.existsBy(OperationEntity, { id }))) throw err;
      await this.em.update(OperationEntity, { id }, rest as QueryDeepPartialEntity<OperationEntity>);
    }
  }
  async delete(id: string) {
    await this.em.delete(OperationEntity, { id });
  }
}
