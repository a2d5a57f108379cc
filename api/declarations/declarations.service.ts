import { Inject, Injectable } from '@nestjs/common';
import { ApplicationFailure, WorkflowNotFoundError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { mayApprove, type DeclarationApprover } from '../../domain/declaration-policy';
import type { LifelineConfig } from '../../infra/config';
import { OperationRepository, SiteRepository, TenantRepository, UnitOfWork } from '../../infra/persistence/repositories';
import { COMMAND_NOT_APPLICABLE, searchAttributes, type OperatorAnswer } from '../../workflows/contracts';
import {
  declarationAlertsSignal, declarationAllClearUpdate, declarationApproveUpdate, declarationId, declarationQuery, declarationWorkflowId,
  parseDeclarationId, type DeclarationAlert, type DeclarationScope, type DeclarationView,
} from '../../workflows/declaration-contracts';
import { auditEvent, type Principal } from '../auth/principal';
import { ConflictError, ForbiddenError, innermost, NotFoundError, UnprocessableError } from '../common/errors';
import { LIFELINE_CONFIG } from '../config.module';
import { TemporalClientService } from '../temporal/temporal.module';
import { AlertBatcher } from './alert-batcher';
import { mapAlertLabels } from './alertmanager-rules';
import type { AlertmanagerWebhookDto, CreateDeclarationDto, DeclarationAllClearDto, DeclarationApproveDto } from './declarations.dto';

/**
 * Disaster declarations (PRODUCT.md, workflow 7): every alert is signalled, with start, to the one
 * declaration workflow of its scope, so any number of alerts for an incident make one declaration; the
 * answer is its id at once. Approvals and all-clears are workflow updates; every alert, approval and refusal
 * is audited here, every decision by the workflow.
 */
@Injectable()
export class DeclarationsService {
  constructor(
    private readonly sites: SiteRepository,
    private readonly tenants: TenantRepository,
    private readonly operations: OperationRepository,
    private readonly uow: UnitOfWork,
    private readonly temporal: TemporalClientService,
    @Inject(LIFELINE_CONFIG) private readonly config: LifelineConfig,
  ) {}

  async declare(p: Principal, dto: CreateDeclarationDto, via: DeclarationAlert['via']): Promise<{ declarationId: string }> {
    if (via === 'webhook' && p.name !== `webhook:${dto.source}`) {
      throw new UnprocessableError([`source must be ${p.name.slice('webhook:'.length)}, the source whose secret signed the request`]);
    }
    const scope = await this.scopeFor(p, dto);
    const alert: DeclarationAlert = {
      source: dto.source, status: dto.status ?? 'firing', severity: dto.severity, reason: dto.reason, evidence: dto.evidence ?? [],
      by: p.name, via: via === 'token' && p.role !== 'trigger' ? 'operator' : via, receivedAt: new Date().toISOString(),
    };
    return { declarationId: await this.signal(p, scope, alert) };
  }

  /** Alertmanager's webhook: each alert mapped to its site or tenant by the configured rules, then as any alert. */
  async alertmanager(p: Principal, dto: AlertmanagerWebhookDto): Promise<{ declarations: string[]; unmatched: string[] }> {
    const [sites, tenants] = await Promise.all([this.sites.list(), this.tenants.list()]);
    const ids = new Set<string>();
    const unmatched: string[] = [];
    for (const a of dto.alerts) {
      const labels = stringMap(a.labels);
      const mapped = mapAlertLabels(this.config.declarations.alertmanagerRules, labels);
      const tenant = mapped?.tenant ? tenants.find((t) => t.name === mapped.tenant || t.id === mapped.tenant) : undefined;
      const site = mapped?.site ? sites.find((s) => (s.name === mapped.site || s.id === mapped.site) && s.kind === 'primary') : undefined;
      const scope: DeclarationScope | null = tenant ? { kind: 'tenants', tenantIds: [tenant.id] } : site ? { kind: 'site', siteId: site.id } : null;
      if (!mapped || !scope) {
        unmatched.push(labels.alertname ?? a.fingerprint ?? 'alert');
        continue;
      }
      const annotations = stringMap(a.annotations ?? {});
      ids.add(await this.signal(p, scope, {
        source: mapped.source, status: a.status, severity: labels.severity ?? 'unknown',
        reason: annotations.summary ?? annotations.description ?? labels.alertname ?? 'Alertmanager alert',
        evidence: a.generatorURL ? [a.generatorURL] : [], by: p.name, via: 'alertmanager', receivedAt: new Date().toISOString(),
      }));
    }
    return { declarations: [...ids], unmatched };
  }

  async get(p: Principal, id: string): Promise<Record<string, unknown>> {
    const view = await this.view(p, id);
    const failovers = await Promise.all(view.tenants.map(async (t) => {
      const op = t.operationId ? await this.operations.findById(t.operationId) : null;
      return { ...t, operationStatus: op?.status ?? null, operationOutcome: op ? ((op.result as { status?: string } | null)?.status ?? null) : null };
    }));
    const siteFailover = view.siteFailoverId ? await this.operations.findById(view.siteFailoverId) : null;
    return {
      ...view,
      tenants: failovers,
      siteFailover: view.siteFailoverId ? { operationId: view.siteFailoverId, status: siteFailover?.status ?? 'starting' } : null,
    };
  }

  async approve(p: Principal, id: string, dto: DeclarationApproveDto): Promise<OperatorAnswer> {
    const view = await this.view(p, id);
    const tenant = dto.tenantId ? view.tenants.find((t) => t.tenantId === dto.tenantId) : undefined;
    if (dto.tenantId && !tenant) throw new UnprocessableError([`tenantId ${dto.tenantId} is not concerned by declaration ${id}`]);
    // A site's declaration is the provider's to approve; a tenant's hold and a tenants' declaration go by the contract.
    const approver: DeclarationApprover = tenant ? tenant.policy.approver : view.scope.kind === 'site' ? 'provider' : (view.policy?.approver ?? 'provider');
    const concerned = tenant ? [tenant.tenantId] : view.scope.kind === 'tenants' ? view.scope.tenantIds : [];
    if (!mayApprove(approver, p, concerned)) {
      await this.audit(p, 'declaration.approval-refused', view, { approver, tenantId: dto.tenantId ?? null });
      throw new ForbiddenError(`${p.role} may not approve this declaration: its policy asks the ${approver === 'either' ? 'provider or the tenant' : approver}`);
    }
    const answer = await this.update(view, declarationApproveUpdate.name, { by: p.name, role: p.role, ...(dto.tenantId ? { tenantId: dto.tenantId } : {}), ...(dto.comment ? { comment: dto.comment } : {}) });
    await this.audit(p, 'declaration.approve', view, { tenantId: dto.tenantId ?? null, comment: dto.comment ?? null });
    return answer;
  }

  async allClear(p: Principal, id: string, dto: DeclarationAllClearDto): Promise<OperatorAnswer> {
    const view = await this.view(p, id);
    const concerned = view.scope.kind === 'tenants' ? view.scope.tenantIds : [];
    if (!mayApprove('either', p, concerned)) {
      await this.audit(p, 'declaration.all-clear-refused', view, {});
      throw new ForbiddenError(`${p.role} may not give the all-clear for ${view.label}`);
    }
    const answer = await this.update(view, declarationAllClearUpdate.name, { by: p.name, ...(dto.comment ? { comment: dto.comment } : {}) });
    await this.audit(p, 'declaration.all-clear', view, { comment: dto.comment ?? null });
    return answer;
  }

  /** The site or tenants the alert is about; a tenant admin declares for its own tenant only. */
  private async scopeFor(p: Principal, dto: CreateDeclarationDto): Promise<DeclarationScope> {
    if ((dto.siteId === undefined) === (dto.tenantIds === undefined)) throw new UnprocessableError(['give exactly one of siteId or tenantIds']);
    if (p.role === 'tenant-admin' && (dto.siteId || dto.tenantIds?.some((t) => t !== p.tenantId))) {
      await this.uow.run((tx) => tx.audit.append(auditEvent(p, 'declaration.refused', { type: 'declaration', id: dto.siteId ?? (dto.tenantIds ?? []).join('+'), tenantId: p.tenantId }, {
        reason: 'a tenant admin declares for its own tenant only', siteId: dto.siteId ?? null, tenantIds: dto.tenantIds ?? null,
      })));
      throw new ForbiddenError('a tenant admin declares a disaster for its own tenant only');
    }
    if (dto.siteId) {
      const site = await this.sites.findById(dto.siteId);
      if (!site) throw new UnprocessableError([`siteId ${dto.siteId} is not a known site`]);
      if (site.kind !== 'primary') throw new UnprocessableError([`siteId names ${site.name}, a ${site.kind} site; a disaster is declared for a primary site`]);
      return { kind: 'site', siteId: site.id };
    }
    const ids = [...new Set(dto.tenantIds)].sort();
    if (ids.length === 0) throw new UnprocessableError(['tenantIds must name at least one tenant']);
    const found = await Promise.all(ids.map((id) => this.tenants.findById(id)));
    const unknown = ids.filter((_, i) => !found[i]);
    if (unknown.length > 0) throw new UnprocessableError([`tenantIds names unknown tenants: ${unknown.join(', ')}`]);
    return { kind: 'tenants', tenantIds: ids };
  }

  /** Alerts for one scope in flight at once travel as one signal (alert-batcher.ts); each is audited as itself. */
  private readonly batcher = new AlertBatcher<{ p: Principal; scope: DeclarationScope; alert: DeclarationAlert }, string>((workflowId, items) => this.deliver(workflowId, items));

  private signal(p: Principal, scope: DeclarationScope, alert: DeclarationAlert): Promise<string> {
    return this.batcher.add(declarationWorkflowId(scope), { p, scope, alert });
  }

  private async deliver(workflowId: string, items: { p: Principal; scope: DeclarationScope; alert: DeclarationAlert }[]): Promise<string> {
    const { scope } = items[0];
    const client = await this.temporal.client();
    const handle = await client.workflow.signalWithStart('declaration', {
      workflowId,
      taskQueue: this.temporal.taskQueue,
      args: [{ scope }],
      signal: declarationAlertsSignal,
      signalArgs: [items.map((i) => i.alert)],
      typedSearchAttributes: [
        { key: searchAttributes.operationKind, value: 'declaration' },
        ...(scope.kind === 'site' ? [{ key: searchAttributes.siteId, value: scope.siteId }] : []),
        ...(scope.kind === 'tenants' && scope.tenantIds.length === 1 ? [{ key: searchAttributes.tenantId, value: scope.tenantIds[0] }] : []),
      ],
    });
    const id = declarationId(workflowId, handle.signaledRunId);
    const tenantId = scope.kind === 'tenants' && scope.tenantIds.length === 1 ? scope.tenantIds[0] : null;
    await this.uow.run(async (tx) => {
      for (const { p, alert } of items) await tx.audit.append(auditEvent(p, 'declaration.alert', { type: 'declaration', id, tenantId }, { ...alert }));
    });
    return id;
  }

  /** The declaration's live view; a tenant admin sees one that concerns its tenant, and only its tenant in it. */
  private async view(p: Principal, id: string): Promise<DeclarationView> {
    const ref = parseDeclarationId(id);
    if (!ref) throw new NotFoundError('declaration', id);
    const client = await this.temporal.client();
    let view: DeclarationView;
    try {
      view = await client.workflow.getHandle(ref.workflowId, ref.runId).query(declarationQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new NotFoundError('declaration', id);
      throw err;
    }
    if (p.role !== 'tenant-admin') return view;
    const own = view.tenants.filter((t) => t.tenantId === p.tenantId);
    if (own.length === 0) throw new NotFoundError('declaration', id);
    return { ...view, tenants: own };
  }

  private async update(view: DeclarationView, update: string, arg: Record<string, unknown>): Promise<OperatorAnswer> {
    const ref = parseDeclarationId(view.id) as { workflowId: string; runId: string };
    const handle: WorkflowHandle = (await this.temporal.client()).workflow.getHandle(ref.workflowId, ref.runId);
    try {
      return await handle.executeUpdate<OperatorAnswer, [Record<string, unknown>]>(update, { args: [arg] });
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new ConflictError(`declaration ${view.id} is closed`);
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === COMMAND_NOT_APPLICABLE) {
        throw new ConflictError(innermost(err));
      }
      if (err instanceof WorkflowUpdateFailedError) throw new UnprocessableError([innermost(err)]);
      throw err;
    }
  }

  private audit(p: Principal, action: string, view: DeclarationView, details: Record<string, unknown>): Promise<void> {
    const tenantId = view.scope.kind === 'tenants' && view.scope.tenantIds.length === 1 ? view.scope.tenantIds[0] : (p.tenantId ?? null);
    return this.uow.run((tx) => tx.audit.append(auditEvent(p, action, { type: 'declaration', id: view.id, tenantId }, details)));
  }
}

/** Label and annotation values as strings (Alertmanager sends strings; anything else is shown as JSON). */
function stringMap(o: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}
