import { condition, ParentClosePolicy, proxyActivities, setHandler, startChild, workflowInfo } from '@temporalio/workflow';
import type { LifelineActivities } from '../activities';
import { corroboratingSources, type DeclarationPolicy, type SourceSighting } from '../domain/declaration-policy';
import { inventoryWrite, quickCall } from './activity-options';
import { FailoverInput, notApplicable, OperationRequest, OperatorAnswer, searchAttributes, SiteFailoverInput, workflowIds } from './contracts';
import {
  declarationAlertsSignal, declarationAllClearUpdate, declarationApproveUpdate, declarationId, declarationQuery, DeclarationAlert, DeclarationApproval,
  DeclarationDecision, DeclarationInput, DeclarationTenant, DeclarationView,
} from './declaration-contracts';
import { failover } from './failover';
import { siteFailover } from './site-failover';

const inventory = proxyActivities<LifelineActivities>(inventoryWrite);
const notify = proxyActivities<LifelineActivities>(quickCall);

/** Alerts shown in full; the rest are counted per source. */
const ALERTS_SHOWN = 50;

/** A pending approval (the incident's, or a tenant's hold) and its reminder and escalation. */
interface PendingApproval {
  key: string;
  tenantId?: string;
  policy: DeclarationPolicy;
  since: number;
  reminded: boolean;
  escalated: boolean;
}

/**
 * One disaster incident for a site or for named tenants (PRODUCT.md, workflow 7). Every alert for the scope
 * while it is open arrives here (signal-with-start on the scope's id), so however many monitoring systems
 * repeat themselves there is one declaration. The policy decides: `auto` once enough distinct sources agree
 * within the window (or the grace period passes), `confirm` on an approval (reminded, then escalated),
 * `manual` never on its own. An all-clear first closes it with nothing started. Declared, it notifies and
 * starts the failovers: a site failover (by tier, within DR capacity) or each named tenant's failover; a
 * site's tenant whose own policy asks for confirmation waits for its approval, and a tenant that is not
 * protected or is held by another operation is reported, never forced.
 */
