import { Column, Entity, Index } from 'typeorm';
import type { SiteKind } from '../enums';
import { Enum, Int, Name, Timestamp, UuidPrimary } from './columns';

/** A primary (customer or provider PoD) or DR site; DR capacity is shared by many tenants. */
@Entity('sites')
@Index('UQ_sites_name', ['name'], { unique: true })
export class SiteEntity {
  @UuidPrimary() id: string;
  @Name() name: string;
  @Enum(16) kind: SiteKind;
  @Column({ type: 'varchar', length: 200, nullable: true }) location: string | null;
  @Int() capacityVcpu: number;
  @Int() capacityMemoryMb: number;
  @Int() capacityStorageGb: number;
  @Int() capacityMasterTargetSlots: number;
  @Timestamp() createdAt: Date;
  @Timestamp() updatedAt: Date;
}
