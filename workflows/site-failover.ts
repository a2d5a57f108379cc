import { ChildWorkflowHandle, condition, patched, proxyActivities, setHandler, startChild } from '@temporalio/workflow';
import type { LifelineActivities } from '../activities';
import { inventoryWrite, quickCall } from './activity-options';
import {
  abortUpdate, FailoverInput, FailoverResult, OperatorAnswer, searchAttributes, SiteFailoverInput, SiteFailoverResult, SiteTenantStatus, workflowIds,
} from './contracts';
import { waitForDrCapacity } from './dr-capacity-wait';
import { failover } from './failover';
import { errorText, OperationTracker } from './operation-tracker';

const inventory = proxyActivities<LifelineActivities>(inventoryWrite);
const systems = proxyActivities<LifelineActivities>(quickCall);

/** Site failovers started before the re-checks of DR capacity moved into a child that continues as new. */
const CAPACITY_WAIT_AS_CHILD = 'capacity-wait-as-child';

const TIER_RANK: Record<string, number> = { gold: 0, silver: 1, bronze: 2, copper: 3 };

/**
 * A whole primary site has failed: every protected tenant on it fails over (each its own failover
 * operation, listed as usual), higher contract tiers first, within the DR site's shared capacity.
 * Tenants that do not fit wait in order, are reported, and start when a re-check finds room.
 */
