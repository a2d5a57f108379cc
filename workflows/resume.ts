import { ApplicationFailure, CancellationScope, executeChild, isCancellation, patched, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { LifelineActivities } from '../activities';
import { compilePlan } from '../domain/plan-compiler';
import { forecastRecovery, RESTART_STEP_DURATIONS } from '../domain/step-durations';
import { blockingCall, inventoryWrite, longPoll } from './activity-options';
import { untilAllDone } from './batch';
import { FixupInput, FixupReport, MANAGEMENT_FIXUP_WORKFLOW, ResumeInput, ResumeResult, workflowIds } from './contracts';
import { releaseDr } from './failback';
import { closeOperationTickets, closesTicketAtEnd, closeTicketsOnFailure } from './operation-ticket';
import { startWatchingProtection } from './protection-watch';
import { OperationTracker } from './operation-tracker';
import { publishBack } from './publish-back';
import { REPLICATION_WAIT_AS_CHILD, waitForReplication } from './replication-wait';
import { TenantClaim } from './tenant-claim';
import { etaAfter } from './wave-runner';

const inventory = proxyActivities<LifelineActivities>(inventoryWrite);
const systems = proxyActivities<LifelineActivities>(blockingCall);
const jobs = proxyActivities<LifelineActivities>(longPoll);

/** The resume's steps that are its restart waves (`restart wave 2: app`). */
const RESTART_STEP = /^restart wave \d+: /;

/** Resumes started before the per-VM DNS and firewall calls moved into a child that continues as new. */
const PUBLISH_BACK_AS_CHILD = 'publish-back-as-child';

/**
 * Resume (PRODUCT workflow 5, the primary standing): changes made at the DR site since the failover are
 * discarded. The DR VMs stop, InMage resumes the existing forward protection from the primary's images, the
 * primary VMs restart in plan order (a VM unchanged at the DR site simply restarts), DNS, firewall rules and
 * management services point back at the primary, DR resources are released, the DR occupancy clock stops.
 */
export async function resume(input: ResumeInput): Promise<ResumeResult> {
  const tracker = new OperationTracker('resume', input.tenantId, input.request);
  const claim = TenantClaim.own(input.tenantId);
  const id = workflowInfo().workflowId;
  const pollMs = (input.statusPollSeconds ?? 60) * 1000;
  await tracker.publish();
  let stopped = false;
  let tenantName: string | undefined;
  try {
    await claim.take();
    if (input.confirmDataLoss !== true) {
      throw ApplicationFailure.nonRetryable('resume discards every change made at the DR site: confirmDataLoss must be true', 'DataLossNotConfirmed');
    }
    const facts = await tracker.step('load tenant and plan', () => inventory.loadFailoverFacts({ tenantId: input.tenantId, planId: input.planId }));
    const tenant = facts.tenant;
    tenantName = tenant.name;
    const atDr = (await tracker.step('VMs running at the DR site', () => systems.listRecoveredServers({ tenant: tenant.name }), (r) => ({ vms: r.vms.length }))).vms;
    await claim.setState('failing-back', ['failed-over']);
    const all = facts.vms.map((v) => v.name);
    tracker.setProgress({ plan: facts.plan.name, changedAtDrDiscarded: atDr, restarting: all.length });

    await tracker.step('notify: resume beginning', () =>
      systems.notifyTenant({ tenant: tenant.name, summary: `Resume for ${tenant.name}: changes made at ${tenant.drSite} are discarded; ${tenant.primarySite} restarts from its images`, severity: 2, correlationId: id, idempotencyKey: `${id}:notify:begin` }),
    );
    stopped = true;
    // The outage runs from the DR power-off: the RTO clock, the forecast and the ETA count from there.
    const outageStartedAt = new Date().toISOString();
    tracker.setProgress({ rto: { targetMinutes: tenant.rtoMinutes, startedAt: outageStartedAt, deadline: new Date(Date.parse(outageStartedAt) + tenant.rtoMinutes * 60_000).toISOString() } });
    await tracker.step('DR VMs powered off', () =>
      untilAllDone('power off', all, (vms) => jobs.quiesceDrVms({ tenant: tenant.name, primarySite: tenant.primarySite, drSite: tenant.drSite, vms, idempotencyPrefix: `${id}:stop` })),
    (q) => ({ poweredOff: q.filter((v) => v.poweredOff).length }));
    await tracker.step('resume protection from the primary images', () =>
      untilAllDone('resume protection', all, (vms) => jobs.resumeForwardProtection({ tenant: tenant.name, vms, idempotencyPrefix: `${id}:resume` })),
    (r) => ({ resumed: r.filter((v) => !v.alreadyRunning).length, alreadyRunning: r.filter((v) => v.alreadyRunning).length }));

    const compiled = compilePlan(facts.plan.spec, facts.vms, facts.plan.caps);
    if (!compiled.ok) throw ApplicationFailure.nonRetryable(`recovery plan ${facts.plan.name} no longer compiles: ${compiled.problems.map((p) => p.message).join('; ')}`);
    const forecast = forecastRecovery(compiled.schedule, RESTART_STEP_DURATIONS);
    tracker.setProgress({
      forecast: { lowerBoundSeconds: forecast.lowerBound, estimatedMakespanSeconds: forecast.estimatedMakespan, stepDurations: RESTART_STEP_DURATIONS },
      eta: new Date(Date.now() + forecast.estimatedMakespan * 1000).toISOString(),
    });
    for (const stage of compiled.schedule.stages) {
      if (stage.vms.length === 0) continue;
      await tracker.step(`restart wave ${stage.index}: ${stage.group}`, () =>
        untilAllDone(`restart wave ${stage.group}`, stage.vms, (vms) => jobs.restartPrimaryVms({ tenant: tenant.name, primarySite: tenant.primarySite, vms, idempotencyPrefix: `${id}:restart` })),
      (r) => ({ restarted: r.length }));
      tracker.setProgress({ eta: etaAfter(forecast, stage.index, tracker.view.steps, RESTART_STEP) });
    }

    const planVms = new Map(facts.vms.map((v) => [v.name, v]));
    const moved = atDr.filter((vm) => planVms.has(vm));
    await tracker.step('DNS and firewall back to the primary', async () => {
      if (patched(PUBLISH_BACK_AS_CHILD)) {
        const vms = moved.map((vm) => ({ vm, fqdn: planVms.get(vm)!.fqdn, from: planVms.get(vm)!.drIps ?? [], to: planVms.get(vm)!.primaryIps }));
        return publishBack(tracker, { tenant: tenant.name, vms, historySoftLimit: input.publishHistorySoftLimit });
      }
      // Resumes started before the loop became a child called one activity per VM in this history.
      for (const vm of moved) {
        const f = planVms.get(vm)!;
        await systems.publishVm({ tenant: tenant.name, vm, fqdn: f.fqdn, primaryIps: f.drIps ?? [], drIps: f.primaryIps, idempotencyPrefix: `${id}:${vm}` });
      }
      return { vms: moved.length };
    }, (r) => r);
    let fixup: FixupReport | null = null;
    if (moved.length > 0) {
      const fixupInput: FixupInput = {
        tenantId: tenant.id,
        direction: 'failback',
        discardDrChanges: true,
        identities: moved.map((vm) => {
          const f = planVms.get(vm)!;
          return { vm, role: f.role, from: { hostname: f.fqdn, ips: f.drIps ?? [] }, to: { hostname: f.fqdn, ips: f.primaryIps } };
        }),
        request: input.request,
      };
      fixup = await tracker.step('management fix-up (failback)', () =>
        executeChild<(i: FixupInput) => Promise<FixupReport>>(MANAGEMENT_FIXUP_WORKFLOW, { workflowId: workflowIds.child(id, 'fixup'), args: [fixupInput] }),
      (r) => ({ manageable: r.manageable, services: r.services.map((s) => `${s.kind}: ${s.outcome}`) }));
    }

    const released = await tracker.step('release DR resources', () => releaseDr(tenant, all, `${id}:release`), (r) => r);
    const reprotected = await tracker.waitFor('forward replication to reach Differential Sync', async () => {
      if (patched(REPLICATION_WAIT_AS_CHILD)) {
        return waitForReplication(tracker, { tenant: tenant.name, vms: all, direction: 'forward', pollMs, key: 'forwardReplication', historySoftLimit: input.syncWaitHistorySoftLimit });
      }
      // Resumes started before the wait became a child poll in this history.
      for (;;) {
        const p = await systems.getReplicationProgress({ tenant: tenant.name, vms: all, direction: 'forward' });
        tracker.setProgress({ forwardReplication: p });
        if (p.differentialSync === p.total) return p;
        await sleep(pollMs);
      }
    });
    await tracker.step('remove failback control servers', () => jobs.removeFailbackControlServers({ tenant: tenant.name, idempotencyPrefix: `${id}:removeControlServers` }), (r) => r);
    // Operations recorded before this step existed left the records as the failover wrote them.
    if (patched('record-forward-protection')) {
      await tracker.step('record protection per VM', () => systems.recordForwardProtection({ tenantId: tenant.id, tenant: tenant.name, vms: all }), (r) => r);
    }

    const result: ResumeResult = {
      tenantId: tenant.id,
      restarted: all.length,
      reprotected: reprotected.differentialSync,
      drResourcesReleased: released,
      fixup,
      makespanSeconds: (Date.now() - Date.parse(tracker.view.startedAt)) / 1000,
    };
    const summary = `Resume complete for ${tenant.name}: ${all.length} VMs running at ${tenant.primarySite}, protection resumed`;
    if (closesTicketAtEnd()) {
      await tracker.step('notify: resume complete', () => closeOperationTickets(tenant.name, id, summary, 3));
    } else {
      await tracker.step('notify: resume complete', () => systems.notifyTenant({ tenant: tenant.name, summary, severity: 3, idempotencyKey: `${id}:notify:complete` }));
    }
    await inventory.emitBillingEvent({ tenantId: tenant.id, operationId: id, event: 'dr-occupancy-stopped', at: new Date().toISOString(), includedDays: 0 });
    await claim.setState('protected', ['failing-back']);
    await claim.release();
    await startWatchingProtection(tenant.id, tracker);
    await tracker.complete(result);
    return result;
  } catch (err) {
    await CancellationScope.nonCancellable(async () => {
      await claim.setState(stopped ? 'error' : 'failed-over', ['failing-back']).catch(() => undefined);
      await closeTicketsOnFailure(tenantName, id, err);
      await claim.release();
      await tracker.fail(err, isCancellation(err));
    });
    throw err;
  }
}
