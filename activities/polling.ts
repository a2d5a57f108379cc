import { Context } from '@temporalio/activity';
import { isFinal } from './clm';

/**
 * Polls an external job from inside an activity until `check` returns a value, heartbeating each round so
 * a dead worker is noticed and a cancelled operation stops polling. The interval grows with the time
 * already waited (5% of it, within bounds): quick jobs are seen quickly, long ones are not hammered.
 */
export async function pollUntil<T>(check: () => Promise<T | undefined>, opts: { minMs?: number; maxMs?: number; what: string }): Promise<T> {
  const started = Date.now();
  const min = opts.minMs ?? 200;
  const max = opts.maxMs ?? 5_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    const waited = Date.now() - started;
    Context.current().heartbeat({ waiting: opts.what, waitedMs: waited });
    await Context.current().sleep(Math.min(max, Math.max(min, waited * 0.05)));
  }
}

/**
 * A read of a job's state inside a poll: a transient failure (a 503, no answer in time) is read again on the
 * next round instead of failing the attempt, which would ask for the job again (and the system keeps no
 * idempotency store). A final failure still ends the poll.
 */
export async function readAgainLater<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (err) {
    if (isFinal(err)) throw err;
    return undefined;
  }
}

/** A read the activity must have before it acts: transient failures are read again, heartbeating, not failed on. */
export function readUntilAnswered<T>(what: string, read: () => Promise<T>): Promise<T> {
  return pollUntil(() => readAgainLater(read), { what, minMs: 500 });
}
