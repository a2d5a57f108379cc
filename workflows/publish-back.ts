import { continueAsNew, executeChild, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { LifelineActivities } from '../activities';
import { blockingCall } from './activity-options';
import { progressQuery, workflowIds, type PublishBackInput, type PublishBackResult } from './contracts';
import { childProgressView } from './child-progress';
import { historyTooLong } from './history-limit';
import type { OperationTracker } from './operation-tracker';

const systems = proxyActivities<LifelineActivities>(blockingCall);

/**
 * Points DNS and the firewall rules of each VM back from its DR addresses to its primary ones, one activity
 * per VM (each names its own records). A tenant of thousands of VMs would outgrow one history, so this is a
 * child of its resume and continues as new with the VMs still to do.
 */
export async function publishBackVms(input: PublishBackInput): Promise<PublishBackResult> {
  const startedAt = input.carried?.startedAt ?? workflowInfo().startTime.toISOString();
  const runs = (input.carried?.runs ?? 0) + 1;
  let published = input.carried?.published ?? 0;

  setHandler(progressQuery, () => childProgressView({ kind: input.kind, tenantId: input.tenantId, startedAt, phase: 'DNS and firewall back to the primary', waitingFor: null, progress: { published, remaining: input.vms.length, runs } }));

  for (let i = 0; i < input.vms.length; i++) {
    const v = input.vms[i];
    await systems.publishVm({ tenant: input.tenant, vm: v.vm, fqdn: v.fqdn, primaryIps: v.from, drIps: v.to, idempotencyPrefix: `${input.idempotencyPrefix}:${v.vm}` });
    published += 1;
    if (i + 1 < input.vms.length && historyTooLong(input.historySoftLimit)) {
      await continueAsNew<typeof publishBackVms>({ ...input, vms: input.vms.slice(i + 1), carried: { startedAt, published, runs } });
    }
  }
  return { published, runs };
}

/** The resume's side: the child named after the operation, with the operation's idempotency keys. */
export async function publishBack(
  tracker: OperationTracker,
  work: { tenant: string; vms: PublishBackInput['vms']; historySoftLimit?: number },
): Promise<{ vms: number; runs: number }> {
  const id = workflowInfo().workflowId;
  const r = await executeChild(publishBackVms, {
    workflowId: workflowIds.child(id, 'publish-back'),
    args: [{
      tenant: work.tenant, vms: work.vms, idempotencyPrefix: id, kind: tracker.view.kind, tenantId: tracker.view.tenantId,
      ...(work.historySoftLimit ? { historySoftLimit: work.historySoftLimit } : {}),
    }],
    typedSearchAttributes: workflowInfo().typedSearchAttributes,
  });
  return { vms: r.published, runs: r.runs };
}
