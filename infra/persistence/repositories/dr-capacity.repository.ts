import { In, Not, type EntityManager } from 'typeorm';
import type { TenantOccupancy } from '../../../domain/dr-capacity';
import { DrCapacityReservationEntity, ProtectedVmEntity, SiteEntity, TenantEntity } from '../entities';

/** The inventory side of a shared DR site's capacity: who occupies it, and the failovers' reservations. */
export abstract class DrCapacityRepository {
  /**
   * Holds the site's row until the transaction ends, so reservations on one site are decided one at a
   * time (MySQL row lock; SQLite has a single writer).
   */
  abstract lockSite(siteId: string): Promise<void>;
  /** Each tenant whose DR site this is, with the VMs it runs there and those its running failover reserved. */
  abstract occupancy(siteId: string): Promise<TenantOccupancy[]>;
  abstract findReservation(operationId: string): Promise<DrCapacityReservationEntity | null>;
  abstract insertReservation(r: DrCapacityReservationEntity): Promise<void>;
  abstract deleteReservation(operationId: string): Promise<void>;
  /** Removes the tenant's reservations of operations other than `keep` (theirs ended without removing them). */
  abstract deleteOthers(tenantId: string, keep: string): Promise<void>;
}

export class TypeOrmDrCapacityRepository extends DrCapacityRepository {
  constructor(private readonly em: EntityManager) {
    super();
  }
  async lockSite(siteId: string) {
    await this.em.createQueryBuilder().update(SiteEntity).set({ id: () => 'id' }).where('id = :siteId', { siteId }).execute();
  }
  async occupancy(siteId: string): Promise<TenantOccupancy[]> {
    const tenants = await this.em.find(TenantEntity, { where: { drSiteId: siteId }, select: { id: true, name: true, activeOperationId: true }, order: { name: 'ASC' } });
    if (tenants.length === 0) return [];
    const ids = tenants.map((t) => t.id);
    const [running, reservations] = await Promise.all([
      this.em.find(ProtectedVmEntity, { where: { tenantId: In(ids), replicationState: 'failed-over' }, select: { tenantId: true, name: true, vcpu: true, memoryMb: true } }),
      this.em.find(DrCapacityReservationEntity, { where: { siteId } }),
    ]);
    return tenants.map((t) => {
      // A reservation counts only while its failover still holds the tenant.
      const live = reservations.find((r) => r.tenantId === t.id && r.operationId === t.activeOperationId) ?? null;
      return {
        tenantId: t.id,
        tenant: t.name,
        operationId: live?.operationId ?? null,
        runningVms: running.filter((v) => v.tenantId === t.id).map((v) => ({ name: v.name, vcpu: v.vcpu, memoryMb: v.memoryMb })),
        reservedVms: live?.vms ?? [],
      };
    });
  }
  findReservation(operationId: string) {
    return this.em.findOneBy(DrCapacityReservationEntity, { operationId });
  }
  async insertReservation(r: DrCapacityReservationEntity) {
    await this.em.insert(DrCapacityReservationEntity, r);
  }
  async deleteReservation(operationId: string) {
    await this.em.delete(DrCapacityReservationEntity, { operationId });
  }
  async deleteOthers(tenantId: string, keep: string) {
    await this.em.delete(DrCapacityReservationEntity, { tenantId, operationId: Not(keep) });
  }
}
