import type { EntityManager } from 'typeorm';
import { DrSitePolicyEntity, SiteEntity, TenantEntity } from '../entities';

export abstract class SiteRepository {
  abstract findById(id: string): Promise<SiteEntity | null>;
  abstract list(): Promise<SiteEntity[]>;
  abstract count(): Promise<number>;
  abstract insert(site: SiteEntity): Promise<void>;
  abstract update(id: string, patch: Partial<SiteEntity>): Promise<void>;
  abstract delete(id: string): Promise<void>;
  /** Names of the tenants whose primary or DR site this is. */
  abstract tenantsUsing(id: string): Promise<string[]>;
  /** The DR site's own approval policy, if it has one. */
  abstract findPolicy(siteId: string): Promise<DrSitePolicyEntity | null>;
  /** Creates or replaces the site's approval policy. */
  abstract savePolicy(policy: DrSitePolicyEntity): Promise<void>;
  abstract deletePolicy(siteId: string): Promise<void>;
}

export class TypeOrmSiteRepository extends SiteRepository {
  constructor(private readonly em: EntityManager) {
    super();
  }
  findById(id: string) {
    return this.em.findOneBy(SiteEntity, { id });
  }
  list() {
    return this.em.find(SiteEntity, { order: { name: 'ASC' } });
  }
  count() {
    return this.em.count(SiteEntity);
  }
  async insert(site: SiteEntity) {
    await this.em.insert(SiteEntity, site);
  }
  async update(id: string, patch: Partial<SiteEntity>) {
    await this.em.update(SiteEntity, { id }, patch);
  }
  async delete(id: string) {
    await this.em.delete(SiteEntity, { id });
  }
  async tenantsUsing(id: string) {
    const rows = await this.em.find(TenantEntity, { where: [{ primarySiteId: id }, { drSiteId: id }], select: { name: true }, order: { name: 'ASC' } });
    return rows.map((t) => t.name);
  }
  findPolicy(siteId: string) {
    return this.em.findOneBy(DrSitePolicyEntity, { siteId });
  }
  async savePolicy(policy: DrSitePolicyEntity) {
    await this.em.upsert(DrSitePolicyEntity, policy, ['siteId']);
  }
  async deletePolicy(siteId: string) {
    await this.em.delete(DrSitePolicyEntity, { siteId });
  }
}
