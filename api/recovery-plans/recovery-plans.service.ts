import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { compilePlan } from '../../domain/plan-compiler';
import { forecastRecovery, RECOVERY_STEP_DURATIONS } from '../../domain/step-durations';
import type { CompileResult, PlanVm, RecoveryPlanSpec, ScheduleCaps } from '../../domain/recovery-plan';
import type { RecoveryPlanEntity, RecoveryPlanGroupEntity } from '../../infra/persistence/entities';
import {
  ProtectedVmRepository, RecoveryPlanRepository, TenantRepository, UnitOfWork, type PlanContents, type PlanRecord, type Repositories, type VmPlanFacts,
} from '../../infra/persistence/repositories';
import { assertTenantVisible, auditEvent, type Principal } from '../auth/principal';
import { ConflictError, NotFoundError, UnprocessableError } from '../common/errors';
import { requireTenant } from '../tenants/tenant-access';
import {
  mapPlan, mapPlanSummary, type PlanPreviewDto, type RecoveryPlanBodyDto, type RecoveryPlanResponseDto, type RecoveryPlanSummaryDto,
} from './recovery-plans.dto';


const toPlanVm = (v: VmPlanFacts): PlanVm => ({
  name: v.name, role: v.role, critical: Boolean(v.critical), ...(v.masterTarget ? { masterTarget: v.masterTarget } : {}),
});

function specOf(body: RecoveryPlanBodyDto): { spec: RecoveryPlanSpec; caps: ScheduleCaps } {
  return {
    spec: {
      groups: body.groups.map((g) => ({ name: g.name, vms: g.vms, maxConcurrency: g.maxConcurrency, approvalRequired: g.approvalRequired })),
      dependencies: body.dependencies?.map((d) => ({ vm: d.vm, dependsOn: d.dependsOn })) ?? [],
    },
    caps: { perMasterTarget: body.caps?.perMasterTarget, perSite: body.caps?.perSite },
  };
}

function specOfRecord(r: PlanRecord): { spec: RecoveryPlanSpec; caps: ScheduleCaps } {
  return {
    spec: {
      groups: r.groups.map(({ group, vms }) => ({
        name: group.name, vms, approvalRequired: Boolean(group.approvalRequired), ...(group.maxConcurrency != null && { maxConcurrency: group.maxConcurrency }),
      })),
      dependencies: r.dependencies,
    },
    caps: { ...(r.plan.capPerMasterTarget != null && { perMasterTarget: r.plan.capPerMasterTarget }), ...(r.plan.capPerSite != null && { perSite: r.plan.capPerSite }) },
  };
}

function rejectProblems(result: CompileResult): void {
  if (!result.ok) {
    throw new UnprocessableError(result.problems.map((p) => p.message), { problems: result.problems });
  }
}

@Injectable()
export class RecoveryPlansService {
  constructor(
    private readonly tenants: TenantRepository,
    private readonly vms: ProtectedVmRepository,
    private readonly plans: RecoveryPlanRepository,
    private readonly uow: UnitOfWork,
  ) {}

  async list(p: Principal, tenantId: string): Promise<RecoveryPlanSummaryDto[]> {
    await requireTenant(this.tenants, p, tenantId);
    return (await this.plans.listByTenant(tenantId)).map(mapPlanSummary);
  }

  async get(p: Principal, id: string): Promise<RecoveryPlanResponseDto> {
    return mapPlan(await this.visiblePlan(this.plans, p, id));
  }

  create(p: Principal, tenantId: string, body: RecoveryPlanBodyDto): Promise<RecoveryPlanResponseDto> {
    return this.uow.run(async (tx) => {
      await requireTenant(tx.tenants, p, tenantId);
      const existing = await tx.plans.listByTenant(tenantId);
      if (existing.some((s) => s.plan.name === body.name)) throw new ConflictError(`recovery plan name ${body.name} already exists in the tenant`, [body.name]);
      const contents = await this.validate(tx, tenantId, body);
      const now = new Date();
      const plan: RecoveryPlanEntity = {
        id: randomUUID(), tenantId, name: body.name, revision: 1, capPerMasterTarget: body.caps?.perMasterTarget ?? null,
        capPerSite: body.caps?.perSite ?? null, createdAt: now, updatedAt: now,
      };
      await tx.plans.insert(plan, contents(plan.id));
      await tx.audit.append(auditEvent(p, 'recovery-plan.create', { type: 'recovery-plan', id: plan.id, tenantId }, { name: plan.name, revision: 1 }));
      return mapPlan((await tx.plans.findById(plan.id))!);
    });
  }

