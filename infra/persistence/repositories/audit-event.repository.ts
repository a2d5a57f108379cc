import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type { EntityManager, FindOptionsWhere } from 'typeorm';
import { AuditEventEntity } from '../entities';

export type NewAuditEvent = Omit<AuditEventEntity, 'id'>;

/** Append-only: there is deliberately no update or delete. */
export abstract class AuditEventRepository {
  abstract append(event: NewAuditEvent): Promise<void>;
  abstract list(filter: { tenantId?: string; limit: number; offset: number }): Promise<{ items: AuditEventEntity[]; total: number }>;
  abstract count(): Promise<number>;
}

export class TypeOrmAuditEventRepository extends AuditEventRepository {
  constructor(private readonly em: EntityManager) {
    super();
  }
  async append(event: NewAuditEvent) {
    await this.em.insert(AuditEventEntity, event as QueryDeepPartialEntity<AuditEventEntity>);
  }
  async list(filter: { tenantId?: string; limit: number; offset: number }) {
    const where: FindOptionsWhere<AuditEventEntity> = filter.tenantId ? { tenantId: filter.tenantId } : {};
    const [items, total] = await this.em.findAndCount(AuditEventEntity, { where, order: { id: 'DESC' }, take: filter.limit, skip: filter.offset });
    return { items, total };
  }
  count() {
    return this.em.count(AuditEventEntity);
  }
}
