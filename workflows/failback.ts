import { ApplicationFailure, CancellationScope, condition, executeChild, isCancellation, patched, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { LifelineActivities } from '../activities';
import type { ReplicationProgress } from '../activities/failback';
import type { FailoverVmFacts } from '../activities/failover-inventory';
import type { RecoveryTarget } from '../activities/recovery';
import { compilePlan } from '../domain/plan-compiler';
import { dataLossReport } from '../domain/recovery-point';
import { restrictPlan, type ExecutionSchedule, type RecoveryPlanSpec, type ScheduledVm } from '../domain/recovery-plan';
import type { VmRunStatus } from '../domain/stage-dispatcher';
import { forecastRecovery, RECOVERY_STEP_DURATIONS } from '../domain/step-durations';
import { blockingCall, inventoryWrite, longPoll } from './activity-options';
import { untilAllDone } from './batch';
import { Compensations } from './compensation';
import {
  FailbackInput, FailbackResult, FixupInput, FixupReport, MANAGEMENT_FIXUP_WORKFLOW, ONBOARDING_WORKFLOW, searchAttributes, workflowIds, type OnboardingInput, type OnboardingResult,
} from './contracts';
import type { StageVmFacts, VmOutcome } from './failover-stage';
import { closeOperationTickets, closesTicketAtEnd, closeTicketsOnFailure } from './operation-ticket';
import { startWatchingProtection } from './protection-watch';
import { OperationTracker } from './operation-tracker';
import { REPLICATION_WAIT_AS_CHILD, waitForReplication } from './replication-wait';
import { TenantClaim } from './tenant-claim';
import { validateRecovered } from './validation';
import { runWaves } from './wave-runner';
import { WaveControls } from './wave-controls';

const inventory = proxyActivities<LifelineActivities>(inventoryWrite);
const systems = proxyActivities<LifelineActivities>(blockingCall);
const jobs = proxyActivities<LifelineActivities>(longPoll);

/** Failback plans are sized without DR drills: a master target holds at most 57 VMDKs. */
const FAILBACK_MT_MAX_VMDKS = 57;

/**
 * Workflow version marker: a failback that fails or is aborted before the DR VMs stop undoes what it did (the
 * tenant's primary site in the inventory, the failback protection in InMage).
 */
const UNDO_BEFORE_STOP = 'failback-undo-before-stop';

/** The gate before the DR VMs stop: the tenant's maintenance window. */
export const MAINTENANCE_WINDOW_GATE = 'maintenance-window';

/** Workflow version marker: the failback waits for the final tag to replicate and recovers every VM to it. */
const FINAL_TAG_REPLICATED = 'failback-recovers-to-final-tag';

/**
 * Failback with changes, the primary site standing (PRODUCT workflow 5): failback protection replicates the
 * DR VMs back to the primary; once in Differential Sync and the maintenance window opens (a scheduled time or
 * an approval), the DR VMs get a final tag and stop, and the VMs recover at the primary in plan order with
 * the failover's waves and operator controls, back to their primary identities. Then the management fix-up
 * in the failback direction, validation, DR resources released, forward protection resumed and in
 * Differential Sync, the DR occupancy clock stopped. The outage (DR power-off → primary health) is reported.
 */
export async function failback(input: FailbackInput): Promise<FailbackResult> {
  const tracker = new OperationTracker('failback', input.tenantId, input.request);
  const claim = input.claimedBy ? TenantClaim.inherited(input.tenantId, input.claimedBy) : TenantClaim.own(input.tenantId);
  const id = workflowInfo().workflowId;
  const pollMs = (input.statusPollSeconds ?? 60) * 1000;
  const outcomes: Record<string, VmOutcome> = {};
  let schedule: ExecutionSchedule | undefined;

  const controls = new WaveControls({
    noun: 'failback', operationId: id, tracker, schedule: () => schedule, outcomes,
    extraGates: [MAINTENANCE_WINDOW_GATE],
    gateName: (gate) => (gate === MAINTENANCE_WINDOW_GATE ? 'maintenance window' : `wave ${gate}`),
    followUp: (vm) => `fail it back with a failback of vms: [${vm}]`,
  });

  /**
   * Waits until every VM is in Differential Sync: in a child that polls on workflow timers and continues as new,
   * or, for failbacks started before that, polling in this history.
   */
  const untilInSync = async (tenant: string, vms: string[], direction: 'forward' | 'failback', key: string): Promise<ReplicationProgress> => {
    if (patched(REPLICATION_WAIT_AS_CHILD)) return waitForReplication(tracker, { tenant, vms, direction, pollMs, key, historySoftLimit: input.syncWaitHistorySoftLimit });
    for (;;) {
      const p = await systems.getReplicationProgress({ tenant, vms, direction });
      tracker.setProgress({ [key]: p });
      if (p.differentialSync === p.total) return p;
      await sleep(pollMs);
    }
  };

  await tracker.publish();
  let stopped = false;
  let tenantName: string | undefined;
  // Each undo is registered before the step that acts, so a step whose answer was lost is undone too.
  const undo = new Compensations();
  try {
    await claim.take();
    let facts = await tracker.step('load tenant and plan', () => inventory.loadFailoverFacts({ tenantId: input.tenantId, planId: input.planId }));
    tenantName = facts.tenant.name;
    const atDr = await tracker.step('VMs running at the DR site', () => systems.listRecoveredServers({ tenant: facts.tenant.name }), (r) => ({ vms: r.vms.length }));
    const chosen = choose(facts.plan.spec, atDr.vms, input.vms);
    await claim.setState('failing-back', ['failed-over']);
    const siteId = input.primarySiteId;
    let newSite = false;
    // The lost site's name, which the records captured before the failover hold (a new site replaces it).
    let formerPrimarySite: string | undefined;
    if (siteId) {
      // Smoking hole. A rebuilt site keeps its name and InMage's forward plans still name it as their source:
      // resuming them re-seeds the replicas from the recreated VMs. A new site is another source, so forward
      // protection is built afresh there by the onboarding workflow, and every VM must move (none may stay
      // protected from the lost site).
      const site = await tracker.step('inspect the new primary site', () => systems.inspectReturnSite({ tenant: facts.tenant.name, siteId }), (r) => r);
      newSite = !site.rebuilt;
      if (newSite) formerPrimarySite = facts.tenant.primarySite;
      if (newSite && chosen.length < atDr.vms.length) {
        throw ApplicationFailure.nonRetryable(`a failback to the new primary site ${site.name} moves every VM at the DR site; ${atDr.vms.length - chosen.length} would stay protected from the lost site`, 'PartialFailbackRefused');
      }
      // Recorded before anything targets it.
      const previousSiteId = facts.tenant.primarySiteId;
      undo.add('record the new primary site', () => systems.recordPrimarySite({ tenantId: input.tenantId, siteId: previousSiteId }));
      await tracker.step('record the new primary site', () => systems.recordPrimarySite({ tenantId: facts.tenant.id, siteId }), (r) => ({ ...r, siteId }));
      facts = await inventory.loadFailoverFacts({ tenantId: input.tenantId, planId: input.planId });
    }
    const tenant = facts.tenant;
    tracker.setProgress({ plan: facts.plan.name, vms: chosen, partial: chosen.length < atDr.vms.length });

    await tracker.step('notify: failback beginning', () =>
      systems.notifyTenant({ tenant: tenant.name, summary: `Failback beginning for ${tenant.name}: ${chosen.length} VMs return to ${tenant.primarySite}`, severity: 2, correlationId: id, idempotencyKey: `${id}:notify:begin` }),
    );
    undo.add('failback protection (DR → primary)', () => jobs.removeFailbackProtection({ tenant: tenant.name, idempotencyPrefix: `${id}:undo:failbackProtection` }));
    const failbackProtection = await tracker.step('failback protection (DR → primary)', async () => {
      const sized = await untilAllDone('sizing the failback', chosen, (vms) => jobs.sizeFailbackSources({ tenant: tenant.name, vms }));
      return untilAllDone('failback protection', failbackPlans(sized), (plans) =>
        jobs.createFailbackProtection({ tenant: tenant.name, primarySite: tenant.primarySite, drSite: tenant.drSite, plans, idempotencyPrefix: `${id}:failbackProtection` }),
      );
    }, (plans) => ({ plans: plans.map((p) => `${p.name}: ${p.servers.length} VMs`) }));
    await tracker.waitFor('failback replication to reach Differential Sync', () => untilInSync(tenant.name, chosen, 'failback', 'failbackReplication'));

    if (!controls.approvedGates.has(MAINTENANCE_WINDOW_GATE)) {
      controls.waitingGate = MAINTENANCE_WINDOW_GATE;
      const opens = input.maintenanceWindowStart ? Date.parse(input.maintenanceWindowStart) : null;
      const what = opens === null ? 'approval of the maintenance window' : `the maintenance window at ${input.maintenanceWindowStart} (or an approval)`;
      const opened = () => controls.approvedGates.has(MAINTENANCE_WINDOW_GATE) || controls.aborted !== null;
      await tracker.waitFor(what, async () => {
        if (opens === null) await condition(opened);
        else if (opens > Date.now()) await condition(opened, opens - Date.now());
      });
      controls.waitingGate = null;
    }
    if (controls.aborted) throw ApplicationFailure.nonRetryable(`${controls.aborted} before the DR VMs stopped; they still run at ${tenant.drSite}`, 'FailbackAborted');

    const planVms = new Map(facts.vms.map((v) => [v.name, v]));
    stopped = true;
    const quiesce = { outageStartedAt: new Date().toISOString() };
    const tag = `failback-${workflowInfo().runId.slice(0, 8)}`;
    await tracker.step('quiesce: final tag and DR VMs powered off', () =>
      untilAllDone('quiesce', chosen, (vms) =>
        jobs.quiesceDrVms({ tenant: tenant.name, primarySite: tenant.primarySite, drSite: tenant.drSite, vms, tag, idempotencyPrefix: `${id}:quiesce` }),
      ),
    (q) => ({ tag, poweredOff: q.filter((v) => v.poweredOff).length }));
    // Nothing written at the DR site is lost: each VM is recovered to its final tag, once that has replicated.
    let finalPoints: Map<string, RecoveryTarget['point']> | null = null;
    if (patched(FINAL_TAG_REPLICATED)) {
      const replicated = await tracker.step('final tag replicated to the primary', () => jobs.awaitFinalTag({ tenant: tenant.name, vms: chosen, tag, direction: 'failback' }), (r) => ({ tag, vms: r.length }));
      finalPoints = new Map(replicated.map((r) => [r.vm, { kind: 'tag', tag: r.tag, at: r.at }]));
    }
    const primary = Object.fromEntries((await tracker.step('primary identities', () =>
      untilAllDone('primary identities', chosen.map((n) => ({ name: n, fqdn: planVms.get(n)!.fqdn, primaryIps: planVms.get(n)!.primaryIps })), (vms) =>
        jobs.loadPrimaryIdentities({ tenant: tenant.name, primarySite: tenant.primarySite, vms }),
      ),
    )).map((p) => [p.vm, p]));

    const compiled = compilePlan(restrictPlan(facts.plan.spec, chosen), chosen.map((n) => planVms.get(n)!), facts.plan.caps);
    if (!compiled.ok) throw ApplicationFailure.nonRetryable(`recovery plan ${facts.plan.name} no longer compiles: ${compiled.problems.map((p) => p.message).join('; ')}`);
    schedule = compiled.schedule;
    // The outage runs from the DR power-off: the RTO clock, the forecast and the ETA count from there.
    const forecast = forecastRecovery(schedule);
    const rtoDeadline = new Date(Date.parse(quiesce.outageStartedAt) + tenant.rtoMinutes * 60_000).toISOString();
    tracker.setProgress({
      stages: schedule.stages.map((s) => ({ index: s.index, group: s.group, vms: s.vms.length, status: 'pending', approvalRequired: s.approvalRequired })),
      rto: { targetMinutes: tenant.rtoMinutes, startedAt: quiesce.outageStartedAt, deadline: rtoDeadline },
      forecast: { lowerBoundSeconds: forecast.lowerBound, estimatedMakespanSeconds: forecast.estimatedMakespan, stepDurations: RECOVERY_STEP_DURATIONS },
      eta: new Date(Date.now() + forecast.estimatedMakespan * 1000).toISOString(),
    });
    for (const vm of schedule.vms) outcomes[vm.vm] = { status: 'pending', attempts: 0 };
    // Every wave's VMs stay in view (the API overlays the running wave's live ones).
    tracker.setProgress({ vms: outcomes });
    const drIpsOf = (f: FailoverVmFacts) => f.drIps ?? [];
    const stageFacts = (vms: ScheduledVm[]): Record<string, StageVmFacts> =>
      Object.fromEntries(vms.map((v) => {
        const f = planVms.get(v.vm)!;
        // Back to the primary identity; DNS and firewall rules stop naming the DR addresses.
        return [v.vm, { fqdn: f.fqdn, primaryIps: drIpsOf(f), probes: f.probes, hostname: primary[v.vm].hostname, nics: primary[v.vm].nics, point: finalPoints?.get(v.vm) ?? { kind: 'latest-time', at: quiesce.outageStartedAt } }];
      }));

    await runWaves({
      kind: 'failback', operationId: id, tenant, planId: facts.plan.id, schedule, outcomes, controls, tracker, facts: stageFacts, forecast,
      afterWave: () => tracker.publish(),
    });

    const back = schedule.vms.filter((v) => outcomes[v.vm].status === 'recovered').map((v) => v.vm);
    let fixup: FixupReport | null = null;
    if (!controls.aborted && back.length > 0) {
      const fixupInput: FixupInput = {
        tenantId: tenant.id,
        direction: 'failback',
        ...(back.length < atDr.vms.length ? { othersStayAtDr: true } : {}),
        ...(formerPrimarySite ? { formerPrimarySite } : {}),
        identities: back.map((vm) => {
          const f = planVms.get(vm)!;
          return { vm, role: f.role, from: { hostname: f.fqdn, ips: drIpsOf(f) }, to: { hostname: primary[vm].hostname, ips: primary[vm].nics.map((n) => n.ip) } };
        }),
        request: input.request,
      };
      fixup = await tracker.step('management fix-up (failback)', () =>
        executeChild<(i: FixupInput) => Promise<FixupReport>>(MANAGEMENT_FIXUP_WORKFLOW, { workflowId: workflowIds.child(id, 'fixup'), args: [fixupInput] }),
      (r) => ({ manageable: r.manageable, services: r.services.map((s) => `${s.kind}: ${s.outcome}`) }));
    }

    const validation = await tracker.step('validation at the primary', () =>
      validateRecovered(systems.validateRecoveredVms, {
        tenant: tenant.name, drSite: tenant.primarySite,
        vms: back.map((vm) => ({ name: vm, vmId: outcomes[vm].vmId as string, fqdn: planVms.get(vm)!.fqdn, drIps: primary[vm].nics.map((n) => n.ip) })),
      }),
    (v) => v);
    const released = await tracker.step('release DR resources', () => releaseDr(tenant, back, `${id}:release`), (r) => r);
    let reprotected: ReplicationProgress;
    if (newSite) {
      // The failback plans have done their work (the VMs run at the new site); InMage drops them before the new
      // site's own forward protection is built.
      await tracker.step('remove failback protection', async () => {
        for (const p of failbackProtection) await jobs.deleteProtectionPlan({ tenant: tenant.name, planId: p.id, name: p.name, idempotencyKey: `${id}:deleteFailbackPlan:${p.name}` });
        return jobs.removeFailbackControlServers({ tenant: tenant.name, idempotencyPrefix: `${id}:removeControlServers` });
      }, (r) => ({ plans: failbackProtection.map((p) => p.name), ...r }));
      const onboardingId = workflowIds.child(id, 'onboarding');
      tracker.setProgress({ forwardProtection: { workflowId: onboardingId, from: tenant.primarySite } });
      await tracker.step(`forward protection from ${tenant.primarySite} (onboarding)`, () =>
        executeChild<(i: OnboardingInput) => Promise<OnboardingResult>>(ONBOARDING_WORKFLOW, {
          workflowId: onboardingId,
          args: [{ tenantId: tenant.id, request: input.request, statusPollSeconds: input.statusPollSeconds, vpnPeer: input.vpnPeer, newPrimarySite: { site: tenant.primarySite, vms: back, ...(claim.holder ? { claimedBy: claim.holder } : {}) } }],
          typedSearchAttributes: [
            { key: searchAttributes.tenantId, value: tenant.id },
            { key: searchAttributes.operationKind, value: 'onboarding' },
            { key: searchAttributes.siteId, value: tenant.drSiteId },
          ],
        }),
      (r) => ({ workflowId: onboardingId, ...r }));
      reprotected = await tracker.waitFor('forward replication to reach Differential Sync', () => untilInSync(tenant.name, back, 'forward', 'forwardReplication'));
    } else {
      await tracker.step('resume forward protection', () =>
        untilAllDone('resume forward protection', back, (vms) => jobs.resumeForwardProtection({ tenant: tenant.name, vms, idempotencyPrefix: `${id}:reprotect` })),
      (r) => ({ resumed: r.length }));
      reprotected = await tracker.waitFor('forward replication to reach Differential Sync', () => untilInSync(tenant.name, back, 'forward', 'forwardReplication'));
      // Several InMage calls in one activity: retried until done, not given up after quickCall's ten attempts.
      await tracker.step('remove failback control servers', () => jobs.removeFailbackControlServers({ tenant: tenant.name, idempotencyPrefix: `${id}:removeControlServers` }), (r) => r);
      // Operations recorded before this step existed left the records as the failover wrote them.
      if (patched('record-forward-protection')) {
        await tracker.step('record protection per VM', () => systems.recordForwardProtection({ tenantId: tenant.id, tenant: tenant.name, vms: back }), (r) => r);
      }
    }

    const healthy = back.map((vm) => outcomes[vm].healthyAt).filter((t): t is string => !!t).map((t) => Date.parse(t));
    const outage = healthy.length > 0
      ? { startedAt: quiesce.outageStartedAt, endedAt: new Date(Math.max(...healthy)).toISOString(), seconds: (Math.max(...healthy) - Date.parse(quiesce.outageStartedAt)) / 1000 }
      : null;
    const by = (s: VmRunStatus) => schedule!.vms.filter((v) => outcomes[v.vm].status === s).map((v) => v.vm);
    const failed = by('failed').map((vm) => ({ vm, reason: outcomes[vm].reason ?? 'failed' }));
    const blocked = by('blocked').map((vm) => ({ vm, reason: outcomes[vm].reason ?? 'blocked' }));
    const result: FailbackResult = {
      tenantId: tenant.id,
      status: controls.aborted ? 'aborted' : failed.length + blocked.length > 0 || back.length < chosen.length ? 'partially-failed-back' : 'failed-back',
      failedBack: back.length,
      failed,
      blocked,
      skipped: by('skipped'),
      notStarted: by('pending'),
      outage,
      reprotected: reprotected.differentialSync,
      drResourcesReleased: released,
      makespanSeconds: (Date.now() - Date.parse(tracker.view.startedAt)) / 1000,
      fixup,
      ...(finalPoints ? dataLossReport(Object.fromEntries(back.map((vm) => [vm, finalPoints!.get(vm)!])), (vm) => finalPoints!.get(vm)!.at) : {}),
    };
    tracker.setProgress({ validation, outage });

    const stillAtDr = atDr.vms.filter((vm) => !back.includes(vm));
    const summary = `Failback ${controls.aborted ? 'aborted' : 'complete'} for ${tenant.name}: ${back.length} VMs back at ${tenant.primarySite}${outage ? ` (outage ${Math.round(outage.seconds)} s)` : ''}, ${stillAtDr.length} still at ${tenant.drSite}`;
    const severity = result.status === 'failed-back' ? 3 : 1;
    if (closesTicketAtEnd()) {
      await tracker.step('notify: failback complete', () => closeOperationTickets(tenant.name, id, summary, severity));
    } else {
      await tracker.step('notify: failback complete', () => systems.notifyTenant({ tenant: tenant.name, summary, severity, idempotencyKey: `${id}:notify:complete` }));
    }
    if (stillAtDr.length === 0) {
      await inventory.emitBillingEvent({ tenantId: tenant.id, operationId: id, event: 'dr-occupancy-stopped', at: new Date().toISOString(), includedDays: 0 });
      await claim.setState('protected', ['failing-back']);
    } else {
      await claim.setState('failed-over', ['failing-back']);
    }
    await claim.release();
    if (stillAtDr.length === 0) await startWatchingProtection(tenant.id, tracker);
    if (controls.aborted) {
      await tracker.fail(new Error(`${controls.aborted}: ${back.length} VMs failed back before the abort`), true);
      return result;
    }
    await tracker.complete(result, [...failed, ...blocked].map((f) => `${f.vm} not failed back (${f.reason})`));
    return result;
  } catch (err) {
    await CancellationScope.nonCancellable(async () => {
      // Before the DR VMs stopped the tenant still runs at the DR site, as before the failback: what the
      // failback did is undone. After, it is half-way: error (see POST /v1/tenants/{id}/reconcile).
      if (!stopped && patched(UNDO_BEFORE_STOP)) {
        tracker.setPhase('undoing');
        const failed = await undo.run(tracker);
        if (failed.length > 0) tracker.setProgress({ undoFailed: failed });
      }
      await claim.setState(stopped ? 'error' : 'failed-over', ['failing-back']).catch(() => undefined);
      await closeTicketsOnFailure(tenantName, id, err);
      await claim.release();
      await tracker.fail(err, isCancellation(err));
    });
    throw err;
  }
}

/** What failback and resume leave behind at the DR site, released: VMs, DR data addresses, drill leftovers. */
export async function releaseDr(
  tenant: { id: string; name: string; drSite: string }, vms: string[], prefix: string,
): Promise<{ vmsDeleted: number; ipsReleased: number; drillSnapshotsDeleted: number }> {
  const deleted = await untilAllDone('delete the DR VMs', vms, (batch) => jobs.deleteDrVms({ tenant: tenant.name, drSite: tenant.drSite, vms: batch, idempotencyPrefix: prefix }));
  const released = await untilAllDone('release DR data addresses', vms, (batch) => jobs.releaseDrDataIps({ tenant: tenant.name, vms: batch, idempotencyPrefix: prefix }));
  await inventory.forgetDrIps({ tenantId: tenant.id, vms: released.filter((r) => r.released).map((r) => r.vm) });
  const drills = await jobs.deleteDrillLeftovers({ tenant: tenant.name, vms, idempotencyPrefix: prefix });
  return { vmsDeleted: deleted.filter((d) => d.deleted).length, ipsReleased: released.filter((r) => r.released).length, drillSnapshotsDeleted: drills.deleted };
}

/** Servers split into failback plans so that no master target holds more than its VMDK limit. */
export function failbackPlans(sized: { vm: string; vmdks: number }[]): { index: number; servers: string[] }[] {
  const plans: { index: number; servers: string[] }[] = [];
  let used = Infinity;
  for (const { vm, vmdks } of [...sized].sort((a, b) => a.vm.localeCompare(b.vm))) {
    if (used + vmdks > FAILBACK_MT_MAX_VMDKS) {
      plans.push({ index: plans.length + 1, servers: [] });
      used = 0;
    }
    plans[plans.length - 1].servers.push(vm);
    used += vmdks;
  }
  return plans;
}

/**
 * The VMs this failback moves: the named ones (each running at the DR site, and none depending on a VM that
 * stays there) or every VM at the DR site.
 */
export function choose(spec: RecoveryPlanSpec, atDr: string[], named?: string[]): string[] {
  if (!named || named.length === 0) {
    if (atDr.length === 0) throw ApplicationFailure.nonRetryable('no VM of this tenant runs at the DR site; nothing to fail back', 'NothingToFailBack');
    return atDr;
  }
  const dr = new Set(atDr);
  const moving = new Set(named);
  const problems = named.filter((vm) => !dr.has(vm)).map((vm) => `${vm} does not run at the DR site`);
  for (const d of spec.dependencies ?? []) {
    if (!moving.has(d.vm)) continue;
    for (const on of d.dependsOn) if (dr.has(on) && !moving.has(on)) problems.push(`${d.vm} depends on ${on}, which stays at the DR site`);
  }
  if (problems.length > 0) throw ApplicationFailure.nonRetryable(`partial failback refused: ${problems.join('; ')}`, 'PartialFailbackRefused', problems);
  return [...named].sort();
}
