import { Context } from '@temporalio/activity';

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
