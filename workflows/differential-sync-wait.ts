import { continueAsNew, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { LifelineActivities } from '../activities';
import { quickCall } from './activity-options';
import { childProgressView } from './child-progress';
import { historyTooLong } from './history-limit';
import {
  progressQuery, type DifferentialSyncWaitInput, type DifferentialSyncWaitResult, type ReplicationPollProgress,
} from './contracts';

const act = proxyActivities<LifelineActivities>(quickCall);

/**
 * Waits until every VM's pairs are in Differential Sync, polling replication status between workflow timers
 * (never a busy loop). An initial resync can take days, so the wait is a child of its operation and
 * continues as new before its history grows too long; the `progress` query shows the latest poll meanwhile.
 * Answers each VM's RPO.
 */
export async function differentialSyncWait(input: DifferentialSyncWaitInput): Promise<DifferentialSyncWaitResult> {
  const startedAt = input.carried?.startedAt ?? workflowInfo().startTime.toISOString();
  const runs = (input.carried?.runs ?? 0) + 1;
  let polls = input.carried?.polls ?? 0;
  let replication: ReplicationPollProgress | null = input.carried?.replication ?? null;

  setHandler(progressQuery, () => childProgressView({ kind: input.kind, tenantId: input.tenantId, startedAt, phase: 'wait: every pair in Differential Sync', waitingFor: 'every pair in Differential Sync', progress: { replication, runs } }));

  for (;;) {
    const s = await act.getReplicationStatus({ tenant: input.tenant, vms: input.vms, detail: false });
    polls += 1;
    replication = { vms: s.total, inDifferentialSync: s.differentialSync, pairStates: s.pairStates, minResyncPercent: s.minResyncPercent, polls };
    if (s.differentialSync === s.total) break;
    await sleep(input.pollSeconds * 1000);
    if (historyTooLong(input.historySoftLimit)) {
      await continueAsNew<typeof differentialSyncWait>({ ...input, carried: { startedAt, polls, runs, replication } });
    }
  }
  const detail = await act.getReplicationStatus({ tenant: input.tenant, vms: input.vms, detail: true });
  return { rpo: (detail.vms ?? []).map((v) => ({ vm: v.vm, rpoSeconds: v.rpoSeconds })), replication, runs };
}
