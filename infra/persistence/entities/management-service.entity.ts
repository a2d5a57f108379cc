import { Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import type { ManagementServiceKind, ManagementServiceScope } from '../enums';
import { Enum, Int, Json, Name, Timestamp, UuidPrimary } from './columns';
import { TenantEntity } from './tenant.entity';

/**
 * A management service of one tenant (`scope` tenant) or shared by the provider (`scope` shared, no tenant).
 * `ownerKey` is the tenant id or `shared`: a non-null column so the name is unique per owner in both dialects
 * (NULLs never collide in a unique index).
 */
@Entity('management_services')
@Index('UQ_management_services_owner_name', ['ownerKey', 'name'], { unique: true })
@Index('IDX_management_services_tenant', ['tenantId'])
export class ManagementServiceEntity {
  @UuidPrimary() id: string;
  @Column({ type: 'varchar', length: 36, nullable: true }) tenantId: string | null;
  @Column({ type: 'varchar', length: 36 }) ownerKey: string;
  @Enum(16) scope: ManagementServiceScope;
  @Enum(32) kind: ManagementServiceKind;
  @Name() name: string;
  @Column({ type: 'varchar', length: 500 }) primaryEndpoint: string;
  @Column({ type: 'varchar', length: 500, nullable: true }) drEndpoint: string | null;
  /** Lower restores first. */
  @Int() restorePriority: number;
  /** Captured before a disaster; drives the fix-up scripts. */
  @Json({ nullable: true }) metadata: Record<string, unknown> | null;
  @Timestamp() createdAt: Date;
  @Timestamp() updatedAt: Date;

  @ManyToOne(() => TenantEntity, { onDelete: 'RESTRICT', onUpdate: 'NO ACTION', nullable: true })
  @JoinColumn({ name: 'tenantId', foreignKeyConstraintName: 'FK_management_services_tenant' })
  tenant?: TenantEntity | null;
}
