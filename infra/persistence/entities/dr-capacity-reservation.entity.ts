import { Entity, Index, PrimaryColumn } from 'typeorm';
import type { VmDemand } from '../../../domain/dr-capacity';
import { Json, Timestamp, UuidColumn } from './columns';

/**
 * Room at a shared DR site held by a running failover for the VMs it is about to recover, taken in one
 * transaction with the check that it fits (`domain/dr-capacity.ts`). Keyed by the operation, so a retried
 * pre-flight finds its own; it counts only while the operation holds the tenant, and goes with the claim.
 */
@Entity('dr_capacity_reservations')
@Index('IDX_dr_capacity_reservations_site', ['siteId'])
export class DrCapacityReservationEntity {
  @PrimaryColumn({ type: 'varchar', length: 255 }) operationId: string;
  @UuidColumn() siteId: string;
  @UuidColumn() tenantId: string;
  @Json() vms: VmDemand[];
  @Timestamp() createdAt: Date;
}
