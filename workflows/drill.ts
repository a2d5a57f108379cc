import { ApplicationFailure, CancellationScope, condition, executeChild, isCancellation, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { LifelineActivities } from '../activities';
import type { FailoverFacts } from '../activities/failover-inventory';
import type { RecoveryTarget } from '../activities/recovery';
import { drillMeasures, drillVmName, drillZoneOf, type DrillProbe } from '../domain/drill';
import { compilePlan } from '../domain/plan-compiler';
import type { ExecutionSchedule, ScheduledVm } from '../domain/recovery-plan';
import { blockingCall, inventoryWrite } from './activity-options';
import {
  searchAttributes, workflowIds, type DrillInput, type DrillProtectionCheck, type DrillReport, type DrillVmReport, type FailbackInput, type FailbackResult,
  type FailoverInput, type FailoverResult,
} from './contracts';
import type { StageVmFacts, VmOutcome } from './failover-stage';
import { errorText, OperationTracker } from './operation-tracker';
import { TenantClaim } from './tenant-claim';
import { WaveControls } from './wave-controls';
import { runWaves } from './wave-runner';

const inventory = proxyActivities<LifelineActivities>(inventoryWrite);
const systems = proxyActivities<LifelineActivities>(blockingCall);
/** A clean-up attempt gives up after a few tries; the drill then waits and sweeps again until the estate is clean. */
const sweep = proxyActivities<LifelineActivities>({ ...blockingCall, retry: { ...blockingCall.retry, maximumAttempts: 3 } });

/** The full drill's gate before its failback. */
const FAILBACK_GATE = 'failback';

/** Waits between clean-up sweeps while a system is down: doubling from 5 s, at most 5 minutes. */
const CLEANUP_RETRY_FIRST_MS = 5_000;
const CLEANUP_RETRY_MAX_MS = 5 * 60_000;

/**
 * A DR drill of one tenant (PRODUCT workflow 6), non-disruptive: its protection stays in Differential Sync
 * (checked before, after each wave, and after), and it never touches a production VM, address, record or rule.
 *
 * - `checklist`: the plan compiles, readiness, a recovery point for every VM, DR capacity, protection; creates nothing.
 * - `parallel` (default): an isolated bubble (a drill VLAN and subnet no production network routes), then the
 *   plan's waves on the failover's engine (order, caps, gates, pause/resume/abort/skip/retry), each VM an InMage
 *   drill snapshot of the chosen point booted as `<vm>-drill-<id>`, its heartbeat and probes run in its guest,
 *   its name in the drill zone. Achieved RTO (recovery start to all green) and RPO (the points' age) are
 *   measured against the tenant's targets.
 *
 * Clean-up cannot be skipped: after success, failure, abort or cancellation it runs in a non-cancellable scope,
 * finds every resource of the drill by name and removes it, then proves it against the estate. While a system
 * is down the drill stays `cleanup-pending` (shown by the API) and sweeps again until the estate is clean.
 * The report is the operation's result.
 */
export async function drill(input: DrillInput): Promise<DrillReport> {
  const drillType = input.drillType ?? 'parallel';
  const tracker = new OperationTracker('drill', input.tenantId, input.request);
  const claim = TenantClaim.own(input.tenantId);
  const info = workflowInfo();
  const id = info.workflowId;
  const drillId = info.firstExecutionRunId.replace(/-/g, '').slice(0, 8);
  const outcomes: Record<string, VmOutcome> = {};
  let schedule: ExecutionSchedule | undefined;
  const controls = new WaveControls({
    noun: 'drill', operationId: id, tracker, schedule: () => schedule, outcomes,
    followUp: () => 'run the drill again',
    // A full drill waits for an approval before its failback (the maintenance window of a real one).
    ...(drillType === 'full' ? { extraGates: [FAILBACK_GATE], gateName: (g: string) => (g === FAILBACK_GATE ? 'the failback' : `wave ${g}`) } : {}),
  });
  const report: DrillReport = {
    operationId: id, tenantId: input.tenantId, tenant: '', drillType, drillId, outcome: 'failed', requestedBy: input.request.requestedBy,
    startedAt: tracker.view.startedAt, endedAt: null, plan: { id: '', name: '', revision: 0 },
    inputs: { planId: '', planRevision: 0, recoveryPoint: input.recoveryPoint ?? { kind: 'latest-app-consistent' }, drillType, probes: {} },
    checks: null, protection: [], recoveryStartedAt: null, allGreenAt: null,
    rto: { targetSeconds: 0, achievedSeconds: null, passed: false }, rpo: { targetSeconds: 0, achievedSeconds: null, passed: false },
    network: null, vms: [], approvals: controls.approvals, controls: controls.log, abortedBy: null, error: null,
    cleanup: { status: 'not-needed', attempts: 0, removed: null, verifiedAt: null, leftovers: [], lastError: null },
    steps: tracker.view.steps,
  };
  tracker.setProgress({ drillType, drillId, protection: report.protection, cleanup: report.cleanup });
  await tracker.publish();

  let facts: FailoverFacts | undefined;
  let drilling = false;
  /** Set before the first call that may create something: from then on the clean-up must run. */
  let mayHaveCreated = false;
  const zones = new Set<string>();
  const targets = new Map<string, RecoveryTarget['point']>();
  let failure: unknown = null;

  const checkProtection = async (when: DrillProtectionCheck['when'], label: string): Promise<DrillProtectionCheck> => {
    const vms = schedule!.vms.map((v) => v.vm);
    const r = await tracker.step(`protection ${label}`, () => systems.checkProtection({ tenant: facts!.tenant.name, vms }), (x) => ({ inSync: x.inSync, notInSync: x.notInSync }));
    const check = { when, label, ...r };
    report.protection.push(check);
    return check;
  };

  try {
    await claim.take();
    facts = await tracker.step('load tenant and plan', () => inventory.loadFailoverFacts({ tenantId: input.tenantId, planId: input.planId }));
    const tenant = facts.tenant;
    report.tenant = tenant.name;
    report.plan = { id: facts.plan.id, name: facts.plan.name, revision: facts.plan.revision };
    report.inputs.planId = facts.plan.id;
    report.inputs.planRevision = facts.plan.revision;
    if (drillType === 'full') return await finish(await fullDrill(facts));
    if (drillType !== 'checklist') {
      await claim.setState('drilling', ['protected']);
      drilling = true;
    }

    const compiled = compilePlan(facts.plan.spec, facts.vms, facts.plan.caps);
    if (!compiled.ok) throw ApplicationFailure.nonRetryable(`recovery plan ${facts.plan.name} does not compile: ${compiled.problems.map((p) => p.message).join('; ')}`, 'PlanDoesNotCompile');
    schedule = compiled.schedule;
    const planVms = new Map(facts.vms.map((v) => [v.name, v]));
    const probes: Record<string, DrillProbe[]> = Object.fromEntries(schedule.vms.map((v) => [v.vm, probesOf(planVms.get(v.vm)!.probes)]));
    report.inputs.probes = probes;
    for (const vm of schedule.vms) outcomes[vm.vm] = { status: 'pending', attempts: 0 };
    tracker.setProgress({
      plan: facts.plan.name, planRevision: facts.plan.revision, vms: outcomes,
      stages: schedule.stages.map((s) => ({ index: s.index, group: s.group, vms: s.vms.length, status: 'pending', approvalRequired: s.approvalRequired })),
    });

    const scheduled = schedule.vms.map((v) => planVms.get(v.vm)!);
    const preflight = await tracker.step('checklist: readiness, recovery points, DR capacity', () =>
      systems.preflightFailover({
        tenant: tenant.name, tenantId: tenant.id, withIpMapping: false, drSite: tenant.drSite, vms: scheduled.map((v) => ({ name: v.name, vcpu: v.vcpu, memoryMb: v.memoryMb })), recoveryPoint: report.inputs.recoveryPoint,
        // A drill's VMs run at the DR site beside other tenants': its room is reserved like a failover's, and goes with its claim.
        ...(drillType !== 'checklist' && claim.holder ? { operationId: claim.holder } : {}),
      }),
    (p) => ({ readiness: p.readiness, capacity: p.capacity, withoutPoint: p.problems }));
    report.checks = { readiness: preflight.readiness, recoveryPoints: preflight.problems, capacity: preflight.capacity };
    const before = await checkProtection('before', 'before the drill');
    const refusals = [
      ...preflight.problems.map((p) => `${p.vm}: ${p.reason}`),
      ...preflight.readiness.failures.map((f) => `${f.vm}: ${f.reason}`),
      ...(preflight.capacity.fits ? [] : [preflight.capacity.reason ?? `DR site ${tenant.drSite} lacks capacity: needs ${preflight.capacity.neededVcpu} vCPU / ${preflight.capacity.neededMemoryGb} GB${preflight.capacity.siteDown ? ' (site down)' : ''}`]),
      ...before.notInSync.map((p) => `${p.vm}: protection is ${p.state}, not Differential Sync`),
    ];

    if (drillType === 'checklist') {
      report.outcome = refusals.length === 0 ? 'passed' : 'failed';
      report.error = refusals.length > 0 ? refusals.join('; ') : null;
      return await finish(refusals);
    }
    if (refusals.length > 0) throw ApplicationFailure.nonRetryable(`the drill's checklist refused it, nothing was created: ${refusals.join('; ')}`, 'DrillRefused', refusals);

    for (const t of preflight.targets) targets.set(t.vm, t.point);
    for (const v of scheduled) {
      const zone = drillZoneOf(v.fqdn);
      if (zone) zones.add(zone);
    }
    mayHaveCreated = true;
    const { startedAt, network } = await tracker.step('drill network: isolated VLAN and subnet', () =>
      systems.createDrillNetwork({ tenant: tenant.name, drSite: tenant.drSite, drillId, idempotencyPrefix: `${id}:network` }),
    (r) => ({ vlan: r.network.vlan.name, vlanId: r.network.vlan.vlanId, subnet: r.network.cidr }));
    report.recoveryStartedAt = startedAt;
    report.network = { vlan: network.vlan.name, vlanId: network.vlan.vlanId, subnet: network.cidr };
    tracker.setProgress({ network: report.network, recoveryStartedAt: startedAt });

    const stageFacts = (vms: ScheduledVm[]): Record<string, StageVmFacts> =>
      Object.fromEntries(vms.map((v) => {
        const f = planVms.get(v.vm)!;
        const name = drillVmName(v.vm, drillId);
        return [v.vm, { fqdn: f.fqdn, primaryIps: [], probes: [], hostname: name, nics: [], point: targets.get(v.vm)!, drill: { name, zone: drillZoneOf(f.fqdn), probes: probes[v.vm] } }];
      }));
    await runWaves({
      kind: 'drill', drill: { id: drillId, network: { vlan: network.vlan.name, poolId: network.poolId } },
      operationId: id, tenant, planId: facts.plan.id, schedule, outcomes, controls, tracker, facts: stageFacts,
      afterWave: async ({ stage }) => {
        await checkProtection('during', `after wave ${stage.group}`);
        tracker.publishInBackground();
      },
    });
    await tracker.settled();
  } catch (err) {
    failure = err;
  }

  // Whatever happened above, nothing of the drill stays in the estate, and an abort or cancel cannot stop this.
  return CancellationScope.nonCancellable(async () => {
    if (mayHaveCreated) await cleanUp();
    if (schedule && facts) await checkProtection('after', 'after the drill').catch(() => undefined);
    if (drilling) await claim.setState('protected', ['drilling']).catch(() => undefined);
    const failures = summarise();
    return finish(failures);
  });

  /**
   * A full interruption test: a planned failover, an approval, then a failback, each the real workflow as a
   * child under this drill's claim on the tenant, which ends protected at its primary. RTO is the failover's
   * makespan, RPO its data loss (none for a planned migration).
   */
  async function fullDrill(f: FailoverFacts): Promise<string[]> {
    const tenant = f.tenant;
    const attributes = [
      { key: searchAttributes.tenantId, value: tenant.id }, { key: searchAttributes.siteId, value: tenant.drSiteId }, { key: searchAttributes.recoveryPlanId, value: f.plan.id },
    ];
    const failures: string[] = [];
    const failoverId = workflowIds.child(id, 'failover');
    report.children = {};
    const fo = await tracker.step('full: planned failover', () =>
      executeChild<(i: FailoverInput) => Promise<FailoverResult>>('failover', {
        workflowId: failoverId,
        args: [{ tenantId: tenant.id, planId: f.plan.id, mode: 'planned', request: input.request, claimedBy: id }],
        typedSearchAttributes: [...attributes, { key: searchAttributes.operationKind, value: 'failover' }],
      }),
    (r) => ({ status: r.status, recovered: r.recovered }));
    report.children.failover = { id: failoverId, status: fo.status };
    report.rto = { targetSeconds: tenant.rtoMinutes * 60, achievedSeconds: fo.makespanSeconds, passed: fo.rtoMet && fo.status === 'failed-over' };
    const loss = fo.dataLossSeconds ?? null;
    report.rpo = { targetSeconds: tenant.rpoMinutes * 60, achievedSeconds: loss, passed: loss !== null && loss <= tenant.rpoMinutes * 60 };
    if (fo.status !== 'failed-over') failures.push(`failover ${fo.status}: ${[...fo.failed, ...fo.blocked].map((x) => `${x.vm} (${x.reason})`).join(', ')}`);
    if (fo.recovered === 0) return failures;

    // An abort does not leave the tenant at the DR site: it only stops the wait, and the failback runs.
    controls.waitingGate = FAILBACK_GATE;
    await tracker.waitFor('approval to fail back', () => condition(() => controls.approvedGates.has(FAILBACK_GATE) || controls.aborted !== null));
    controls.waitingGate = null;
    const failbackId = workflowIds.child(id, 'failback');
    const fb = await tracker.step('full: failback', () =>
      executeChild<(i: FailbackInput) => Promise<FailbackResult>>('failback', {
        workflowId: failbackId,
        args: [{
          tenantId: tenant.id, planId: f.plan.id, request: input.request, maintenanceWindowStart: new Date().toISOString(), claimedBy: id,
          ...(input.statusPollSeconds ? { statusPollSeconds: input.statusPollSeconds } : {}),
        }],
        typedSearchAttributes: [...attributes, { key: searchAttributes.operationKind, value: 'failback' }],
      }),
    (r) => ({ status: r.status, failedBack: r.failedBack }));
    report.children.failback = { id: failbackId, status: fb.status };
    if (fb.status !== 'failed-back') failures.push(`failback ${fb.status}: ${[...fb.failed, ...fb.blocked].map((x) => `${x.vm} (${x.reason})`).join(', ')}`);
    if (!report.rto.passed) failures.push(`RTO ${fo.makespanSeconds} s against a target of ${report.rto.targetSeconds} s`);
    return failures;
  }

  function summarise(): string[] {
    const failures: string[] = [];
    if (schedule) {
      for (const v of schedule.vms) {
        const o = outcomes[v.vm];
        if (o.status !== 'recovered') failures.push(`${v.vm} ${o.status}${o.reason ? ` (${o.reason})` : ''}`);
      }
      report.vms = schedule.vms.map((v): DrillVmReport => {
        const o = outcomes[v.vm];
        const point = stagePoint(v.vm);
        return {
          vm: v.vm, drillVm: drillVmName(v.vm, drillId), wave: v.group, status: o.status, attempts: o.attempts,
          ...(o.reason ? { reason: o.reason } : {}), ...(o.startedAt ? { startedAt: o.startedAt } : {}), ...(o.recoveredAt ? { recoveredAt: o.recoveredAt } : {}), ...(o.healthyAt ? { healthyAt: o.healthyAt } : {}),
          ...(o.finishedAt ? { finishedAt: o.finishedAt } : {}), ...(point ? { recoveryPoint: point } : {}), ...(o.recoveredTo ? { recoveredTo: o.recoveredTo } : {}),
          probes: o.probes ?? [],
        };
      });
      const allGreen = schedule.vms.length > 0 && schedule.vms.every((v) => outcomes[v.vm].status === 'recovered' && outcomes[v.vm].healthyAt);
      report.allGreenAt = allGreen ? schedule.vms.map((v) => outcomes[v.vm].healthyAt!).sort().at(-1)! : null;
    }
    if (facts && report.recoveryStartedAt) {
      const points = report.vms.filter((v) => v.status === 'recovered' && v.recoveryPoint).map((v) => ({ at: v.recoveryPoint!.at }));
      const m = drillMeasures({ startedAt: report.recoveryStartedAt, allGreenAt: report.allGreenAt, points, targets: facts.tenant });
      report.rto = m.rto;
      report.rpo = m.rpo;
      if (!m.rto.passed) failures.push(`RTO ${m.rto.achievedSeconds ?? 'not reached'} s against a target of ${m.rto.targetSeconds} s`);
      if (!m.rpo.passed) failures.push(`RPO ${m.rpo.achievedSeconds ?? 'unknown'} s against a target of ${m.rpo.targetSeconds} s`);
    } else if (facts) {
      report.rto.targetSeconds = facts.tenant.rtoMinutes * 60;
      report.rpo.targetSeconds = facts.tenant.rpoMinutes * 60;
    }
    const outOfSync = report.protection.filter((c) => c.when !== 'before' && !c.inSync);
    for (const c of outOfSync) failures.push(`protection ${c.label}: ${c.notInSync.map((p) => `${p.vm} ${p.state}`).join(', ')}`);
    if (failure) failures.unshift(errorText(failure));
    report.abortedBy = controls.aborted ? controls.aborted.replace(/^aborted by /, '') : null;
    return failures;
  }

  function stagePoint(vm: string): DrillVmReport['recoveryPoint'] | undefined {
    const p = targets.get(vm);
    return p ? { kind: p.kind, ...(p.kind === 'tag' ? { tag: p.tag } : {}), at: p.at } : undefined;
  }

  /** Sweeps and verifies until the estate holds nothing of the drill, `cleanup-pending` while it cannot. */
  async function cleanUp(): Promise<void> {
    const tenant = facts!.tenant;
    const args = { tenant: tenant.name, drSite: tenant.drSite, drillId, zones: [...zones] };
    let wait = CLEANUP_RETRY_FIRST_MS;
    for (;;) {
      report.cleanup.attempts += 1;
      const attempt = report.cleanup.attempts;
      try {
        const removed = await tracker.step(attempt === 1 ? 'clean-up: remove every drill resource' : `clean-up: sweep ${attempt}`, () =>
          sweep.cleanUpDrill({ ...args, idempotencyPrefix: `${id}:cleanup:${attempt}` }), (r) => ({ ...r }));
        report.cleanup.removed = { ...removed };
        const proof = await tracker.step('clean-up: verify against the estate', () => sweep.verifyDrillCleanup(args), (p) => ({ clean: p.clean, leftovers: p.leftovers }));
        report.cleanup.leftovers = proof.leftovers;
        report.cleanup.verifiedAt = proof.checkedAt;
        if (proof.clean) {
          report.cleanup.status = 'clean';
          report.cleanup.lastError = null;
          tracker.setProgress({ cleanup: report.cleanup });
          return;
        }
        report.cleanup.lastError = `still in the estate: ${proof.leftovers.join(', ')}`;
      } catch (err) {
        report.cleanup.lastError = errorText(err);
      }
      report.cleanup.status = 'pending';
      report.outcome = 'cleanup-pending';
      tracker.setPhase('cleanup-pending');
      tracker.setProgress({ cleanup: report.cleanup, outcome: 'cleanup-pending' });
      await tracker.publish();
      await sleep(wait);
      wait = Math.min(wait * 2, CLEANUP_RETRY_MAX_MS);
    }
  }

  async function finish(failures: string[]): Promise<DrillReport> {
    report.endedAt = new Date().toISOString();
    report.approvals = controls.approvals;
    report.controls = controls.log;
    report.steps = tracker.view.steps;
    if (drillType !== 'checklist' || failure) {
      const aborted = (controls.aborted && drillType !== 'full') || (failure && isCancellation(failure));
      report.outcome = aborted ? 'aborted' : failures.length === 0 && !failure ? 'passed' : 'failed';
    }
    if (drillType === 'full') report.abortedBy = controls.aborted ? controls.aborted.replace(/^aborted by /, '') : null;
    report.error = failures.length > 0 ? failures.join('; ') : null;
    await claim.release();
    if (report.outcome === 'aborted' || failure) {
      tracker.view.result = report;
      await tracker.fail(report.outcome === 'aborted' && !failure ? new Error(`${controls.aborted}: the drill was cleaned up`) : failure, report.outcome === 'aborted');
      if (failure) throw failure;
      return report;
    }
    await tracker.complete(report, failures);
    return report;
  }
}

/** Every drill VM answers its heartbeat, then the probes its record holds (a TCP port, an HTTP URL). */
function probesOf(own: { kind: 'http' | 'tcp'; url?: string; port?: number }[]): DrillProbe[] {
  return [
    { kind: 'heartbeat' },
    ...own.map((p): DrillProbe => (p.kind === 'tcp' ? { kind: 'tcp', port: p.port, ...(p.url ? { url: p.url } : {}) } : { kind: 'http', url: p.url })),
  ];
}
