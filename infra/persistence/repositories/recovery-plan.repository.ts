import type { EntityManager } from 'typeorm';
import {
  ProtectedVmEntity, RecoveryPlanDependencyEntity, RecoveryPlanEntity, RecoveryPlanGroupEntity, RecoveryPlanMemberEntity,
} from '../entities';
import { chunk } from './chunks';

/** A plan with its groups (in order, each with its VM names in order) and its dependencies by VM name. */
export interface PlanRecord {
  plan: RecoveryPlanEntity;
  groups: { group: RecoveryPlanGroupEntity; vms: string[] }[];
  dependencies: { vm: string; dependsOn: string[] }[];
}

export interface PlanSummary {
  plan: RecoveryPlanEntity;
  groupCount: number;
  vmCount: number;
}

/** A plan's contents by VM id, ready to store. */
export interface PlanContents {
  groups: { group: RecoveryPlanGroupEntity; vmIds: string[] }[];
  dependencies: { vmId: string; dependsOnVmId: string }[];
}

export abstract class RecoveryPlanRepository {
  abstract findById(id: string): Promise<PlanRecord | null>;
  abstract listByTenant(tenantId: string): Promise<PlanSummary[]>;
  abstract count(tenantId?: string): Promise<number>;
  abstract insert(plan: RecoveryPlanEntity, contents: PlanContents): Promise<void>;
  /** Replaces the plan's groups, members and dependencies and updates its row. */
  abstract replace(plan: RecoveryPlanEntity, contents: PlanContents): Promise<void>;
}

export class TypeOrmRecoveryPlanRepository extends RecoveryPlanRepository {
  constructor(private readonly em: EntityManager) {
    super();
  }

  async findById(id: string): Promise<PlanRecord | null> {
    const plan = await this.em.findOneBy(RecoveryPlanEntity, { id });
    if (!plan) return null;
    const groups = await this.em.find(RecoveryPlanGroupEntity, { where: { planId: id }, order: { position: 'ASC' } });
    const members: { groupId: string; name: string }[] = await this.em
      .createQueryBuilder(RecoveryPlanMemberEntity, 'm')
      .innerJoin(ProtectedVmEntity, 'v', 'v.id = m.vmId')
      .select('m.groupId', 'groupId')
      .addSelect('v.name', 'name')
      .where('m.planId = :id', { id })
      .orderBy('m.position', 'ASC')
      .getRawMany();
    const deps: { vm: string; dependsOn: string }[] = await this.em
      .createQueryBuilder(RecoveryPlanDependencyEntity, 'd')
      .innerJoin(ProtectedVmEntity, 'v', 'v.id = d.vmId')
      .innerJoin(ProtectedVmEntity, 'o', 'o.id = d.dependsOnVmId')
      .select('v.name', 'vm')
      .addSelect('o.name', 'dependsOn')
      .where('d.planId = :id', { id })
      .orderBy('d.position', 'ASC')
      .getRawMany();
    const byGroup = new Map<string, string[]>(groups.map((g) => [g.id, []]));
    for (const m of members) byGroup.get(m.groupId)?.push(m.name);
    const byVm = new Map<string, string[]>();
    for (const d of deps) {
      if (!byVm.has(d.vm)) byVm.set(d.vm, []);
      byVm.get(d.vm)!.push(d.dependsOn);
    }
    return {
      plan,
      groups: groups.map((group) => ({ group, vms: byGroup.get(group.id) ?? [] })),
      dependencies: [...byVm].map(([vm, dependsOn]) => ({ vm, dependsOn })),
    };
  }

  async listByTenant(tenantId: string): Promise<PlanSummary[]> {
    const plans = await this.em.find(RecoveryPlanEntity, { where: { tenantId }, order: { name: 'ASC' } });
    if (plans.length === 0) return [];
    const counts: { planId: string; groups: string | number; vms: string | number }[] = await this.em
      .createQueryBuilder(RecoveryPlanEntity, 'p')
      .leftJoin(RecoveryPlanGroupEntity, 'g', 'g.planId = p.id')
      .leftJoin(RecoveryPlanMemberEntity, 'm', 'm.groupId = g.id')
      .select('p.id', 'planId')
      .addSelect('COUNT(DISTINCT g.id)', 'groups')
      .addSelect('COUNT(m.vmId)', 'vms')
      .where('p.tenantId = :tenantId', { tenantId })
      .groupBy('p.id')
      .getRawMany();
    const byPlan = new Map(counts.map((c) => [c.planId, c]));
    return plans.map((plan) => ({ plan, groupCount: Number(byPlan.get(plan.id)?.groups ?? 0), vmCount: Number(byPlan.get(plan.id)?.vms ?? 0) }));
  }

  count(tenantId?: string) {
    return this.em.count(RecoveryPlanEntity, { where: tenantId ? { tenantId } : {} });
  }

  async insert(plan: RecoveryPlanEntity, contents: PlanContents) {
    await this.em.insert(RecoveryPlanEntity, plan);
    await this.insertContents(plan.id, contents);
  }

  async replace(plan: RecoveryPlanEntity, contents: PlanContents) {
    const { id, ...rest } = plan;
    await this.em.update(RecoveryPlanEntity, { id }, rest);
    await this.em.delete(RecoveryPlanDependencyEntity, { planId: id });
    await this.em.delete(RecoveryPlanMemberEntity, { planId: id });
    await this.em.delete(RecoveryPlanGroupEntity, { planId: id });
    await this.insertContents(id, contents);
  }

  private async insertContents(planId: string, contents: PlanContents) {
    const groups = contents.groups.map((g) => g.group);
    for (const part of chunk(groups)) {
      await this.em.createQueryBuilder().insert().into(RecoveryPlanGroupEntity).values(part).updateEntity(false).execute();
    }
    const members: RecoveryPlanMemberEntity[] = contents.groups.flatMap(({ group, vmIds }) =>
      vmIds.map((vmId, position) => ({ planId, vmId, groupId: group.id, position })),
    );
    for (const part of chunk(members)) {
      await this.em.createQueryBuilder().insert().into(RecoveryPlanMemberEntity).values(part).updateEntity(false).execute();
    }
    const deps: RecoveryPlanDependencyEntity[] = contents.dependencies.map((d, position) => ({ planId, ...d, position }));
    for (const part of chunk(deps)) {
      await this.em.createQueryBuilder().insert().into(RecoveryPlanDependencyEntity).values(part).updateEntity(false).execute();
    }
  }
}
