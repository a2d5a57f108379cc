import { In, IsNull, type EntityManager } from 'typeorm';
import { TenantEntity } from '../entities';
import type { TenantState } from '../enums';

export abstract class TenantRepository {
  abstract findById(id: string): Promise<TenantEntity | null>;
  /** `onlyId` narrows the list to one tenant (a tenant admin's view). */
  abstract list(filter?: { onlyId?: string }): Promise<TenantEntity[]>;
  abstract count(): Promise<number>;
  abstract insert(tenant: TenantEntity): Promise<void>;
  abstract update(id: string, patch: Partial<TenantEntity>): Promise<void>;
  /**
   * One operation per tenant: `operationId` takes the tenant if no operation holds it and (with `from`) it is
   * in one of those states, in one conditional update, so of two racing claims exactly one wins. False: the
   * tenant is held (or in another state); read it again to say by whom.
   */
  abstract claim(id: string, operationId: string, from?: TenantState[]): Promise<boolean>;
  /** Ends `operationId`'s hold; false when it did not hold the tenant (nothing changes then). */
  abstract release(id: string, operationId: string): Promise<boolean>;
  /** Moves the state only if the tenant is still in `from` and held by `holder` (null: by no operation). */
  abstract moveState(id: string, move: { from: TenantState; to: TenantState; holder: string | null }): Promise<boolean>;
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
  async claim(id: string, operationId: string, from?: TenantState[]) {
    const r = await this.em.update(TenantEntity, { id, activeOperationId: IsNull(), ...(from ? { state: In(from) } : {}) }, { activeOperationId: operationId, updatedAt: new Date() });
    return (r.affected ?? 0) > 0;
  }
  async release(id: string, operationId: string) {
    const r = await this.em.update(TenantEntity, { id, activeOperationId: operationId }, { activeOperationId: null, updatedAt: new Date() });
    return (r.affected ?? 0) > 0;
  }
  async moveState(id: string, move: { from: TenantState; to: TenantState; holder: string | null }) {
    const r = await this.em.update(TenantEntity, { id, state: move.from, activeOperationId: move.holder ?? IsNull() }, { state: move.to, updatedAt: new Date() });
    return (r.affected ?? 0) > 0;
  }
}
