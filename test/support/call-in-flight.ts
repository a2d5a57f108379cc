import type { OpEntry, SimControl } from '../clients/estate-fixture';

/** The simulator clock now (ISO), to mark the moment of an abort. */
export async function simNow(control: SimControl): Promise<string> {
  return (await control.request<{ now: string }>('GET', '/_sim/clock')).body.now;
}

/**
 * Waits until the call to `system.op` for `tenant` that was under way at `at` (simulator clock) has answered,
 * and returns its log entry: the estate is read only once that call has landed. Fails when no such call was
 * in flight then, so a test that means to abort during a call cannot pass by aborting before or after it.
 */
export async function callInFlightAt(control: SimControl, q: { system: string; op: string; tenant: string }, at: string, limitMs = 60_000): Promise<OpEntry> {
  for (const deadline = Date.now() + limitMs; Date.now() < deadline; ) {
    const ops = await control.ops({ system: q.system, op: q.op, tenant: q.tenant });
    const hit = ops.find((e) => e.startedAt <= at && at <= e.finishedAt);
    if (hit) return hit;
    await new Promise((r) => setTimeout(r, 100));
  }
  const seen = (await control.ops({ system: q.system, op: q.op, tenant: q.tenant })).map((e) => `${e.outcome} ${e.startedAt}-${e.finishedAt}`);
  throw new Error(`no ${q.system}.${q.op} call for ${q.tenant} was in flight at ${at}; calls: ${seen.join(', ') || 'none'}`);
}
