import { Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { Enum, Int, Json, Timestamp, UuidColumn, UuidPrimary } from './columns';
import { TenantEntity } from './tenant.entity';

/** Which side's management servers a snapshot was read from. */
export type MetadataSide = 'primary' | 'dr';

/**
 * One versioned capture of a tenant's management-service metadata (monitoring agents and rules, event
 * routing, firewall rules, backup nodes, patch agents, CIs, assets, resource records, DNS, LDAP), so that a
 * fix-up works when the primary-side servers are gone. `version` grows per tenant; `captureKey` (minted by
 * the capturing workflow) makes a retried capture find its own row instead of adding a version.
 */
@Entity('management_metadata_snapshots')
@Index('UQ_management_metadata_snapshots_tenant_version', ['tenantId', 'version'], { unique: true })
@Index('UQ_management_metadata_snapshots_capture_key', ['captureKey'], { unique: true })
@Index('IDX_management_metadata_snapshots_tenant_side', ['tenantId', 'side', 'capturedAt'])
export class ManagementMetadataSnapshotEntity {
  @UuidPrimary() id: string;
  @UuidColumn() tenantId: string;
  @Int() version: number;
  @Enum(16) side: MetadataSide;
  /** scheduled, on-demand, post-failover-fixup, post-failback-fixup. */
  @Enum(32) reason: string;
  @Column({ type: 'varchar', length: 255 }) captureKey: string;
  @Timestamp() capturedAt: Date;
  /** For a DR-side snapshot: the primary-side version the fix-up started from (the failback merge base). */
  @Int({ nullable: true }) basedOnVersion: number | null;
  /** Records per collection (`monitoring.agents`: 120, ...). */
  @Json() counts: Record<string, number>;
  /** The records themselves, per collection. */
  @Json() records: Record<string, Record<string, unknown>[]>;
  /** Collections that could not be read, with the reason. */
  @Json({ nullable: true }) errors: Record<string, string> | null;
  @Timestamp() createdAt: Date;

  @ManyToOne(() => TenantEntity, { onDelete: 'RESTRICT', onUpdate: 'NO ACTION' })
  @JoinColumn({ name: 'tenantId', foreignKeyConstraintName: 'FK_management_metadata_snapshots_tenant' })
  tenant?: TenantEntity;
}
