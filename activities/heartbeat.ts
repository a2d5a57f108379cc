import { asyncLocalStorage } from '@temporalio/activity';

/** The longest gap between two heartbeats while a call blocks: a quarter of the shortest heartbeat timeout (20 s). */
const MAX_BEAT_MS = 5_000;

/**
 * Waits for a call that blocks for a long time — a vCenter power-on answers after ~45 s, a re-IP after ~30 s,
 * an InMage readiness check after ~20 s — or for a batch of such calls, heartbeating all the while, so the
 * activity's heartbeat timeout notices a dead worker instead of a slow system (and a retry does not send the
 * call again while the first is still running).
 *
 * A cancelled activity (the operation aborted, or its heartbeat lost) still waits for the call's answer,
 * beating, before it reports the cancellation: the call cannot be taken back (like the real system, it finishes
 * what it started), and an operation's undo that started before it answered would miss what it made. Outside
 * an activity (a direct call in a script) there is nobody to report to, and the call is simply awaited.
 */
export async function whileWaiting<T>(what: string, call: () => Promise<T>): Promise<T> {
  const ctx = asyncLocalStorage.getStore();
  if (!ctx) return call();
  const started = Date.now();
  const beat = () => ctx.heartbeat({ waiting: what, waitedMs: Date.now() - started });
  const timeout = ctx.info.heartbeatTimeoutMs;
  const every = Math.min(MAX_BEAT_MS, timeout ? Math.max(100, Math.floor(timeout / 4)) : MAX_BEAT_MS);
  beat();
  const timer = setInterval(beat, every);
  const answer = call();
  try {
    return await Promise.race([answer, ctx.cancelled]);
  } catch (err) {
    if (ctx.cancellationSignal.aborted) await answer.catch(() => undefined);
    throw err;
  } finally {
    clearInterval(timer);
  }
}
