import { Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import type { TenantState, TenantTier } from '../enums';
import { Enum, Int, Name, Timestamp, UuidColumn, UuidPrimary } from './columns';
import { SiteEntity } from './site.entity';

@Entity('tenants')
@Index('UQ_tenants_name', ['name'], { unique: true })
export class TenantEntity {
  @UuidPrimary() id: string;
  @Name() name: string;
  @Enum(16) tier: TenantTier;
  @Int() rpoMinutes: number;
  @Int() rtoMinutes: number;
  @UuidColumn() primarySiteId: string;
  @UuidColumn() drSiteId: string;
  @Enum(32) state: TenantState;
  /** The operation that holds the tenant (one at a time); null when none runs. See `TenantRepository.claim`. */
  @Column({ type: 'varchar', length: 255, nullable: true }) activeOperationId: string | null;
  @Timestamp() createdAt: Date;
  @Timestamp() updatedAt: Date;

  @ManyToOne(() => SiteEntity, { onDelete: 'RESTRICT', onUpdate: 'NO ACTION' })
  @JoinColumn({ name: 'primarySiteId', foreignKeyConstraintName: 'FK_tenants_primary_site' })
  primarySite?: SiteEntity;

  @ManyToOne(() => SiteEntity, { onDelete: 'RESTRICT', onUpdate: 'NO ACTION' })
  @JoinColumn({ name: 'drSiteId', foreignKeyConstraintName: 'FK_tenants_dr_site' })
  drSite?: SiteEntity;
}
