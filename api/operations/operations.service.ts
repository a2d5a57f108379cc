import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { OperationEntity, type TenantEntity } from '../../infra/persistence/entities';
import { OperationRepository, SiteRepository, TenantRepository, UnitOfWork } from '../../infra/persistence/repositories';
import { COMMAND_NOT_APPLICABLE, OperationRequest, OperationView, progressQuery, searchAttributes, workflowIds } from '../../workflows/contracts';
import { liveEta } from './live-eta';
import { assertTenantVisible, auditEvent, isTenantScoped, type Principal } from '../auth/principal';
import { ConflictError, ForbiddenError, NotFoundError, NotVisibleError, UnprocessableError, innermost } from '../common/errors';
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
   * finds the same run whether it is repeated later or races itself. One operation per tenant: the operation
   * claims the tenant in the transaction that records it, so of two different requests racing only one
   * starts; the other gets 409 naming the operation that holds the tenant. The workflow releases the claim.
   */
  async start(p: Principal, dto: CreateOperationDto): Promise<{ operationId: string; created: boolean }> {
    const rule = OPERATION_KIND_RULES[dto.kind];
    const tenant = await requireTenant(this.tenants, p, dto.tenantId);
    if (!rule.roles.includes(p.role)) throw new ForbiddenError(`${p.role} may not start ${dto.kind}`);
    if (dto.drillType !== undefined && dto.kind !== 'drill') throw new UnprocessableError([`drillType is only for kind drill, not ${dto.kind}`]);
    const requestId = dto.requestId ?? randomUUID();
    const operationId = workflowIds.operation(dto.kind, tenant.id, requestId);

    const existing = await this.operations.findById(operationId);
    if (existing) return { operationId, created: false };
    if (!rule.workflowType) throw new UnprocessableError([`kind ${dto.kind} is not available yet in this release`]);
    if (tenant.activeOperationId && tenant.activeOperationId !== operationId) throw heldBy(tenant.name, tenant.activeOperationId);
    if (!rule.from.includes(tenant.state)) throw wrongState(tenant.name, tenant.state, dto.kind, rule.from);
    await this.checkProtectionChange(tenant.id, dto);
    await this.checkFailback(tenant, dto);
    await this.checkFollowUpFailover(tenant, dto);

    const claimed = await this.uow.run(async (tx) => {
      if (!(await tx.tenants.claim(tenant.id, operationId, rule.from))) {
        const now = await tx.tenants.findById(tenant.id);
        // The same request raced itself: its twin holds the tenant and starts the one workflow.
        if (now?.activeOperationId === operationId) return false;
        if (now?.activeOperationId) throw heldBy(tenant.name, now.activeOperationId);
        throw wrongState(tenant.name, now?.state ?? tenant.state, dto.kind, rule.from);
      }
      // Recorded with the claim, so the new operation is listable at once; the workflow writes it from then on.
      const at = new Date();
      await tx.operations.upsert(Object.assign(new OperationEntity(), {
        id: operationId, kind: dto.kind, tenantId: tenant.id, requestId, requestedBy: p.name, status: 'running', startedAt: at,
        closedAt: null, progress: { phase: 'starting', waitingFor: null }, steps: [], error: null, result: null, updatedAt: at,
      }));
      await tx.audit.append(auditEvent(p, 'operation.start', { type: 'operation', id: operationId, tenantId: tenant.id }, { kind: dto.kind, requestId }));
      return true;
    });
    if (!claimed) return { operationId, created: false };

    const { requestId: _ignored, kind: _kind, ...rest } = dto;
    const request: OperationRequest = { requestedBy: p.name, requestId };
    const input: OperationInput = { ...rest, request };
    try {
      const client = await this.temporal.client();
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
      // A run under this id exists already (its record was lost): the operation is that run.
      if (err instanceof WorkflowExecutionAlreadyStartedError) return { operationId, created: false };
      // Nothing started: the claim and the record go, so the tenant is free and nothing is half-written.
      await this.uow.run(async (tx) => {
        await tx.tenants.release(tenant.id, operationId);
        await tx.operations.delete(operationId);
      });
      throw err;
    }
    return { operationId, created: true };
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
    const row = await this.operations.findById(id);
    if (!row && id.includes('/')) return this.getChild(p, id);
    if (!row) throw new NotFoundError('operation', id);
    if (row.tenantId) assertTenantVisible(p, row.tenantId, 'operation', id);
    else if (isTenantScoped(p)) throw new NotVisibleError('operation', id);
    if (row.status !== 'running' && row.status !== 'waiting') return mapOperation(row);
    try {
      const view = await this.queryProgress(id);
      // A failover's running wave is a child workflow: its per-VM detail and a critical-VM pause show here.
      const active = view.progress.activeStage;
      const wave = typeof active === 'string' ? await this.queryProgress(active).catch(() => null) : null;
      // While it is held (paused, at a gate) the ETA moves with the clock.
      const eta = liveEta(view, wave);
      if (eta) view.progress = { ...view.progress, eta };
      if (wave) {
        // Earlier waves' VMs come from the operation, the running wave's from the wave itself, live.
        const vms = { ...(view.progress.vms as Record<string, unknown> | undefined), ...(wave.progress.vms as Record<string, unknown>) };
        view.progress = { ...view.progress, activeWave: wave.progress, vms };
        if (wave.status === 'waiting' && view.status === 'running') {
          view.status = 'waiting';
          view.waitingFor = wave.waitingFor;
          view.phase = `wait: ${wave.waitingFor}`;
        }
      }
      // The wait for Differential Sync is a child workflow too: its latest poll shows as the parent's own.
      const syncWait = view.progress.differentialSyncWait;
      if (typeof syncWait === 'string') {
        const wait = await this.queryProgress(syncWait).catch(() => null);
        if (wait) view.progress = { ...view.progress, replication: wait.progress.replication };
      }
      // So is a failback's or resume's replication wait: its latest poll shows under the key it feeds.
      const replicationWait = view.progress.replicationWait as { workflowId: string; key: string } | null | undefined;
      if (replicationWait) {
        const wait = await this.queryProgress(replicationWait.workflowId).catch(() => null);
        if (wait?.progress.replication) view.progress = { ...view.progress, [replicationWait.key]: wait.progress.replication };
      }
      return mapLiveOperation(row, view);
    } catch (err) {
      this.logger.warn(`operation ${id}: live progress unavailable (${err instanceof Error ? err.message : String(err)}); answering from the projection`);
      return mapOperation(row);
    }
  }

  /**
   * A child workflow the API names (a wave `…/wave-1`, a fix-up `…/fixup`) without a projection of its own:
   * it answers live, under its parent's tenant and request.
   */
  private async getChild(p: Principal, id: string): Promise<OperationResponseDto> {
    const parent = await this.requireOperation(p, id.slice(0, id.indexOf('/'))).catch(() => null);
    const view = parent ? await this.queryProgress(id).catch(() => null) : null;
    if (!parent || !view) throw new NotFoundError('operation', id);
    // A child that does not close its own view (a fix-up under a failover) ends when its workflow does.
    if (!view.closedAt) {
      const run = await (await this.handle(id)).describe().catch(() => null);
      const closed = run && run.status.name !== 'RUNNING' ? CLOSED_AS[run.status.name] ?? 'failed' : null;
      if (closed) Object.assign(view, { status: closed, closedAt: run?.closeTime?.toISOString() ?? null, waitingFor: null, phase: closed });
    }
    const row = Object.assign(new OperationEntity(), {
      ...parent, id, kind: view.kind, status: view.status, startedAt: new Date(view.startedAt), closedAt: view.closedAt ? new Date(view.closedAt) : null,
      progress: {}, steps: [], error: null, result: null,
    });
    return mapLiveOperation(row, { ...view, id });
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
    return this.update(p, row, spec.update, { by: p.name, vm, comment: dto.comment }, `${action} ${vm}`, (live) => this.runningWaveOf(live, vm));
  }

  /**
   * Sends an operator command as a workflow update; the workflow validates it against its live state. A VM
   * command goes to the wave (child workflow) running that VM, which owns its state; when that wave has
   * just ended, to the operation, which then knows the VM's outcome.
   */
  private async update(
    p: Principal, row: OperationEntity, update: string, arg: Record<string, unknown>, what: string,
    target?: (live: OperationView | null) => Promise<string | null>,
  ): Promise<OperatorAnswerDto> {
    if (row.status !== 'running' && row.status !== 'waiting') throw new ConflictError(`operation ${row.id} is ${row.status}`);
    // The projection may lag: an operation that has just ended says so itself.
    const live = await this.queryProgress(row.id).catch(() => null);
    if (live && live.closedAt) throw new ConflictError(`operation ${row.id} is ${live.status}`);
    const send = async (workflowId: string) => (await this.handle(workflowId)).executeUpdate<OperatorAnswerDto, [Record<string, unknown>]>(update, { args: [arg] });
    let answer: OperatorAnswerDto | null = null;
    try {
      const wave = target ? await target(live) : null;
      if (wave) answer = await send(wave).catch((err: unknown) => { if (err instanceof WorkflowNotFoundError) return null; throw err; });
      answer ??= await send(row.id);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new ConflictError(`operation ${row.id} is no longer running`);
      if (err instanceof WorkflowUpdateFailedError) {
        // A command that would not take effect now is a conflict with the operation's state; others are bad input.
        if (err.cause instanceof ApplicationFailure && err.cause.type === COMMAND_NOT_APPLICABLE) throw new ConflictError(`${what} refused: ${innermost(err)}`);
        throw new UnprocessableError([`${what} refused: ${innermost(err)}`]);
      }
      throw err;
    }
    await this.uow.run((tx) => tx.audit.append(auditEvent(p, `operation.${what.split(' ')[0]}`, { type: 'operation', id: row.id, tenantId: row.tenantId }, arg)));
    return answer;
  }

  /** The wave child running this VM now, if any: it validates and applies commands for its VMs. */
  private async runningWaveOf(live: OperationView | null, vm: string): Promise<string | null> {
    const active = live?.progress.activeStage;
    if (typeof active !== 'string') return null;
    const wave = await this.queryProgress(active).catch(() => null);
    const vms = wave?.progress.vms as Record<string, unknown> | undefined;
    return vms && vm in vms ? active : null;
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
  private async checkFailback(tenant: TenantEntity, dto: CreateOperationDto): Promise<void> {
    const tenantId = tenant.id;
    if (dto.kind === 'resume' && dto.confirmDataLoss !== true) {
      throw new UnprocessableError(['confirmDataLoss must be true: resume discards every change made at the DR site since the failover']);
    }
    if (dto.kind !== 'failback') {
      const misplaced = ([...(dto.kind === 'failover' ? [] : ['vms' as const]), 'maintenanceWindowStart', 'primarySiteId'] as const).filter((f) => dto[f] !== undefined);
      if (misplaced.length > 0) throw new UnprocessableError(misplaced.map((f) => `${f} is only for kind failback, not ${dto.kind}`));
      return;
    }
    if (dto.primarySiteId && dto.primarySiteId !== tenant.primarySiteId) await this.checkNewPrimarySite(tenant, dto);
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

  /**
   * Smoking hole (see workflows/failback.ts): the tenant returns to its own primary site rebuilt (the same
   * site), or to a new primary site of its own. A site that is another tenant's primary is never a new site
   * for this one, and a new site takes every VM at the DR site (none may stay protected from the lost site).
   */
  private async checkNewPrimarySite(tenant: TenantEntity, dto: CreateOperationDto): Promise<void> {
    const site = await this.sites.findById(dto.primarySiteId as string);
    if (!site) throw new UnprocessableError([`primarySiteId ${dto.primarySiteId} is not a known site`]);
    if (site.kind !== 'primary') throw new UnprocessableError([`primarySiteId names ${site.name}, a ${site.kind} site; the tenant returns to a primary site`]);
    const others = (await this.sites.tenantsUsing(site.id)).filter((name) => name !== tenant.name);
    if (others.length > 0) {
      throw new UnprocessableError([`primarySiteId names ${site.name}, the primary site of tenant ${others.join(', ')}; a failback returns to the tenant's own site or a new one`]);
    }
    if (dto.vms) throw new UnprocessableError([`vms: a failback to the new primary site ${site.name} moves every VM at the DR site; leave vms out`]);
  }

  /**
   * A failover of a tenant already failed over is a follow-up: it recovers VMs a partial failover left at
   * the primary (failed, blocked, skipped), named in `vms`, without failing back first. A named VM must still
   * be at the primary, and what it depends on must be at the DR site already or recover with it.
   */
  private async checkFollowUpFailover(tenant: { id: string; name: string; state: string }, dto: CreateOperationDto): Promise<void> {
    if (dto.kind !== 'failover') return;
    if (tenant.state !== 'failed-over') {
      if (dto.vms) throw new UnprocessableError([`vms is for a failover of a tenant already failed over (the VMs left at the primary); tenant ${tenant.name} is ${tenant.state}`]);
      return;
    }
    if (!dto.vms) throw new UnprocessableError([`vms must name the VMs to recover: tenant ${tenant.name} is already failed over, and a follow-up failover recovers the VMs left at the primary`]);
    const vms = await this.uow.run((tx) => tx.vms.findByNames(tenant.id, dto.vms as string[]));
    const unknown = dto.vms.filter((n) => !vms.some((v) => v.name === n));
    if (unknown.length > 0) throw new UnprocessableError([`vms names VMs not in the tenant's inventory: ${unknown.join(', ')}`]);
    const atDr = vms.filter((v) => v.replicationState === 'failed-over').map((v) => v.name);
    if (atDr.length > 0) throw new ConflictError(`already running at the DR site: ${atDr.join(', ')}; a follow-up failover recovers only VMs left at the primary`, atDr);
    const plan = await this.uow.run(async (tx) => {
      const plans = await tx.plans.listByTenant(tenant.id);
      const chosen = plans.find((p) => p.plan.id === dto.planId) ?? (plans.length === 1 ? plans[0] : undefined);
      return chosen ? tx.plans.findById(chosen.plan.id) : null;
    });
    // Without a plan the workflow refuses the failover itself, naming the plans to choose from.
    if (!plan) return;
    const moving = new Set(dto.vms);
    const deps = plan.dependencies.filter((d) => moving.has(d.vm));
    const atPrimary = new Set((await this.uow.run((tx) => tx.vms.findByNames(tenant.id, deps.flatMap((d) => d.dependsOn))))
      .filter((v) => v.replicationState !== 'failed-over').map((v) => v.name));
    const problems = deps.flatMap((d) => d.dependsOn.filter((on) => !moving.has(on) && atPrimary.has(on)).map((on) => `${d.vm} depends on ${on}, which is still at the primary: recover them together`));
    if (problems.length > 0) throw new UnprocessableError(problems);
  }

  private async requireOperation(p: Principal, id: string): Promise<OperationEntity> {
    const row = await this.operations.findById(id);
    if (!row) throw new NotFoundError('operation', id);
    if (row.tenantId) assertTenantVisible(p, row.tenantId, 'operation', id);
    else if (isTenantScoped(p)) throw new NotVisibleError('operation', id);
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

function heldBy(tenant: string, operationId: string): ConflictError {
  return new ConflictError(`tenant ${tenant} is held by operation ${operationId}; one operation per tenant at a time`, [], { operationId });
}

function wrongState(tenant: string, state: string, kind: string, from: string[]): ConflictError {
  return new ConflictError(`tenant ${tenant} is ${state}; ${kind} starts only from ${from.join(' or ')}`);
}

/** How a closed workflow's status reads as an operation's. */
const CLOSED_AS: Record<string, OperationView['status']> = { COMPLETED: 'completed', FAILED: 'failed', TIMED_OUT: 'failed', CANCELLED: 'cancelled', TERMINATED: 'cancelled', CONTINUED_AS_NEW: 'running' };
