import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import type { OperationKind, OperationStatus } from '../enums';
import { Enum, Json, Timestamp } from './columns';
import { TenantEntity } from './tenant.entity';

/**
 * Projection of one Temporal workflow run for listing; Temporal stays the source of truth.
 * `id` is the workflow id. `requestId` is unique per (kind, tenant) so a retried request finds its run.
 */
@Entity('operations')
@Index('UQ_operations_kind_tenant_request', ['kind', 'tenantId', 'requestId'], { unique: true })
@Index('IDX_operations_tenant_status', ['tenantId', 'status'])
@Index('IDX_operations_started_at', ['startedAt'])
export class OperationEntity {
  @PrimaryColumn({ type: 'varchar', length: 255 }) id: string;
  @Enum(32) kind: OperationKind;
  /** Null for provider-wide operations (e.g. a site-wide declaration fanning out to tenants). */
  @Column({ type: 'varchar', length: 36, nullable: true }) tenantId: string | null;
  @Column({ type: 'varchar', length: 200, nullable: true }) requestId: string | null;
  @Column({ type: 'varchar', length: 200 }) requestedBy: string;
  @Enum(16) status: OperationStatus;
  @Timestamp() startedAt: Date;
  @Timestamp({ nullable: true }) closedAt: Date | null;
  @Json({ nullable: true }) progress: Record<string, unknown> | null;
  @Json({ nullable: true }) steps: unknown[] | null;
  @Column({ type: 'text', nullable: true }) error: string | null;
  @Json({ nullable: true }) result: unknown;
  @Timestamp() updatedAt: Date;

  @ManyToOne(() => TenantEntity, { onDelete: 'RESTRICT', onUpdate: 'NO ACTION', nullable: true })
  @JoinColumn({ name: 'tenantId', foreignKeyConstraintName: 'FK_operations_tenant' })
  tenant?: TenantEntity | null;
}