export async function declaration(input: DeclarationInput): Promise<DeclarationView> {
  const info = workflowInfo();
  const id = declarationId(info.workflowId, info.firstExecutionRunId);
  const started = Date.now();
  const view: DeclarationView = {
    id, workflowId: info.workflowId, scope: input.scope, label: '', status: 'open', policy: null, policySource: null,
    openedAt: new Date(started).toISOString(), closedAt: null, alerts: [], alertCount: 0, sources: {}, corroboratingSources: [],
    decision: null, waitingFor: null, reminderAt: null, escalatedAt: null, siteFailoverId: null, tenants: [],
  };
  const sightings: SourceSighting[] = [];
  let lastAlertAt = started;
  let changed = false;
  let allClear: DeclarationDecision | null = null;
  let approval: DeclarationApproval | null = null;
  const tenantApprovals: DeclarationApproval[] = [];

  setHandler(declarationQuery, () => view);
  const receive = (a: DeclarationAlert) => {
    view.alertCount++;
    if (view.alerts.length < ALERTS_SHOWN) view.alerts.push(a);
    const s = (view.sources[a.source] ??= { alerts: 0, firing: false, lastAt: a.receivedAt });
    s.alerts++;
    s.lastAt = a.receivedAt;
    s.firing = a.status === 'firing';
    lastAlertAt = Date.now();
    if (a.status === 'firing') sightings.push({ source: a.source, at: Date.parse(a.receivedAt) });
    if (view.policy) view.corroboratingSources = corroboratingSources(sightings, view.policy.windowSeconds, Date.now());
    // The sources' all-clear: every source that alerted has withdrawn its alert.
    if (a.status === 'resolved' && !allClear && Object.values(view.sources).every((x) => !x.firing)) {
      allClear = { outcome: 'all-clear', by: `sources ${Object.keys(view.sources).sort().join(', ')}`, reason: 'every source that alerted sent its all-clear', at: new Date().toISOString() };
    }
  };
  setHandler(declarationAlertsSignal, (alerts) => {
    for (const a of alerts) receive(a);
    changed = true;
  });
  setHandler(
    declarationApproveUpdate,
    (a): OperatorAnswer => {
      const held = a.tenantId ? view.tenants.find((t) => t.tenantId === a.tenantId) : undefined;
      if (held) {
        held.approvedBy = a.by;
        tenantApprovals.push(a);
        changed = true;
        return { accepted: true, detail: `tenant ${held.name} approved: its failover starts` };
      }
      approval = a;
      changed = true;
      return { accepted: true, detail: `${view.label}: disaster declared` };
    },
    {
      validator: (a) => {
        if (view.status === 'closed') throw notApplicable(`the incident for ${view.label} is closed`);
        if (a.tenantId) {
          const t = view.tenants.find((x) => x.tenantId === a.tenantId);
          if (!t) throw notApplicable(`tenant ${a.tenantId} is not concerned by this declaration`);
          if (t.status !== 'awaiting-approval' || t.approvedBy) throw notApplicable(`tenant ${t.name} is not waiting for an approval (${t.approvedBy ? `approved by ${t.approvedBy}` : t.status})`);
        } else if (view.decision || approval) throw notApplicable(`${view.label} is already declared`);
      },
    },
  );
  setHandler(
    declarationAllClearUpdate,
    (a): OperatorAnswer => {
      allClear = { outcome: 'all-clear', by: a.by, reason: a.comment ?? 'all-clear from an operator', at: new Date().toISOString() };
      changed = true;
      return { accepted: true, detail: view.decision ? 'the incident closes; failovers already started go on' : 'the incident closes; nothing starts' };
    },
    { validator: (_a) => { if (view.status === 'closed') throw notApplicable(`the incident for ${view.label} is closed`); } },
  );

  const facts = await inventory.loadDeclarationScope({ scope: input.scope });
  const policy = facts.policy;
  Object.assign(view, { label: facts.label, policy, policySource: facts.policySource });
  view.corroboratingSources = corroboratingSources(sightings, policy.windowSeconds, Date.now());
  view.tenants = facts.tenants.map((t) => ({ tenantId: t.id, name: t.name, policy: t.policy, policySource: t.policySource, status: 'pending' }));
  const event = (action: string, by: string, details: Record<string, unknown>, tenantId?: string) =>
    inventory.recordDeclarationEvent({ declarationId: id, action, by, details, ...(tenantId ? { tenantId } : {}) });
  let ticketChanges = 0;
  const ticket = (summary: string, severity: number, close = false) =>
    notify.declarationTicket({ declarationId: id, about: facts.label, summary, severity, close, idempotencyKey: `${id}:ticket:${++ticketChanges}` });
  await ticket(`Disaster alert for ${facts.label}: ${view.alerts[0]?.reason ?? 'declaration opened'}`, 2);

  // Reminders and escalations of pending approvals, each once, at the policy's times.
  const pending: PendingApproval[] = [];
  const dueApprovals = async (): Promise<number | undefined> => {
    const now = Date.now();
    let next: number | undefined;
    for (const p of pending) {
      const remindAt = p.since + p.policy.reminderSeconds * 1000;
      const escalateAt = p.since + p.policy.escalationSeconds * 1000;
      const what = p.tenantId ? `approval of tenant ${view.tenants.find((t) => t.tenantId === p.tenantId)?.name}'s failover` : `approval of the declaration for ${view.label}`;
      // Shown once told: the view's times say the reminder or escalation has gone out.
      if (!p.escalated && now >= escalateAt) {
        p.escalated = p.reminded = true;
        await event('declaration.approval-escalated', 'lifeline', { waitingFor: what, afterSeconds: p.policy.escalationSeconds }, p.tenantId);
        await ticket(`Escalated: ${what} still pending after ${p.policy.escalationSeconds} s`, 1);
        view.escalatedAt = new Date(now).toISOString();
        view.waitingFor = `${what} (escalated)`;
      } else if (!p.reminded && now >= remindAt) {
        p.reminded = true;
        await event('declaration.approval-reminder', 'lifeline', { waitingFor: what, afterSeconds: p.policy.reminderSeconds }, p.tenantId);
        await ticket(`Reminder: ${what} is pending`, 2);
        view.reminderAt = new Date(now).toISOString();
      }
      for (const at of [p.reminded ? null : remindAt, p.escalated ? null : escalateAt]) if (at !== null && (next === undefined || at < next)) next = at;
    }
    return next;
  };
  const wait = async (deadline: number | undefined) => {
    if (!changed && deadline === undefined) await condition(() => changed);
    else if (!changed && deadline !== undefined) await condition(() => changed, Math.max(1, deadline - Date.now()));
    changed = false;
  };

  // ---- the decision --------------------------------------------------------------------------------
  if (policy.mode === 'confirm') pending.push({ key: 'incident', policy, since: started, reminded: false, escalated: false });
  while (!allClear) {
    const now = Date.now();
    view.corroboratingSources = corroboratingSources(sightings, policy.windowSeconds, now);
    const given = approval as DeclarationApproval | null;
    if (given) {
      view.decision = { outcome: 'declared', by: given.by, reason: given.comment ?? `approved by ${given.role} ${given.by}`, at: new Date(now).toISOString() };
      break;
    }
    if (policy.mode === 'auto' && view.corroboratingSources.length >= policy.sources) {
      view.decision = {
        outcome: 'declared', by: 'policy auto', at: new Date(now).toISOString(),
        reason: `${view.corroboratingSources.length} distinct sources within ${policy.windowSeconds} s (${view.corroboratingSources.join(', ')}); the policy asks for ${policy.sources}`,
      };
      break;
    }
    const graceEnds = policy.mode === 'auto' && policy.graceSeconds !== null ? started + policy.graceSeconds * 1000 : undefined;
    if (graceEnds !== undefined && now >= graceEnds) {
      view.decision = { outcome: 'declared', by: 'policy auto', reason: `no all-clear within the ${policy.graceSeconds} s grace period`, at: new Date(now).toISOString() };
      break;
    }
    if (policy.mode !== 'auto') {
      view.status = 'awaiting-approval';
      view.waitingFor ??= policy.mode === 'confirm' ? `approval of the declaration for ${view.label} (${policy.approver})` : 'an operator (policy manual: alerts are recorded only)';
    }
    const next = await dueApprovals();
    await wait(graceEnds !== undefined && (next === undefined || graceEnds < next) ? graceEnds : next);
  }
  pending.length = 0;

  const cleared = allClear as DeclarationDecision | null;
  if (!view.decision && cleared) {
    view.decision = cleared;
    for (const t of view.tenants) Object.assign(t, { status: 'cancelled', reason: 'all-clear before the declaration' });
    await event('declaration.all-clear', cleared.by, { reason: cleared.reason, alerts: view.alertCount, sources: Object.keys(view.sources) });
    return close(`All-clear for ${view.label}: ${cleared.reason}; nothing was started`);
  }
  const decision = view.decision as DeclarationDecision;
  view.status = 'declared';
  view.waitingFor = null;
  await event('declaration.declared', decision.by, { reason: decision.reason, corroboratingSources: view.corroboratingSources, alerts: view.alertCount });
  await ticket(`Disaster declared for ${view.label} by ${decision.by}: ${decision.reason}`, 1);

  // ---- the failovers -------------------------------------------------------------------------------
  const request: OperationRequest = { requestedBy: `declaration ${id}`, requestId: `declaration-${info.firstExecutionRunId}` };
  const tenantFacts = new Map(facts.tenants.map((t) => [t.id, t]));
  const reportIfNotReady = (t: DeclarationTenant): boolean => {
    const f = tenantFacts.get(t.tenantId)!;
    if (f.activeOperationId) Object.assign(t, { status: 'not-started', reason: `already held by operation ${f.activeOperationId}`, operationId: f.activeOperationId });
    else if (f.state !== 'protected') Object.assign(t, { status: 'not-started', reason: `tenant is ${f.state}, not protected` });
    else return false;
    return true;
  };
  const startTenantFailover = async (t: DeclarationTenant) => {
    const workflowId = workflowIds.operation('failover', t.tenantId, request.requestId);
    const args: FailoverInput = { tenantId: t.tenantId, mode: 'disaster', request };
    await startChild(failover, {
      workflowId, args: [args], parentClosePolicy: ParentClosePolicy.ABANDON,
      typedSearchAttributes: [{ key: searchAttributes.tenantId, value: t.tenantId }, { key: searchAttributes.operationKind, value: 'failover' }],
    });
    Object.assign(t, { status: 'failing-over', operationId: workflowId });
    await event('declaration.failover-started', 'lifeline', { operationId: workflowId }, t.tenantId);
  };

  if (input.scope.kind === 'site') {
    const joining: string[] = [];
    for (const t of view.tenants) {
      if (reportIfNotReady(t)) continue;
      if (t.policySource === 'tenant' && t.policy.mode === 'confirm') {
        Object.assign(t, { status: 'awaiting-approval', reason: `its own policy asks for approval (${t.policy.approver})` });
        pending.push({ key: t.tenantId, tenantId: t.tenantId, policy: t.policy, since: Date.now(), reminded: false, escalated: false });
      } else if (t.policySource === 'tenant' && t.policy.mode === 'manual') Object.assign(t, { status: 'recorded-only', reason: 'its own policy is manual: alerts are recorded only' });
      else joining.push(t.tenantId);
    }
    if (joining.length > 0) {
      const siteInput: SiteFailoverInput = { siteId: input.scope.siteId, request, onlyTenantIds: joining };
      const workflowId = `site-failover:${input.scope.siteId}:${request.requestId}`;
      await startChild(siteFailover, {
        workflowId, args: [siteInput], parentClosePolicy: ParentClosePolicy.ABANDON,
        typedSearchAttributes: [{ key: searchAttributes.operationKind, value: 'site-failover' }, { key: searchAttributes.siteId, value: input.scope.siteId }],
      });
      view.siteFailoverId = workflowId;
      for (const t of view.tenants.filter((x) => joining.includes(x.tenantId))) {
        Object.assign(t, { status: 'started-by-site-failover', operationId: workflowIds.operation('failover', t.tenantId, `site-${request.requestId}`) });
      }
      await event('declaration.failover-started', 'lifeline', { operationId: workflowId, tenants: joining });
    }
  } else {
    for (const t of view.tenants) if (!reportIfNotReady(t)) await startTenantFailover(t);
  }
  for (const t of view.tenants.filter((x) => x.status === 'not-started' || x.status === 'recorded-only')) {
    await event('declaration.tenant-not-started', 'lifeline', { reason: t.reason }, t.tenantId);
  }

  // ---- open until an all-clear or a quiet day: later alerts merge here; held tenants wait for approval --
  const quietMs = (input.quietCloseSeconds ?? 86_400) * 1000;
  while (!allClear && Date.now() - lastAlertAt < quietMs) {
    for (const a of tenantApprovals.splice(0)) {
      const t = view.tenants.find((x) => x.tenantId === a.tenantId)!;
      pending.splice(pending.findIndex((p) => p.tenantId === t.tenantId), 1);
      await startTenantFailover(t);
    }
    view.waitingFor = pending.length > 0 ? `approval of ${pending.map((p) => view.tenants.find((t) => t.tenantId === p.tenantId)?.name).join(', ')}` : null;
    const next = await dueApprovals();
    const quietEnds = lastAlertAt + quietMs;
    await wait(next === undefined || quietEnds < next ? quietEnds : next);
  }
  for (const t of view.tenants.filter((x) => x.status === 'awaiting-approval')) Object.assign(t, { status: 'not-started', reason: 'the incident closed before an approval' });
  const ended = allClear as DeclarationDecision | null;
  await event('declaration.closed', ended?.by ?? 'lifeline', { reason: ended?.reason ?? 'no alert for a day' });
  return close(`Incident for ${view.label} closed: ${ended?.reason ?? 'no alert for a day'}`);

  /** Closed once the ticket says so; the run ends in the same workflow task. */
  async function close(summary: string): Promise<DeclarationView> {
    await ticket(summary, view.decision?.outcome === 'declared' ? 1 : 3, true);
    view.status = 'closed';
    view.waitingFor = null;
    view.closedAt = new Date().toISOString();
    return view;
  }
}
