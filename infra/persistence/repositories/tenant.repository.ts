import type { EntityManager } from 'typeorm';
import { TenantEntity } from '../entities';

export abstract class TenantRepository {
  abstract findById(id: string): Promise<TenantEntity | null>;
  /** `onlyId` narrows the list to one tenant (a tenant admin's view). */
  abstract list(filter?: { onlyId?: string }): Promise<TenantEntity[]>;
  abstract count(): Promise<number>;
  abstract insert(tenant: TenantEntity): Promise<void>;
  abstract update(id: string, patch: Partial<TenantEntity>): Promise<void>;
}

export class TypeOrmTenantRepository extends TenantRepository {
  constructor(private readonly em: EntityManager) {
    super();
  }
  findById(id: string) {
    return this.em.findOneBy(TenantEntity, { id });
  }
  list(filter: { onlyId?: string } = {}) {
    return this.em.find(TenantEntity, { where: filter.onlyId ? { id: filter.onlyId } : {}, order: { name: 'ASC' } });
  }
  count() {
    return this.em.count(TenantEntity);
  }
  async insert(tenant: TenantEntity) {
    await this.em.insert(TenantEntity, tenant);
  }
  async update(id: string, patch: Partial<TenantEntity>) {
    await this.em.update(TenantEntity, { id }, patch);
  }
}
