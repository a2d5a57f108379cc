import { ApplicationFailure, CancellationScope, isCancellation, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { LifelineActivities } from '../activities';
import { fixupStages, PARTIAL_FAILBACK_CAPTURE, type FixupServicePlan, type ManagementServiceKind } from '../domain/fixup-plan';
import { serviceScript, serviceSweep } from './activity-options';
import type { FixupInput, FixupReport, FixupServiceReport } from './contracts';
import { errorText, OperationTracker } from './operation-tracker';
import { TenantClaim } from './tenant-claim';

const { loadFixupContext, captureManagementMetadata } = proxyActivities<LifelineActivities>(serviceSweep);

const { restoreManagementService } = proxyActivities<LifelineActivities>(serviceScript);

/**
 * Management fix-up (restoration of manageability; patent FIG. 6-10, TSM/BCRS slides): per management
 * service, in the tenant's restore priority, the failover or failback script, each verified, and a
 * manageability report per VM and service. Services of one stage run in parallel; a failed service holds
 * back only the services that depend on it.
 *
 * Run as a child of failover or failback (identities given; no operation row, no tenant state), or as the
 * top-level `fixup` operation (identities from the inventory; `services` re-runs only those, e.g. after a
 * manual repair). A top-level run fails when a service the tenant's policy requires is not restored.
 */
export async function managementFixup(input: FixupInput): Promise<FixupReport> {
  const info = workflowInfo();
  const topLevel = info.parent === undefined;
  const tracker = new OperationTracker('fixup', input.tenantId, input.request);
  // As a child the fix-up works under its parent's claim on the tenant; on its own it holds the tenant.
  const claim = topLevel ? TenantClaim.own(input.tenantId) : TenantClaim.inherited(input.tenantId, undefined);
  try {
    if (topLevel) await tracker.publish();
    await claim.take();
    // The identities are stored once under this run's id: the per-service activities get the key, not the list
    // (a run loaded before that carries the identities in its context, and passes them on as it did).
    const { services: plans, vms: names, ...context } = await tracker.step(
      'load tenant context',
      () => loadFixupContext({ tenantId: input.tenantId, direction: input.direction, identities: input.identities, services: input.services, runKey: `${info.workflowId}/${info.runId}`, ...(input.discardDrChanges ? { discardDrChanges: true } : {}),
        ...(input.formerPrimarySite ? { formerPrimarySite: input.formerPrimarySite } : {}) }),
      (c) => ({ direction: c.direction, vms: (c.vms ?? c.identities ?? []).length, services: c.services.map((s) => s.kind), snapshotVersion: c.snapshotVersion }),
    );
    const vms = names ?? (context.identities ?? []).map((c) => c.vm);
    tracker.setProgress({ direction: context.direction, vms: vms.length, metadataVersion: context.snapshotVersion, services: {} });

    const reports = new Map<ManagementServiceKind, FixupServiceReport>();
    const notRestored = new Set<ManagementServiceKind>();
    const runService = async (plan: FixupServicePlan): Promise<void> => {
      const blockedBy = plan.dependsOn.filter((d) => notRestored.has(d));
      if (blockedBy.length > 0) {
        const reason = `not run: ${blockedBy.join(', ')} not restored`;
        tracker.skip(`restore ${plan.kind}`, reason);
        notRestored.add(plan.kind);
        reports.set(plan.kind, skipped(plan.kind, vms, reason));
        return;
      }
      const startedAt = new Date().toISOString();
      let report: FixupServiceReport | undefined;
      try {
        await tracker.step(
          `restore ${plan.kind}`,
          async () => {
            const result = await restoreManagementService({ context, kind: plan.kind, keyBase: `${info.workflowId}:${plan.kind}`, attempts: serviceScript.retry?.maximumAttempts });
            report = result.report;
            if (report.outcome === 'failed') throw ApplicationFailure.nonRetryable(report.error ?? `${plan.kind} not restored`, 'NotRestored');
            return result;
          },
          (r) => ({ outcome: r.report.outcome, changes: r.changes, ...(r.merge ? { merge: r.merge } : {}) }),
        );
      } catch (err) {
        if (isCancellation(err)) throw err;
        report ??= failed(plan.kind, startedAt, vms, errorText(err));
      }
      const final = report as FixupServiceReport;
      reports.set(plan.kind, final);
      if (final.outcome === 'failed') notRestored.add(plan.kind);
      tracker.setProgress({ services: Object.fromEntries([...reports].map(([k, r]) => [k, r.outcome])) });
    };

    for (const stage of fixupStages(plans)) {
      await Promise.all(stage.kinds.map((kind) => runService(plans.find((p) => p.kind === kind) as FixupServicePlan)));
    }

    const services = plans.map((p) => reports.get(p.kind) as FixupServiceReport);
    const required = new Set(plans.filter((p) => p.required).map((p) => p.kind));
    // The tenant's policy decides: a service it does not require may stay broken at hand-back.
    const blocking = services.filter((s) => required.has(s.kind as ManagementServiceKind) && notRestored.has(s.kind as ManagementServiceKind));
    const report: FixupReport = { tenantId: input.tenantId, direction: context.direction, services, manageable: blocking.length === 0 };

    // The state the fix-up left becomes a version too: the DR baseline that failback merges against, or the
    // primary side's new starting point. A re-run of some services keeps the DR period's first baseline.
    if (!input.services || input.services.length === 0) {
      try {
        await tracker.step(
          context.direction === 'failover' ? 'capture DR baseline metadata' : 'capture primary metadata',
          () =>
            captureManagementMetadata({
              tenantId: input.tenantId,
              side: context.direction === 'failover' ? 'dr' : 'primary',
              reason: context.direction === 'failover' ? 'post-failover-fixup' : input.othersStayAtDr ? PARTIAL_FAILBACK_CAPTURE : 'post-failback-fixup',
              captureKey: `${info.workflowId}:capture`,
              basedOnVersion: context.direction === 'failover' ? context.snapshotVersion : null,
            }),
          (c) => ({ version: c.version }),
        );
      } catch (err) {
        if (isCancellation(err)) throw err;
      }
    }

    if (topLevel) {
      await claim.release();
      tracker.view.result = report;
      if (!report.manageable) {
        const why = `not manageable: ${blocking.map((s) => `${s.kind} (${s.error ?? s.outcome})`).join('; ')}`;
        await tracker.fail(why);
        throw ApplicationFailure.nonRetryable(why, 'NotManageable', report);
      }
      await tracker.complete(report);
    }
    return report;
  } catch (err) {
    if (topLevel && tracker.view.closedAt === null) {
      await CancellationScope.nonCancellable(async () => {
        await claim.release();
        await tracker.fail(err, isCancellation(err));
      });
    }
    throw err;
  }
}

function skipped(kind: string, vms: string[], reason: string): FixupServiceReport {
  const at = new Date().toISOString();
  return { kind, outcome: 'skipped', startedAt: at, finishedAt: at, error: reason, vms: vms.map((vm) => ({ vm, outcome: 'skipped', reason })) };
}

function failed(kind: string, startedAt: string, vms: string[], reason: string): FixupServiceReport {
  return { kind, outcome: 'failed', startedAt, finishedAt: new Date().toISOString(), error: reason, vms: vms.map((vm) => ({ vm, outcome: 'failed', reason })) };
}
