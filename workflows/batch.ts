import { ApplicationFailure, sleep } from '@temporalio/workflow';

/** What a batch activity answers (see `activities/clm.ts` `BatchOutcome`). */
export interface BatchResult<T, R> {
  done: R[];
  retry: T[];
  lastError: string | null;
}

/**
 * Calls a batch activity until every item is done: items that failed transiently are sent again, alone,
 * after a growing workflow timer. One activity per round keeps the history small for thousands of VMs;
 * the items' idempotency keys make a resent item harmless. Gives up after `rounds`.
 */
export async function untilAllDone<T, R>(what: string, items: T[], call: (items: T[]) => Promise<BatchResult<T, R>>, rounds = 12): Promise<R[]> {
  const out: R[] = [];
  let pending = items;
  for (let round = 1; pending.length > 0; round++) {
    const r = await call(pending);
    out.push(...r.done);
    pending = r.retry;
    if (pending.length === 0) break;
    if (round >= rounds) {
      throw ApplicationFailure.nonRetryable(`${what}: ${pending.length} still failing after ${rounds} rounds (${r.lastError ?? 'unknown error'})`, 'BatchIncomplete');
    }
    await sleep(Math.min(60_000, 1_000 * 2 ** (round - 1)));
  }
  return out;
}
