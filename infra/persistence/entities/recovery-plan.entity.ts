import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Bool, Int, Name, Timestamp, UuidColumn, UuidPrimary } from './columns';
import { ProtectedVmEntity } from './protected-vm.entity';
import { TenantEntity } from './tenant.entity';

/** A tenant's recovery plan; its groups, members and dependencies are rows of their own tables. */
@Entity('recovery_plans')
@Index('UQ_recovery_plans_tenant_name', ['tenantId', 'name'], { unique: true })
export class RecoveryPlanEntity {
  @UuidPrimary() id: string;
  @UuidColumn() tenantId: string;
  @Name() name: string;
  /** Incremented on every PUT. */
  @Int() revision: number;
  @Int({ nullable: true }) capPerMasterTarget: number | null;
  @Int({ nullable: true }) capPerSite: number | null;
  @Timestamp() createdAt: Date;
  @Timestamp() updatedAt: Date;

  @ManyToOne(() => TenantEntity, { onDelete: 'RESTRICT', onUpdate: 'NO ACTION' })
  @JoinColumn({ name: 'tenantId', foreignKeyConstraintName: 'FK_recovery_plans_tenant' })
  tenant?: TenantEntity;
}

/** A priority wave of a plan, at `position` (0-based) in plan order. */
@Entity('recovery_plan_groups')
@Index('UQ_recovery_plan_groups_plan_position', ['planId', 'position'], { unique: true })
@Index('UQ_recovery_plan_groups_plan_name', ['planId', 'name'], { unique: true })
export class RecoveryPlanGroupEntity {
  @UuidPrimary() id: string;
  @UuidColumn() planId: string;
  @Int() position: number;
  @Name() name: string;
  @Int({ nullable: true }) maxConcurrency: number | null;
  @Bool() approvalRequired: boolean;

  @ManyToOne(() => RecoveryPlanEntity, { onDelete: 'CASCADE', onUpdate: 'NO ACTION' })
  @JoinColumn({ name: 'planId', foreignKeyConstraintName: 'FK_recovery_plan_groups_plan' })
  plan?: RecoveryPlanEntity;
}

/** A VM in a group; the primary key (planId, vmId) keeps a VM in at most one group of a plan. */
@Entity('recovery_plan_members')
@Index('IDX_recovery_plan_members_group', ['groupId', 'position'])
export class RecoveryPlanMemberEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) planId: string;
  @PrimaryColumn({ type: 'varchar', length: 36 }) vmId: string;
  @UuidColumn() groupId: string;
  @Column({ type: 'int' }) position: number;

  @ManyToOne(() => RecoveryPlanEntity, { onDelete: 'CASCADE', onUpdate: 'NO ACTION' })
  @JoinColumn({ name: 'planId', foreignKeyConstraintName: 'FK_recovery_plan_members_plan' })
  plan?: RecoveryPlanEntity;

  @ManyToOne(() => RecoveryPlanGroupEntity, { onDelete: 'CASCADE', onUpdate: 'NO ACTION' })
  @JoinColumn({ name: 'groupId', foreignKeyConstraintName: 'FK_recovery_plan_members_group' })
  group?: RecoveryPlanGroupEntity;

  @ManyToOne(() => ProtectedVmEntity, { onDelete: 'RESTRICT', onUpdate: 'NO ACTION' })
  @JoinColumn({ name: 'vmId', foreignKeyConstraintName: 'FK_recovery_plan_members_vm' })
  vm?: ProtectedVmEntity;
}

/** `vmId` starts only after `dependsOnVmId` is done, within one plan. */
@Entity('recovery_plan_dependencies')
@Index('IDX_recovery_plan_dependencies_depends_on', ['dependsOnVmId'])
export class RecoveryPlanDependencyEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) planId: string;
  @PrimaryColumn({ type: 'varchar', length: 36 }) vmId: string;
  @PrimaryColumn({ type: 'varchar', length: 36 }) dependsOnVmId: string;
  /** Declaration order, kept so a read returns what was written. */
  @Column({ type: 'int' }) position: number;

  @ManyToOne(() => RecoveryPlanEntity, { onDelete: 'CASCADE', onUpdate: 'NO ACTION' })
  @JoinColumn({ name: 'planId', foreignKeyConstraintName: 'FK_recovery_plan_dependencies_plan' })
  plan?: RecoveryPlanEntity;

  @ManyToOne(() => ProtectedVmEntity, { onDelete: 'RESTRICT', onUpdate: 'NO ACTION' })
  @JoinColumn({ name: 'vmId', foreignKeyConstraintName: 'FK_recovery_plan_dependencies_vm' })
  vm?: ProtectedVmEntity;

  @ManyToOne(() => ProtectedVmEntity, { onDelete: 'RESTRICT', onUpdate: 'NO ACTION' })
  @JoinColumn({ name: 'dependsOnVmId', foreignKeyConstraintName: 'FK_recovery_plan_dependencies_depends_on' })
  dependsOn?: ProtectedVmEntity;
}
