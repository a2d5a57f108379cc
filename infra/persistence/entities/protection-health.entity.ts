import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Enum, Int, Json, Timestamp, UuidColumn } from './columns';
import { TenantEntity } from './tenant.entity';

/** One VM as the latest sample found it. */
export interface VmLag {
  vm: string;
  /** The least advanced state of its forward pairs (`Unprotected` when InMage has none). */
  state: string;
  lagSeconds: number | null;
}

/** What the protection watch's latest sample found for a tenant: written over by each sample. */
@Entity('protection_status')
export class ProtectionStatusEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) tenantId: string;
  /** running | stopped (the tenant left `protected`: failing over, failed over, gone). */
  @Enum(16) watch: string;
  @Enum(32) tenantState: string;
  @Int() rpoSeconds: number;
  @Timestamp() sampledAt: Date;
  @Column({ type: 'varchar', length: 200, nullable: true }) worstVm: string | null;
  @Int({ nullable: true }) worstLagSeconds: number | null;
  /** `VmLag[]`, every watched VM. */
  @Json() vms: VmLag[];
  /** Agents, master targets, process servers, retention windows and application-consistent tags. */
  @Json() readiness: Record<string, unknown>;
  @Timestamp() updatedAt: Date;

  @ManyToOne(() => TenantEntity, { onDelete: 'RESTRICT', onUpdate: 'NO ACTION' })
  @JoinColumn({ name: 'tenantId', foreignKeyConstraintName: 'FK_protection_status_tenant' })
  tenant?: TenantEntity;
}

/** One sample of a tenant's protection, summarised (the recent history; the oldest are pruned). */
@Entity('protection_samples')
@Index('IDX_protection_samples_tenant', ['tenantId', 'sampledAt'])
export class ProtectionSampleEntity {
  /** `<tenantId>:<sample time in ms>`: a retried write finds its own row. */
  @PrimaryColumn({ type: 'varchar', length: 255 }) id: string;
  @UuidColumn() tenantId: string;
  @Timestamp() sampledAt: Date;
  @Int() vmCount: number;
  @Int() vmsOverRpo: number;
  @Int() vmsOutOfSync: number;
  @Column({ type: 'varchar', length: 200, nullable: true }) worstVm: string | null;
  @Int({ nullable: true }) worstLagSeconds: number | null;
  @Int() readinessProblems: number;

  @ManyToOne(() => TenantEntity, { onDelete: 'RESTRICT', onUpdate: 'NO ACTION' })
  @JoinColumn({ name: 'tenantId', foreignKeyConstraintName: 'FK_protection_samples_tenant' })
  tenant?: TenantEntity;
}

/** An RPO breach of one VM, from its opening to its clearing, with the ticket that tells it. */
@Entity('protection_breaches')
@Index('IDX_protection_breaches_tenant', ['tenantId', 'openedAt'])
export class ProtectionBreachEntity {
  /** The breach id (`breach:<tenantId>:<vm>:<kind>:<since ms>`), also the ticket's correlation id. */
  @PrimaryColumn({ type: 'varchar', length: 255 }) id: string;
  @UuidColumn() tenantId: string;
  @Column({ type: 'varchar', length: 200 }) vm: string;
  /** rpo-lag | pair-state. */
  @Enum(16) kind: string;
  @Timestamp() since: Date;
  @Timestamp() openedAt: Date;
  @Timestamp({ nullable: true }) clearedAt: Date | null;
  @Int({ nullable: true }) peakLagSeconds: number | null;
  @Column({ type: 'varchar', length: 1000 }) detail: string;
  @Column({ type: 'varchar', length: 1000, nullable: true }) resolution: string | null;
  @Column({ type: 'varchar', length: 100, nullable: true }) ticket: string | null;

  @ManyToOne(() => TenantEntity, { onDelete: 'RESTRICT', onUpdate: 'NO ACTION' })
  @JoinColumn({ name: 'tenantId', foreignKeyConstraintName: 'FK_protection_breaches_tenant' })
  tenant?: TenantEntity;
}