  replace(p: Principal, id: string, body: RecoveryPlanBodyDto): Promise<RecoveryPlanResponseDto> {
    return this.uow.run(async (tx) => {
      const current = await this.visiblePlan(tx.plans, p, id);
      const tenantId = current.plan.tenantId;
      if (body.name !== current.plan.name && (await tx.plans.listByTenant(tenantId)).some((s) => s.plan.name === body.name)) {
        throw new ConflictError(`recovery plan name ${body.name} already exists in the tenant`, [body.name]);
      }
      const contents = await this.validate(tx, tenantId, body);
      const plan: RecoveryPlanEntity = {
        ...current.plan, name: body.name, revision: current.plan.revision + 1, capPerMasterTarget: body.caps?.perMasterTarget ?? null,
        capPerSite: body.caps?.perSite ?? null, updatedAt: new Date(),
      };
      await tx.plans.replace(plan, contents(plan.id));
      await tx.audit.append(auditEvent(p, 'recovery-plan.replace', { type: 'recovery-plan', id, tenantId }, { name: plan.name, revision: plan.revision }));
      return mapPlan((await tx.plans.findById(id))!);
    });
  }

  async preview(p: Principal, id: string): Promise<PlanPreviewDto> {
    const record = await this.visiblePlan(this.plans, p, id);
    const vms = (await this.vms.planFacts(record.plan.tenantId)).map(toPlanVm);
    const { spec, caps } = specOfRecord(record);
    const result = compilePlan(spec, vms, caps);
    if (!result.ok) {
      // Stored plans were valid when written; the inventory has changed since (e.g. a new VM role).
      throw new ConflictError(`recovery plan no longer compiles: ${result.problems.map((x) => x.message).join('; ')}`);
    }
    // The step durations and forecast a failover of this plan starts with: its first ETA is this estimate.
    const forecast = forecastRecovery(result.schedule);
    return { planId: id, revision: record.plan.revision, stepDurations: { ...RECOVERY_STEP_DURATIONS }, schedule: result.schedule, forecast };
  }

  private async visiblePlan(plans: RecoveryPlanRepository, p: Principal, id: string): Promise<PlanRecord> {
    const record = await plans.findById(id);
    if (!record) throw new NotFoundError('recovery plan', id);
    assertTenantVisible(p, record.plan.tenantId, 'recovery plan', id);
    return record;
  }

  /** Compiles the plan against the tenant's VMs (422 listing every problem) and resolves names to ids. */
  private async validate(tx: Repositories, tenantId: string, body: RecoveryPlanBodyDto): Promise<(planId: string) => PlanContents> {
    const facts = await tx.vms.planFacts(tenantId);
    const { spec, caps } = specOf(body);
    rejectProblems(compilePlan(spec, facts.map(toPlanVm), caps));
    const idOf = new Map(facts.map((v) => [v.name, v.id]));
    return (planId) => {
      const groups = body.groups.map((g, position) => ({
        group: { id: randomUUID(), planId, position, name: g.name, maxConcurrency: g.maxConcurrency ?? null, approvalRequired: g.approvalRequired ?? false } as RecoveryPlanGroupEntity,
        vmIds: g.vms.map((name) => idOf.get(name)!),
      }));
      const dependencies = (body.dependencies ?? []).flatMap((d) => d.dependsOn.map((on) => ({ vmId: idOf.get(d.vm)!, dependsOnVmId: idOf.get(on)! })));
      return { groups, dependencies };
    };
  }
}
