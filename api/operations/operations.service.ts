import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { OperationEntity } from '../../infra/persistence/entities';
import { OperationRepository, SiteRepository, TenantRepository, UnitOfWork } from '../../infra/persistence/repositories';
import { OperationRequest, OperationView, progressQuery, searchAttributes, workflowIds } from '../../workflows/contracts';
import { assertTenantVisible, auditEvent, isTenantScoped, type Principal } from '../auth/principal';
import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError } from '../common/errors';
import { TemporalClientService } from '../temporal/temporal.module';
import { requireTenant } from '../tenants/tenant-access';
import { OPERATION_KIND_RULES, OPERATOR_ACTIONS, VM_ACTIONS } from './operation-kinds';
import {
  mapLiveOperation, mapOperation, type CreateOperationDto, type ListOperationsQueryDto, type OperationResponseDto, type OperatorActionDto,
  type OperatorAnswerDto, type SiteFailoverDto,
} from './operations.dto';

/** The input every operation workflow receives: ids only; the workflow reads the inventory itself. */
export interface OperationInput extends Omit<CreateOperationDto, 'requestId' | 'kind'> {
  request: OperationRequest;
}

@Injectable()
export class OperationsService {
  private readonly logger = new Logger(OperationsService.name);

  constructor(
    private readonly operations: OperationRepository,
    private readonly tenants: TenantRepository,
    private readonly sites: SiteRepository,
    private readonly uow: UnitOfWork,
    private readonly temporal: TemporalClientService,
  ) {}

  /**
   * Starts the operation's workflow under an id made from (kind, tenant, requestId), so the same request
   * finds the same run whether it is repeated later or races itself.
   */
  async start(p: Principal, dto: CreateOperationDto): Promise<{ operationId: string; created: boolean }> {
    const rule = OPERATION_KIND_RULES[dto.kind];
    const tenant = await requireTenant(this.tenants, p, dto.tenantId);
    if (!rule.roles.includes(p.role)) throw new ForbiddenError(`${p.role} may not start ${dto.kind}`);
    const requestId = dto.requestId ?? randomUUID();
    const operationId = workflowIds.operation(dto.kind, tenant.id, requestId);

    const existing = await this.operations.findById(operationId);
    if (existing) return { operationId, created: false };
    if (!rule.workflowType) throw new UnprocessableError([`kind ${dto.kind} is not available yet in this release`]);
    if (!rule.from.includes(tenant.state)) {
      throw new ConflictError(`tenant ${tenant.name} is ${tenant.state}; ${dto.kind} starts only from ${rule.from.join(' or ')}`);
    }
    await this.checkProtectionChange(tenant.id, dto);
    await this.checkFailback(tenant.id, dto);

    const { requestId: _ignored, kind: _kind, ...rest } = dto;
    const request: OperationRequest = { requestedBy: p.name, requestId };
    const input: OperationInput = { ...rest, request };
    const client = await this.temporal.client();
    let created = true;
    try {
      await client.workflow.start(rule.workflowType, {
        workflowId: operationId,
        taskQueue: this.temporal.taskQueue,
        args: [input],
        typedSearchAttributes: [
          { key: searchAttributes.tenantId, value: tenant.id },
          { key: searchAttributes.operationKind, value: dto.kind },
          { key: searchAttributes.siteId, value: tenant.drSiteId },
          ...(dto.planId ? [{ key: searchAttributes.recoveryPlanId, value: dto.planId }] : []),
        ],
      });
    } catch (err) {
      // Two identical requests raced: the loser answers with the winner's operation.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      created = false;
    }

    // The workflow writes this projection too; writing it here makes the new operation listable at once.
    await this.uow.run(async (tx) => {
      if (await tx.operations.findById(operationId)) return;
      const now = new Date();
      const row = Object.assign(new OperationEntity(), {
        id: operationId, kind: dto.kind, tenantId: tenant.id, requestId, requestedBy: p.name, status: 'running', startedAt: now,
        closedAt: null, progress: { phase: 'starting', waitingFor: null }, steps: [], error: null, result: null, updatedAt: now,
      });
      await tx.operations.upsert(row);
      await tx.audit.append(auditEvent(p, 'operation.start', { type: 'operation', id: operationId, tenantId: tenant.id }, { kind: dto.kind, requestId }));
    });
    return { operationId, created };
  }