export async function siteFailover(input: SiteFailoverInput): Promise<SiteFailoverResult> {
  const tracker = new OperationTracker('site-failover', null, input.request);
  let aborted: string | null = null;
  setHandler(abortUpdate, (a): OperatorAnswer => {
    aborted = `aborted by ${a.by}`;
    return { accepted: true, detail: 'tenants still waiting for capacity will not fail over; running failovers go on' };
  });

  await tracker.publish();
  try {
    const loaded = await tracker.step('load the site\'s tenants', () => inventory.loadSiteTenants({ siteId: input.siteId }));
    const { site } = loaded;
    const tenants = input.onlyTenantIds ? loaded.tenants.filter((t) => input.onlyTenantIds?.includes(t.id)) : loaded.tenants;
    const order = tenants
      .filter((t) => t.state === 'protected' && t.vms > 0)
      .sort((a, b) => (TIER_RANK[a.tier] ?? 9) - (TIER_RANK[b.tier] ?? 9) || (a.name < b.name ? -1 : 1));
    const status: SiteTenantStatus[] = order.map((t) => ({ tenantId: t.id, name: t.name, tier: t.tier, vms: t.vms, status: 'waiting-for-capacity' }));
    for (const t of tenants.filter((x) => !order.includes(x))) {
      status.push({ tenantId: t.id, name: t.name, tier: t.tier, vms: t.vms, status: 'not-started', reason: t.vms === 0 ? 'no VMs' : `tenant is ${t.state}` });
    }
    tracker.setProgress({ site: site.name, tenants: status });
    const totalVms = order.reduce((s, t) => s + t.vms, 0);
    const running = new Map<string, Promise<FailoverResult>>();
    const settled = new Set<string>();
    let changed = false;

    // Capacity admitted so far per DR site, on top of what the site reported free at the start.
    const budget = new Map<string, { vcpu: number | null; memoryGb: number | null }>();
    const admit = async () => {
      for (const t of order) {
        const s = status.find((x) => x.tenantId === t.id)!;
        if (s.status !== 'waiting-for-capacity') continue;
        if (!budget.has(t.drSite)) {
          const c = await systems.drSiteCapacity({ site: t.drSite });
          budget.set(t.drSite, { vcpu: c.freeVcpu, memoryGb: c.freeMemoryGb });
        }
        const b = budget.get(t.drSite)!;
        const memoryGb = Math.ceil(t.memoryMb / 1024);
        const fits = (b.vcpu === null || b.vcpu >= t.vcpu) && (b.memoryGb === null || b.memoryGb >= memoryGb);
        if (!fits) {
          s.reason = `needs ${t.vcpu} vCPU / ${memoryGb} GB; DR site ${t.drSite} has ${b.vcpu ?? '∞'} vCPU / ${b.memoryGb ?? '∞'} GB left`;
          // Strict tier order: a lower tier never jumps ahead of a waiting higher one.
          break;
        }
        if (b.vcpu !== null) b.vcpu -= t.vcpu;
        if (b.memoryGb !== null) b.memoryGb -= memoryGb;
        const share = input.perSiteCap ? Math.max(1, Math.floor((input.perSiteCap * t.vms) / totalVms)) : undefined;
        const childInput: FailoverInput = {
          tenantId: t.id,
          recoveryPoint: input.recoveryPoint,
          mode: 'disaster',
          request: { requestedBy: input.request.requestedBy, requestId: `${input.request.requestId}` },
          ...(share ? { perSiteCap: share } : {}),
          ...(input.stepDurations ? { stepDurations: input.stepDurations } : {}),
        };
        const childId = workflowIds.operation('failover', t.id, `site-${input.request.requestId}`);
        const handle: ChildWorkflowHandle<typeof failover> = await startChild(failover, {
          workflowId: childId,
          args: [childInput],
          typedSearchAttributes: [
            { key: searchAttributes.tenantId, value: t.id },
            { key: searchAttributes.operationKind, value: 'failover' },
            { key: searchAttributes.siteId, value: t.drSiteId },
          ],
        });
        s.status = 'failing-over';
        s.operationId = childId;
        delete s.reason;
        // One promise, its failure handled here: a failover that fails (e.g. its tenant held by another
        // operation) is that tenant's outcome, not an unhandled rejection that fails the site failover's task.
        const result = handle.result();
        running.set(t.id, result);
        result.then(
          (r) => {
            s.status = r.status === 'aborted' ? 'aborted' : r.status;
            settled.add(t.id);
            changed = true;
          },
          (err: unknown) => {
            s.status = 'failed';
            s.reason = errorText(err);
            settled.add(t.id);
            changed = true;
          },
        );
      }
      tracker.setProgress({ tenants: status });
    };

    await tracker.step('admit tenants by tier within DR capacity', admit, () => ({
      admitted: status.filter((s) => s.status === 'failing-over').map((s) => s.name),
      waiting: status.filter((s) => s.status === 'waiting-for-capacity').map((s) => s.name),
    }));
    await tracker.publish();

    const waiting = () => status.filter((s) => s.status === 'waiting-for-capacity');
    let capacityWaits = 0;
    while (settled.size < running.size || (waiting().length > 0 && !aborted)) {
      const before = waiting().length;
      const recheck = waiting().length > 0 && settled.size === running.size;
      if (recheck) tracker.view.status = 'waiting';
      tracker.view.waitingFor = recheck ? `DR capacity for ${waiting().map((s) => s.name).join(', ')}` : null;
      if (recheck && patched(CAPACITY_WAIT_AS_CHILD)) {
        const next = order.find((t) => t.id === waiting()[0].tenantId)!;
        await waitForDrCapacity({
          site: next.drSite, tenant: next.name, vcpu: next.vcpu, memoryGb: Math.ceil(next.memoryMb / 1024), recheckSeconds: input.recheckSeconds ?? 300,
          ...(input.capacityWaitHistorySoftLimit ? { historySoftLimit: input.capacityWaitHistorySoftLimit } : {}),
        }, ++capacityWaits, () => aborted !== null);
      } else if (recheck) await condition(() => changed || aborted !== null, (input.recheckSeconds ?? 300) * 1000);
      else await condition(() => changed || aborted !== null);
      tracker.view.status = 'running';
      changed = false;
      // Re-read capacity only when no admitted failover is still taking it, so nothing is counted twice.
      if (!aborted && waiting().length > 0 && settled.size === running.size) {
        budget.clear();
        await admit();
        if (waiting().length !== before) await tracker.publish();
      }
    }
    for (const s of waiting()) {
      s.status = 'not-started';
      s.reason = `${aborted}; ${s.reason ?? 'waiting for DR capacity'}`;
    }
    const result: SiteFailoverResult = { siteId: input.siteId, tenants: status };
    tracker.setProgress({ tenants: status });
    await tracker.complete(result);
    return result;
  } catch (err) {
    await tracker.fail(err);
    throw err;
  }
}
