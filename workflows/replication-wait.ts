import { continueAsNew, executeChild, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { LifelineActivities } from '../activities';
import type { ReplicationProgress } from '../activities/failback';
import { blockingCall } from './activity-options';
import { progressQuery, workflowIds, type ReplicationWaitInput, type ReplicationWaitResult } from './contracts';
import { childProgressView } from './child-progress';
import { historyTooLong } from './history-limit';
import type { OperationTracker } from './operation-tracker';

const systems = proxyActivities<LifelineActivities>(blockingCall);

/**
 * Waits until every VM's pairs of one direction (failback replication, or forward protection resumed) are in
 * Differential Sync, polling between workflow timers. A resync can take days, so the wait is a child of its
 * failback or resume and continues as new before its history grows too long; `progress` shows the last poll.
 */
export async function replicationWait(input: ReplicationWaitInput): Promise<ReplicationWaitResult> {
  const startedAt = input.carried?.startedAt ?? workflowInfo().startTime.toISOString();
  const runs = (input.carried?.runs ?? 0) + 1;
  let polls = input.carried?.polls ?? 0;
  let replication: ReplicationProgress | null = input.carried?.replication ?? null;
  const what = `${input.direction} replication in Differential Sync`;

  setHandler(progressQuery, () => childProgressView({ kind: input.kind, tenantId: input.tenantId, startedAt, phase: `wait: ${what}`, waitingFor: what, progress: { replication, polls, runs } }));

  for (;;) {
    replication = await systems.getReplicationProgress({ tenant: input.tenant, vms: input.vms, direction: input.direction });
    polls += 1;
    if (replication.differentialSync === replication.total) return { replication, polls, runs };
    await sleep(input.pollSeconds * 1000);
    if (historyTooLong(input.historySoftLimit)) {
      await continueAsNew<typeof replicationWait>({ ...input, carried: { startedAt, polls, runs, replication } });
    }
  }
}

/** Failbacks and resumes started before the wait became a child poll in their own history. */
export const REPLICATION_WAIT_AS_CHILD = 'replication-wait-as-child';

/**
 * The operation's side of the wait: the child's id and the progress key it feeds are in
 * `progress.replicationWait` meanwhile (the API shows the child's last poll under that key), and the final
 * poll is kept under the key once in sync.
 */
export async function waitForReplication(
  tracker: OperationTracker,
  wait: { tenant: string; vms: string[]; direction: 'forward' | 'failback'; pollMs: number; key: string; historySoftLimit?: number },
): Promise<ReplicationProgress> {
  const workflowId = workflowIds.child(workflowInfo().workflowId, `${wait.direction}-replication`);
  tracker.setProgress({ replicationWait: { workflowId, key: wait.key } });
  const r = await executeChild(replicationWait, {
    workflowId,
    args: [{
      tenant: wait.tenant, vms: wait.vms, direction: wait.direction, pollSeconds: wait.pollMs / 1000, kind: tracker.view.kind, tenantId: tracker.view.tenantId,
      ...(wait.historySoftLimit ? { historySoftLimit: wait.historySoftLimit } : {}),
    }],
    typedSearchAttributes: workflowInfo().typedSearchAttributes,
  });
  tracker.setProgress({ replicationWait: null, [wait.key]: r.replication });
  return r.replication;
}
