import { ApplicationFailure, CancellationScope, executeChild, isCancellation, patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { LifelineActivities } from '../activities';
import type { DrNic, RecoveryTarget } from '../activities/recovery';
import { compilePlan } from '../domain/plan-compiler';
import { forecastRecovery, RECOVERY_STEP_DURATIONS } from '../domain/step-durations';
import { dataLossReport } from '../domain/recovery-point';
import { restrictPlan, type ExecutionSchedule, type ScheduledVm } from '../domain/recovery-plan';
import type { VmRunStatus } from '../domain/stage-dispatcher';
import { blockingCall, inventoryWrite, longPoll, serviceSweep } from './activity-options';
import {
  FailoverInput, FailoverResult, FixupInput, FixupReport, MANAGEMENT_FIXUP_WORKFLOW, workflowIds,
} from './contracts';
import type { StageVmFacts, VmOutcome } from './failover-stage';
import { closeOperationTickets, closesTicketAtEnd, closeTicketsOnFailure } from './operation-ticket';
import { OperationTracker } from './operation-tracker';
import { TenantClaim } from './tenant-claim';
import { WaveControls } from './wave-controls';
import { validateRecovered } from './validation';
import { runWaves } from './wave-runner';

const inventory = proxyActivities<LifelineActivities>(inventoryWrite);
const systems = proxyActivities<LifelineActivities>(blockingCall);
const jobs = proxyActivities<LifelineActivities>(longPoll);
/** A capture does not hold up a recovery for long: a few tries, then the last scheduled capture stands. */
const { captureManagementMetadata } = proxyActivities<LifelineActivities>({ ...serviceSweep, retry: { ...serviceSweep.retry, maximumAttempts: 3 } });

/**
 * Workflow version marker: the management metadata is captured before the first VM moves, so the failback
 * knows every value to restore even for a tenant whose periodic capture never ran.
 */
const CAPTURE_BEFORE_FAILOVER = 'capture-management-metadata-before-failover';

/** Workflow version marker: a planned migration waits for its final tag to replicate and recovers to it. */
const FINAL_TAG_REPLICATED = 'planned-failover-recovers-to-final-tag';


/** Workflow version marker: inventory records of a wave written beside the next wave's start. */
const BOOKKEEPING_BESIDE_NEXT_WAVE = 'failover-bookkeeping-beside-next-wave';

/** The six weeks a tenant may run at the DR site before the daily fee (TSM/BCRS slides). */
const INCLUDED_DR_DAYS = 42;

/**
 * Failover of one tenant (PRODUCT workflow 3): notify, pre-flight (readiness, a recovery point for every
 * VM, DR capacity for the whole plan), then management VMs and the workload waves in plan order, each wave a
 * child workflow under the plan's caps; then management fix-up, validation, notify, `failed-over`, and the
 * DR occupancy clock starts. Operators pause, resume, abort, skip or retry a VM, and approve gated waves.
 */
export async function failover(input: FailoverInput): Promise<FailoverResult> {
  const tracker = new OperationTracker('failover', input.tenantId, input.request);
  const claim = input.claimedBy ? TenantClaim.inherited(input.tenantId, input.claimedBy) : TenantClaim.own(input.tenantId);
  const id = workflowInfo().workflowId;
  const mode = input.mode ?? 'disaster';
  // A follow-up recovers the VMs a partial failover left at the primary; the tenant stays failed over.
  const followUp = input.vms !== undefined;
  const before = followUp ? 'failed-over' as const : 'protected' as const;
  const outcomes: Record<string, VmOutcome> = {};
  let schedule: ExecutionSchedule | undefined;

  const controls = new WaveControls({
    noun: 'failover', operationId: id, tracker, schedule: () => schedule, outcomes,
    followUp: (vm) => `recover it with a failover of vms: [${vm}] (the tenant stays failed over meanwhile)`,
  });

  await tracker.publish();
  let anythingStarted = false;
  let tenantName: string | undefined;
  try {
    await claim.take();
    const facts = await tracker.step('load tenant and plan', () => inventory.loadFailoverFacts({ tenantId: input.tenantId, planId: input.planId }));
    const tenant = facts.tenant;
    tenantName = tenant.name;
    await claim.setState('failing-over', [before]);
    const rtoDeadline = new Date(Date.parse(tracker.view.startedAt) + tenant.rtoMinutes * 60_000).toISOString();
    tracker.setProgress({ mode, plan: facts.plan.name, rto: { targetMinutes: tenant.rtoMinutes, startedAt: tracker.view.startedAt, deadline: rtoDeadline } });

    const compiled = followUp
      ? compilePlan(restrictPlan(facts.plan.spec, input.vms!), facts.vms.filter((v) => input.vms!.includes(v.name)), { ...facts.plan.caps, ...(input.perSiteCap ? { perSite: input.perSiteCap } : {}) })
      : compilePlan(facts.plan.spec, facts.vms, { ...facts.plan.caps, ...(input.perSiteCap ? { perSite: input.perSiteCap } : {}) });
    if (!compiled.ok) throw ApplicationFailure.nonRetryable(`recovery plan ${facts.plan.name} no longer compiles: ${compiled.problems.map((p) => p.message).join('; ')}`);
    schedule = compiled.schedule;
    // The same durations and forecast as the plan's preview, so its estimate is this operation's first ETA.
    const durations = input.stepDurations ?? RECOVERY_STEP_DURATIONS;
    const forecast = forecastRecovery(schedule, durations);
    tracker.setProgress({
      forecast: { lowerBoundSeconds: forecast.lowerBound, estimatedMakespanSeconds: forecast.estimatedMakespan, stepDurations: durations },
      eta: new Date(Date.parse(tracker.view.startedAt) + forecast.estimatedMakespan * 1000).toISOString(),
      stages: schedule.stages.map((s) => ({ index: s.index, group: s.group, vms: s.vms.length, status: 'pending', approvalRequired: s.approvalRequired })),
    });
    for (const vm of schedule.vms) outcomes[vm.vm] = { status: 'pending', attempts: 0 };
    // Every wave's VMs stay in view (the API overlays the running wave's live ones).
    tracker.setProgress({ vms: outcomes });

    await tracker.step('notify: DR beginning', () =>
      systems.notifyTenant({ tenant: tenant.name, summary: `DR beginning for ${tenant.name} (${mode} failover${followUp ? ` of ${schedule!.vms.length} VMs left at the primary` : ''}, plan ${facts.plan.name})`, severity: 1, correlationId: id, idempotencyKey: `${id}:notify:begin` }),
    );

    const planVms = new Map(facts.vms.map((v) => [v.name, v]));
    const scheduled = schedule.vms.map((v) => planVms.get(v.vm)!);
    // A planned migration keeps every write: each VM is recovered to its final tag, once that has replicated.
    let finalPoints: Map<string, RecoveryTarget['point']> | null = null;
    if (mode === 'planned') {
      const tag = `planned-failover-${workflowInfo().runId.slice(0, 8)}`;
      const vms = scheduled.map((v) => v.name);
      const waitsForTag = patched(FINAL_TAG_REPLICATED);
      await tracker.step('planned: final sync and primary shut down', async () => {
        const quiesced = await systems.quiescePrimary({ tenant: tenant.name, primarySite: tenant.primarySite, vms, tag, idempotencyPrefix: `${id}:quiesce` });
        if (!waitsForTag) return quiesced;
        const replicated = await jobs.awaitFinalTag({ tenant: tenant.name, vms, tag, direction: 'forward' });
        finalPoints = new Map(replicated.map((r) => [r.vm, { kind: 'tag', tag: r.tag, at: r.at }]));
        return { ...quiesced, tag, replicated: replicated.length };
      });
    }
    const recoveryPoint = mode === 'planned' ? { kind: 'latest-common-time' as const } : (input.recoveryPoint ?? { kind: 'latest-app-consistent' as const });
    const preflight = await tracker.step(
      'pre-flight: readiness, recovery points, DR capacity',
      () => systems.preflightFailover({
        tenant: tenant.name, tenantId: tenant.id, drSite: tenant.drSite, vms: scheduled.map((v) => ({ name: v.name, vcpu: v.vcpu, memoryMb: v.memoryMb })), recoveryPoint,
        // The DR site's room for these VMs is reserved under the claim, and goes when the claim is released.
        ...(claim.holder ? { operationId: claim.holder } : {}),
      }),
      (p) => ({ readiness: p.readiness, capacity: p.capacity, withoutPoint: p.problems }),
    );
    const refusals = [
      ...preflight.problems.map((p) => `${p.vm}: ${p.reason}`),
      ...preflight.readiness.failures.map((f) => `${f.vm}: ${f.reason}`),
      ...(preflight.capacity.fits ? [] : [preflight.capacity.reason ?? `DR site ${tenant.drSite} lacks capacity: needs ${preflight.capacity.neededVcpu} vCPU / ${preflight.capacity.neededMemoryGb} GB, has ${preflight.capacity.freeVcpu ?? '∞'} vCPU / ${preflight.capacity.freeMemoryGb ?? '∞'} GB${preflight.capacity.siteDown ? ' (site down)' : ''}`]),
    ];
    if (refusals.length > 0) throw ApplicationFailure.nonRetryable(`pre-flight refused the failover, nothing was started: ${refusals.join('; ')}`, 'PreflightRefused', refusals);

    if (patched(CAPTURE_BEFORE_FAILOVER)) {
      // The waves re-point DNS and firewall rules: what the management services hold now is the truth to return to.
      await tracker.step('capture management metadata (before failover)', () =>
        captureManagementMetadata({ tenantId: tenant.id, side: 'primary', reason: 'pre-failover', captureKey: `${id}:capture-before-failover` }),
      (c) => ({ version: c.version, ...(c.errors ? { errors: c.errors } : {}) })).catch((err) => {
        if (isCancellation(err)) throw err;
      });
    }

    const identities = await tracker.step('DR identities (IP mapping / BNA reservation)', () =>
      systems.reserveDrIdentities({
        tenant: tenant.name, tenantId: tenant.id, drSite: tenant.drSite, vms: scheduled.map((v) => ({ name: v.name, role: v.role, hostname: v.fqdn })), idempotencyPrefix: `${id}:reserveIp`,
      }),
    );
    const targets = new Map<string, RecoveryTarget['point']>(finalPoints ?? preflight.targets.map((t) => [t.vm, t.point]));
    const stageFacts = (vms: ScheduledVm[]): Record<string, StageVmFacts> =>
      Object.fromEntries(vms.map((v) => {
        const f = planVms.get(v.vm)!;
        const dr = identities[v.vm] as { hostname: string; nics: DrNic[] };
        return [v.vm, { fqdn: f.fqdn, primaryIps: f.primaryIps, probes: f.probes, hostname: dr.hostname, nics: dr.nics, point: targets.get(v.vm)! }];
      }));

    const bookkeeping: Promise<unknown>[] = [];
    await runWaves({
      kind: 'failover', operationId: id, tenant, planId: facts.plan.id, schedule, outcomes, controls, tracker, facts: stageFacts, forecast,
      onStart: () => { anythingStarted = true; },
      afterWave: ({ vms, result }) => {
        const record = {
          tenantId: tenant.id,
          vms: vms.filter((v) => result.outcomes[v.vm].status === 'recovered').map((v) => ({ name: v.vm, drIps: identities[v.vm].nics.map((n) => n.ip), drHostname: identities[v.vm].hostname })),
        };
        if (patched(BOOKKEEPING_BESIDE_NEXT_WAVE)) {
          // The next wave does not read these records: they are written while it starts, not before.
          const write = inventory.recordRecoveredVms(record);
          write.catch(() => undefined); // raised by the Promise.all after the waves
          bookkeeping.push(write);
          tracker.publishInBackground();
          return;
        }
        return inventory.recordRecoveredVms(record).then(() => tracker.publish());
      },
    });
    await Promise.all(bookkeeping);
    await tracker.settled();

    const recovered = schedule.vms.filter((v) => outcomes[v.vm].status === 'recovered');
    let fixup: FixupReport | null = null;
    if (!controls.aborted && recovered.length > 0) {
      const fixupInput: FixupInput = {
        tenantId: tenant.id,
        direction: 'failover',
        identities: recovered.map((v) => {
          const f = planVms.get(v.vm)!;
          return { vm: v.vm, role: v.role, from: { hostname: f.fqdn, ips: f.primaryIps }, to: { hostname: identities[v.vm].hostname, ips: identities[v.vm].nics.map((n) => n.ip) } };
        }),
        request: input.request,
      };
      fixup = await tracker.step('management fix-up', () =>
        executeChild<(i: FixupInput) => Promise<FixupReport>>(MANAGEMENT_FIXUP_WORKFLOW, { workflowId: workflowIds.child(id, 'fixup'), args: [fixupInput] }),
      (r) => ({ manageable: r.manageable, services: r.services.map((s) => `${s.kind}: ${s.outcome}`) }));
    }

    const validation = await tracker.step('validation', () =>
      validateRecovered(systems.validateRecoveredVms, { tenant: tenant.name, drSite: tenant.drSite, vms: recovered.map((v) => ({ name: v.vm, vmId: outcomes[v.vm].vmId as string, fqdn: planVms.get(v.vm)!.fqdn, drIps: identities[v.vm].nics.map((n) => n.ip) })) }),
    (v) => v);

    const result = resultOf(input.tenantId, schedule, outcomes, controls.aborted !== null, tracker.view.startedAt, rtoDeadline, fixup);
    // The writes kept: up to the final tag on a planned migration (none lost), up to the point chosen on a disaster.
    const usedPoints = Object.fromEntries(recovered.map((v) => [v.vm, targets.get(v.vm)!]));
    Object.assign(result, dataLossReport(usedPoints, (vm) => (finalPoints ? (finalPoints.get(vm) as RecoveryTarget['point']).at : tracker.view.startedAt)));
    tracker.setProgress({ validation });
    const summary = `DR ${controls.aborted ? 'aborted' : 'complete'} for ${tenant.name}: ${result.recovered} VMs recovered, ${result.failed.length} failed, ${result.blocked.length} blocked, ${result.skipped.length} skipped`;
    const severity = result.status === 'failed-over' ? 3 : 1;
    if (closesTicketAtEnd()) {
      await tracker.step('notify: DR complete', () => closeOperationTickets(tenant.name, id, summary, severity));
    } else {
      await tracker.step('notify: DR complete', () => systems.notifyTenant({ tenant: tenant.name, summary, severity, idempotencyKey: `${id}:notify:complete` }));
    }
    if (followUp) {
      // The tenant already runs at the DR site: its occupancy clock started with the first failover.
      await claim.setState('failed-over', ['failing-over']);
    } else if (result.recovered > 0) {
      await claim.setState('failed-over', ['failing-over']);
      await inventory.emitBillingEvent({ tenantId: tenant.id, operationId: id, event: 'dr-occupancy-started', at: new Date().toISOString(), includedDays: INCLUDED_DR_DAYS });
    } else {
      await claim.setState('protected', ['failing-over']);
    }
    await claim.release();
    if (controls.aborted) {
      await tracker.fail(new Error(`${controls.aborted}: ${result.recovered} VMs recovered before the abort`), true);
      return result;
    }
    await tracker.complete(result, [...result.failed, ...result.blocked].map((f) => `${f.vm} not failed over (${f.reason})`));
    return result;
  } catch (err) {
    await CancellationScope.nonCancellable(async () => {
      // Nothing started: the tenant is still protected at its primary. Otherwise it is half-way: error.
      await claim.setState(anythingStarted ? 'error' : before, ['failing-over']).catch(() => undefined);
      await closeTicketsOnFailure(tenantName, id, err);
      await claim.release();
      await tracker.fail(err, isCancellation(err));
    });
    throw err;
  }
}

function resultOf(
  tenantId: string, schedule: ExecutionSchedule, outcomes: Record<string, VmOutcome>, aborted: boolean, startedAt: string, rtoDeadline: string, fixup: FixupReport | null,
): FailoverResult {
  const by = (s: VmRunStatus) => schedule.vms.filter((v) => outcomes[v.vm].status === s);
  const recovered = by('recovered').length;
  const failed = by('failed').map((v) => ({ vm: v.vm, reason: outcomes[v.vm].reason ?? 'failed' }));
  const blocked = by('blocked').map((v) => ({ vm: v.vm, reason: outcomes[v.vm].reason ?? 'blocked' }));
  const now = Date.now();
  return {
    tenantId,
    status: aborted ? 'aborted' : failed.length + blocked.length > 0 ? 'partially-failed-over' : 'failed-over',
    recovered,
    failed,
    blocked,
    skipped: by('skipped').map((v) => v.vm),
    notStarted: by('pending').map((v) => v.vm),
    makespanSeconds: (now - Date.parse(startedAt)) / 1000,
    rtoMet: now <= Date.parse(rtoDeadline),
    fixup,
  };
}

