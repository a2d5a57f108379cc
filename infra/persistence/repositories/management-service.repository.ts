import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { IsNull, type EntityManager, type FindOptionsWhere } from 'typeorm';
import { ManagementServiceEntity } from '../entities';

export abstract class ManagementServiceRepository {
  abstract findById(id: string): Promise<ManagementServiceEntity | null>;
  /** A tenant's own services, plus the provider's shared ones when `includeShared`; or only the shared ones. */
  abstract list(filter: { tenantId: string; includeShared: boolean } | { sharedOnly: true }): Promise<ManagementServiceEntity[]>;
  abstract count(): Promise<number>;
  abstract insert(service: ManagementServiceEntity): Promise<void>;
  abstract update(id: string, patch: Partial<ManagementServiceEntity>): Promise<void>;
  abstract delete(id: string): Promise<void>;
}

export class TypeOrmManagementServiceRepository extends ManagementServiceRepository {
  constructor(private readonly em: EntityManager) {
    super();
  }
  findById(id: string) {
    return this.em.findOneBy(ManagementServiceEntity, { id });
  }
  list(filter: { tenantId: string; includeShared: boolean } | { sharedOnly: true }) {
    const where: FindOptionsWhere<ManagementServiceEntity>[] =
      'sharedOnly' in filter ? [{ tenantId: IsNull() }] : filter.includeShared ? [{ tenantId: filter.tenantId }, { tenantId: IsNull() }] : [{ tenantId: filter.tenantId }];
    return this.em.find(ManagementServiceEntity, { where, order: { restorePriority: 'ASC', name: 'ASC' } });
  }
  count() {
    return this.em.count(ManagementServiceEntity);
  }
  async insert(service: ManagementServiceEntity) {
    await this.em.insert(ManagementServiceEntity, service as QueryDeepPartialEntity<ManagementServiceEntity>);
  }
  async update(id: string, patch: Partial<ManagementServiceEntity>) {
    await this.em.update(ManagementServiceEntity, { id }, patch as QueryDeepPartialEntity<ManagementServiceEntity>);
  }
  async delete(id: string) {
    await this.em.delete(ManagementServiceEntity, { id });
  }
}
