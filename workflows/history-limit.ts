import { workflowInfo } from '@temporalio/workflow';

/** Past this many events a long wait continues as new (Temporal's hard limit is 10,000 and 50 MB). */
export const HISTORY_SOFT_LIMIT = 6_000;

/** Whether this run's history should end here and the wait continue as new. */
export function historyTooLong(softLimit = HISTORY_SOFT_LIMIT): boolean {
  return workflowInfo().historyLength > softLimit || workflowInfo().continueAsNewSuggested;
}
