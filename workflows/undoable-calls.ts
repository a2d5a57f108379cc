import { ActivityCancellationType, patched, proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { LifelineActivities } from '../activities';
import { blockingCall, inventoryWrite, longPoll, quickCall } from './activity-options';

/**
 * Workflow version marker: an abort waits for the calls in flight to answer before the undo starts. Before it,
 * an aborted activity was reported cancelled at once (Temporal's TRY_CANCEL), so a synchronous create still in
 * flight (an ASA context, an address reservation) could land after the undo that looked for it had run.
 */
export const ABORT_WAITS_FOR_CALLS = 'abort-waits-for-calls';

const proxies = (cancellationType?: ActivityOptions['cancellationType']) => {
  const o = (opts: ActivityOptions): ActivityOptions => (cancellationType ? { ...opts, cancellationType } : opts);
  return {
    act: proxyActivities<LifelineActivities>(o(quickCall)),
    /** Calls that block on a slow system (an ASA context, an InMage readiness check or plan removal) and heartbeat while they wait. */
    blocking: proxyActivities<LifelineActivities>(o(blockingCall)),
    waits: proxyActivities<LifelineActivities>(o(longPoll)),
    inv: proxyActivities<LifelineActivities>(o(inventoryWrite)),
  };
};
const awaited = proxies(ActivityCancellationType.WAIT_CANCELLATION_COMPLETED);
const tried = proxies();

/**
 * The activity proxies of an operation that undoes what it built when aborted. Each call, once cancelled,
 * is waited for until its activity ends (`activities/heartbeat.ts` lets a blocking call answer first), so
 * every resource it made exists when the undo looks for it by name.
 */
export function undoableCalls(): typeof awaited {
  return patched(ABORT_WAITS_FOR_CALLS) ? awaited : tried;
}
