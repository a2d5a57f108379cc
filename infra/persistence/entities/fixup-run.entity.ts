import { Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Enum, Int, Json, Timestamp, UuidColumn } from './columns';
import { TenantEntity } from './tenant.entity';

/**
 * The identities one management fix-up run moves (VM → old and new host name and addresses), stored once
 * by the run's first activity under the run's workflow id, so the per-service activities take the key
 * instead of the list (a 5,000-VM run would otherwise carry it in every activity's input in the history).
 * Written once: a retried or replayed load finds the run's own row.
 */
@Entity('fixup_runs')
@Index('IDX_fixup_runs_tenant', ['tenantId', 'createdAt'])
export class FixupRunEntity {
  /** The fix-up workflow's id. */
  @PrimaryColumn({ type: 'varchar', length: 255 }) id: string;
  @UuidColumn() tenantId: string;
  /** failover | failback. */
  @Enum(16) direction: string;
  @Int() vmCount: number;
  /** `VmIdentityChange[]`. */
  @Json() identities: Record<string, unknown>[];
  @Timestamp() createdAt: Date;

  @ManyToOne(() => TenantEntity, { onDelete: 'RESTRICT', onUpdate: 'NO ACTION' })
  @JoinColumn({ name: 'tenantId', foreignKeyConstraintName: 'FK_fixup_runs_tenant' })
  tenant?: TenantEntity;
}
