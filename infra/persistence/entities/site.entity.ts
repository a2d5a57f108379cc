import { Column, Entity, Index } from 'typeorm';
import type { SiteKind } from '../enums';
import { Enum, Int, Json, Name, Timestamp, UuidPrimary } from './columns';

/** A DR site's capacity as its compute (vCenter) last reported it. */
export interface ComputeCapacityReport {
  capacity: { vcpu: number; memoryGb: number; storageGb: number; masterTargetSlots: number } | null;
  used: { vcpu: number; memoryGb: number; storageGb: number; masterTargets: number };
  free: { vcpu: number; memoryGb: number; storageGb: number; masterTargetSlots: number } | null;
  down: boolean;
}

/** A primary (customer or provider PoD) or DR site; DR capacity is shared by many tenants. */
@Entity('sites')
@Index('UQ_sites_name', ['name'], { unique: true })
export class SiteEntity {
  @UuidPrimary() id: string;
  @Name() name: string;
  @Enum(16) kind: SiteKind;
  @Column({ type: 'varchar', length: 200, nullable: true }) location: string | null;
  /** The DR capacity Lifeline enforces: what the provider allocated to DR (see domain/dr-capacity.ts). */
  @Int() capacityVcpu: number;
  @Int() capacityMemoryMb: number;
  @Int() capacityStorageGb: number;
  @Int() capacityMasterTargetSlots: number;
  /** Shown beside the configured capacity, never enforced; null until an operation first read it. */
  @Json({ nullable: true }) computeCapacity?: ComputeCapacityReport | null;
  @Timestamp({ nullable: true }) computeReportedAt?: Date | null;
  @Timestamp() createdAt: Date;
  @Timestamp() updatedAt: Date;
}