  /** A whole primary site failed: one operation fails over every protected tenant on it, by tier. */
  async startSiteFailover(p: Principal, siteId: string, dto: SiteFailoverDto): Promise<{ operationId: string; created: boolean }> {
    if (isTenantScoped(p) || p.role === 'trigger') throw new ForbiddenError(`${p.role} may not fail over a site`);
    const site = await this.sites.findById(siteId);
    if (!site) throw new NotFoundError('site', siteId);
    if (site.kind !== 'primary') throw new UnprocessableError([`site ${site.name} is a ${site.kind} site; only a primary site fails over`]);
    const requestId = dto.requestId ?? randomUUID();
    const operationId = `site-failover:${site.id}:${requestId}`;
    if (await this.operations.findById(operationId)) return { operationId, created: false };
    const client = await this.temporal.client();
    let created = true;
    try {
      await client.workflow.start('siteFailover', {
        workflowId: operationId,
        taskQueue: this.temporal.taskQueue,
        args: [{ siteId: site.id, request: { requestedBy: p.name, requestId }, recoveryPoint: dto.recoveryPoint, perSiteCap: dto.perSiteCap }],
        typedSearchAttributes: [{ key: searchAttributes.operationKind, value: 'site-failover' }, { key: searchAttributes.siteId, value: site.id }],
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      created = false;
    }
    await this.uow.run(async (tx) => {
      if (await tx.operations.findById(operationId)) return;
      const now = new Date();
      await tx.operations.upsert(Object.assign(new OperationEntity(), {
        id: operationId, kind: 'site-failover', tenantId: null, requestId, requestedBy: p.name, status: 'running', startedAt: now, closedAt: null,
        progress: { phase: 'starting', waitingFor: null, site: site.name }, steps: [], error: null, result: null, updatedAt: now,
      }));
      await tx.audit.append(auditEvent(p, 'operation.start', { type: 'operation', id: operationId }, { kind: 'site-failover', siteId: site.id, requestId }));
    });
    return { operationId, created };
  }

  async list(p: Principal, q: ListOperationsQueryDto) {
    if (isTenantScoped(p) && q.tenantId && q.tenantId !== p.tenantId) return { items: [], total: 0, limit: q.limit ?? 100, offset: q.offset ?? 0 };
    const tenantId = isTenantScoped(p) ? (p.tenantId ?? '') : q.tenantId;
    const { items, total } = await this.operations.list({ tenantId, kind: q.kind, status: q.status, limit: q.limit ?? 100, offset: q.offset ?? 0 });
    return { items: items.map(mapOperation), total, limit: q.limit ?? 100, offset: q.offset ?? 0 };
  }

  /** A running operation answers from its workflow; a closed one (or an unreachable one) from the projection. */
  async get(p: Principal, id: string): Promise<OperationResponseDto> {
    const row = await this.requireOperation(p, id);
    if (row.status !== 'running' && row.status !== 'waiting') return mapOperation(row);
    try {
      const view = await this.queryProgress(id);
      // A failover's running wave is a child workflow: its per-VM detail and a critical-VM pause show here.
      const active = view.progress.activeStage;
      if (typeof active === 'string') {
        const wave = await this.queryProgress(active).catch(() => null);
        if (wave) {
          view.progress = { ...view.progress, activeWave: wave.progress };
          if (wave.status === 'waiting' && view.status === 'running') {
            view.status = 'waiting';
            view.waitingFor = wave.waitingFor;
          }
        }
      }
      // The wait for Differential Sync is a child workflow too: its latest poll shows as the parent's own.
      const syncWait = view.progress.differentialSyncWait;
      if (typeof syncWait === 'string') {
        const wait = await this.queryProgress(syncWait).catch(() => null);
        if (wait) view.progress = { ...view.progress, replication: wait.progress.replication };
      }
      return mapLiveOperation(row, view);
    } catch (err) {
      this.logger.warn(`operation ${id}: live progress unavailable (${err instanceof Error ? err.message : String(err)}); answering from the projection`);
      return mapOperation(row);
    }
  }

  async act(p: Principal, id: string, action: keyof typeof OPERATOR_ACTIONS, dto: OperatorActionDto): Promise<OperatorAnswerDto> {
    const row = await this.requireOperation(p, id);
    const spec = OPERATOR_ACTIONS[action];
    if (!spec.roles.includes(p.role)) throw new ForbiddenError(`${p.role} may not ${action} an operation`);
    return this.update(p, row, spec.update, { by: p.name, ...dto }, action);
  }

  async actOnVm(p: Principal, id: string, vm: string, action: keyof typeof VM_ACTIONS, dto: OperatorActionDto): Promise<OperatorAnswerDto> {
    const row = await this.requireOperation(p, id);
    const spec = VM_ACTIONS[action];
    if (!spec.roles.includes(p.role)) throw new ForbiddenError(`${p.role} may not ${action} a VM`);
    return this.update(p, row, spec.update, { by: p.name, vm, comment: dto.comment }, `${action} ${vm}`);
  }

  private async update(p: Principal, row: OperationEntity, update: string, arg: Record<string, unknown>, what: string): Promise<OperatorAnswerDto> {
    if (row.status !== 'running' && row.status !== 'waiting') throw new ConflictError(`operation ${row.id} is ${row.status}`);
    // The projection may lag: an operation that has just ended says so itself.
    const live = await this.queryProgress(row.id).catch(() => null);
    if (live && live.closedAt) throw new ConflictError(`operation ${row.id} is ${live.status}`);
    const handle = await this.handle(row.id);
    let answer: OperatorAnswerDto;
    try {
      answer = await handle.executeUpdate<OperatorAnswerDto, [Record<string, unknown>]>(update, { args: [arg] });
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new ConflictError(`operation ${row.id} is no longer running`);
      if (err instanceof WorkflowUpdateFailedError) throw new UnprocessableError([`${what} refused: ${innermost(err)}`]);
      throw err;
    }
    await this.uow.run((tx) => tx.audit.append(auditEvent(p, `operation.${what.split(' ')[0]}`, { type: 'operation', id: row.id, tenantId: row.tenantId }, arg)));
    return answer;
  }

  /** protection-change names VMs of the tenant: unprotected ones to add, protected ones to remove, each once. */
  private async checkProtectionChange(tenantId: string, dto: CreateOperationDto): Promise<void> {
    if (dto.kind !== 'protection-change') {
      if (dto.protection) throw new UnprocessableError([`protection is only for kind protection-change, not ${dto.kind}`]);
      return;
    }
    const add = dto.protection?.add ?? [];
    const remove = dto.protection?.remove ?? [];
    if (add.length + remove.length === 0) throw new UnprocessableError(['protection.add or protection.remove must name at least one VM']);
    const problems: string[] = [];
    const twice = [...add, ...remove].filter((n, i, all) => all.indexOf(n) !== i);
    if (twice.length > 0) problems.push(`VMs listed twice: ${[...new Set(twice)].join(', ')}`);
    const found = new Map((await this.uow.run((tx) => tx.vms.findByNames(tenantId, [...add, ...remove]))).map((v) => [v.name, v]));
    const unknown = [...add, ...remove].filter((n) => !found.has(n));
    if (unknown.length > 0) problems.push(`VMs not in the tenant's inventory: ${unknown.join(', ')}`);
    const already = add.filter((n) => found.has(n) && found.get(n)?.replicationState !== 'unprotected');
    if (already.length > 0) problems.push(`protection.add names VMs already protected: ${already.join(', ')}`);
    const notProtected = remove.filter((n) => found.get(n)?.replicationState === 'unprotected');
    if (notProtected.length > 0) problems.push(`protection.remove names VMs that are not protected: ${notProtected.join(', ')}`);
    if (problems.length > 0) throw new UnprocessableError(problems);
  }

  /**
   * Resume discards the DR site's changes: the request must say so. A partial failback names VMs of the
   * tenant, and none of them may depend on a VM that stays at the DR site.
   */
  private async checkFailback(tenantId: string, dto: CreateOperationDto): Promise<void> {
    if (dto.kind === 'resume' && dto.confirmDataLoss !== true) {
      throw new UnprocessableError(['confirmDataLoss must be true: resume discards every change made at the DR site since the failover']);
    }
    if (dto.kind !== 'failback') {
      const misplaced = (['vms', 'maintenanceWindowStart', 'primarySiteId'] as const).filter((f) => dto[f] !== undefined);
      if (misplaced.length > 0) throw new UnprocessableError(misplaced.map((f) => `${f} is only for kind failback, not ${dto.kind}`));
      return;
    }
    if (dto.primarySiteId) {
      const site = await this.sites.findById(dto.primarySiteId);
      if (!site) throw new UnprocessableError([`primarySiteId ${dto.primarySiteId} is not a known site`]);
      if (site.kind !== 'primary') throw new UnprocessableError([`primarySiteId names ${site.name}, a ${site.kind} site; the tenant returns to a primary site`]);
    }
    if (!dto.vms) return;
    const vms = await this.uow.run((tx) => tx.vms.findByNames(tenantId, dto.vms as string[]));
    const unknown = dto.vms.filter((n) => !vms.some((v) => v.name === n));
    if (unknown.length > 0) throw new UnprocessableError([`vms names VMs not in the tenant's inventory: ${unknown.join(', ')}`]);
    const plan = await this.uow.run(async (tx) => {
      const plans = await tx.plans.listByTenant(tenantId);
      const chosen = plans.find((p) => p.plan.id === dto.planId) ?? (plans.length === 1 ? plans[0] : undefined);
      return chosen ? tx.plans.findById(chosen.plan.id) : null;
    });
    // Without a plan the workflow refuses the failback itself, naming the plans to choose from.
    if (!plan) return;
    const moving = new Set(dto.vms);
    const atDr = new Set((await this.uow.run((tx) => tx.vms.findByNames(tenantId, plan.dependencies.flatMap((d) => d.dependsOn))))
      .filter((v) => v.drIps && v.drIps.length > 0).map((v) => v.name));
    const problems = plan.dependencies
      .filter((d) => moving.has(d.vm))
      .flatMap((d) => d.dependsOn.filter((on) => !moving.has(on) && atDr.has(on)).map((on) => `${d.vm} depends on ${on}, which stays at the DR site: fail them back together`));
    if (problems.length > 0) throw new UnprocessableError(problems);
  }

  private async requireOperation(p: Principal, id: string): Promise<OperationEntity> {
    const row = await this.operations.findById(id);
    if (!row) throw new NotFoundError('operation', id);
    if (row.tenantId) assertTenantVisible(p, row.tenantId, 'operation', id);
    else if (isTenantScoped(p)) throw new NotFoundError('operation', id);
    return row;
  }

  private async handle(id: string): Promise<WorkflowHandle> {
    return (await this.temporal.client()).workflow.getHandle(id);
  }

  private async queryProgress(id: string): Promise<OperationView> {
    const connection = await this.temporal.connection();
    const handle = await this.handle(id);
    return connection.withDeadline(Date.now() + 5_000, () => handle.query(progressQuery));
  }
}

function innermost(err: unknown): string {
  let e: unknown = err;
  while (e && typeof e === 'object' && 'cause' in e && (e as { cause?: unknown }).cause) e = (e as { cause: unknown }).cause;
  return e instanceof Error ? e.message : String(e);
}
