import { Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import type { ReplicationState, VmRole } from '../enums';
import { Bool, Enum, Int, Json, Name, Timestamp, UuidColumn, UuidPrimary } from './columns';
import { TenantEntity } from './tenant.entity';

export interface VmDisk { name: string; sizeGb: number }
export interface VmProbe { kind: 'http' | 'tcp'; url?: string; port?: number }

/**
 * A protected VM. Dependencies between VMs live in recovery plans only (one source of truth per plan),
 * not here.
 */
@Entity('protected_vms')
@Index('UQ_protected_vms_tenant_name', ['tenantId', 'name'], { unique: true })
export class ProtectedVmEntity {
  @UuidPrimary() id: string;
  @UuidColumn() tenantId: string;
  @Name() name: string;
  @Enum(16) role: VmRole;
  @Column({ type: 'varchar', length: 100 }) os: string;
  @Int() vcpu: number;
  @Int() memoryMb: number;
  @Json() disks: VmDisk[];
  @Column({ type: 'varchar', length: 255 }) primaryHostname: string;
  @Json() primaryIps: string[];
  @Column({ type: 'varchar', length: 255, nullable: true }) drHostname: string | null;
  /** Null until the DR identity is reserved (IP mapping / BNA pool). */
  @Json({ nullable: true }) drIps: string[] | null;
  @Enum(32) replicationState: ReplicationState;
  @Int({ nullable: true }) rpoLagSeconds: number | null;
  @Int() recoveryPriority: number;
  @Column({ type: 'varchar', length: 200, nullable: true }) masterTarget: string | null;
  @Bool() critical: boolean;
  @Json({ nullable: true }) probes: VmProbe[] | null;
  @Timestamp() createdAt: Date;
  @Timestamp() updatedAt: Date;

  @ManyToOne(() => TenantEntity, { onDelete: 'RESTRICT', onUpdate: 'NO ACTION' })
  @JoinColumn({ name: 'tenantId', foreignKeyConstraintName: 'FK_protected_vms_tenant' })
  tenant?: TenantEntity;
}
