import { Context } from '@temporalio/activity';

/**
 * Runs `fn` over the items with at most `limit` calls in flight, heartbeating as items complete: one
 * activity can drive many VMs against a system without serialising their latencies or flooding it.
 */
export async function eachLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
        Context.current().heartbeat({ done: ++done, of: items.length });
      }
    }),
  );
  return out;
}
