import { In, type EntityManager } from 'typeorm';
import { ProtectedVmEntity } from '../entities';
import { chunk } from './chunks';

export interface Page<T> {
  items: T[];
  total: number;
}

/** What the plan compiler needs of a VM. */
export type VmPlanFacts = Pick<ProtectedVmEntity, 'id' | 'name' | 'role' | 'masterTarget' | 'critical'>;

export abstract class ProtectedVmRepository {
  abstract findById(tenantId: string, id: string): Promise<ProtectedVmEntity | null>;
  abstract list(tenantId: string, page: { limit: number; offset: number }): Promise<Page<ProtectedVmEntity>>;
  abstract count(tenantId?: string): Promise<number>;
  /** The subset of `names` already taken in the tenant. */
  abstract existingNames(tenantId: string, names: string[]): Promise<string[]>;
  abstract findByNames(tenantId: string, names: string[]): Promise<ProtectedVmEntity[]>;
  /** Multi-row INSERTs in chunks; call inside a transaction for all-or-nothing. */
  abstract insertMany(vms: ProtectedVmEntity[]): Promise<void>;
  /** Every VM of the tenant, in name order, with the facts the plan compiler uses. */
  abstract planFacts(tenantId: string): Promise<VmPlanFacts[]>;
}

export class TypeOrmProtectedVmRepository extends ProtectedVmRepository {
  constructor(private readonly em: EntityManager) {
    super();
  }
  findById(tenantId: string, id: string) {
    return this.em.findOneBy(ProtectedVmEntity, { tenantId, id });
  }
  async list(tenantId: string, page: { limit: number; offset: number }) {
    const [items, total] = await this.em.findAndCount(ProtectedVmEntity, {
      where: { tenantId }, order: { name: 'ASC' }, take: page.limit, skip: page.offset,
    });
    return { items, total };
  }
  count(tenantId?: string) {
    return this.em.count(ProtectedVmEntity, { where: tenantId ? { tenantId } : {} });
  }
  async existingNames(tenantId: string, names: string[]) {
    const found: string[] = [];
    for (const part of chunk(names)) {
      const rows = await this.em.find(ProtectedVmEntity, { where: { tenantId, name: In(part) }, select: { name: true } });
      found.push(...rows.map((r) => r.name));
    }
    return found;
  }
  async findByNames(tenantId: string, names: string[]) {
    const found: ProtectedVmEntity[] = [];
    for (const part of chunk(names)) found.push(...(await this.em.find(ProtectedVmEntity, { where: { tenantId, name: In(part) } })));
    return found;
  }
  async insertMany(vms: ProtectedVmEntity[]) {
    for (const part of chunk(vms)) {
      await this.em.createQueryBuilder().insert().into(ProtectedVmEntity).values(part).updateEntity(false).execute();
    }
  }
  planFacts(tenantId: string) {
    return this.em.find(ProtectedVmEntity, {
      where: { tenantId }, order: { name: 'ASC' }, select: { id: true, name: true, role: true, masterTarget: true, critical: true },
    });
  }
}
