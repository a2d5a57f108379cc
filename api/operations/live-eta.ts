import type { OperationView } from '../../workflows/contracts';

/**
 * The ETA of a running operation as it stands when read. The workflow sets it after each wave, at the pace
 * the waves kept; while the operation is held (its own wait for a pause or a gate, or its running wave paused
 * by an operator or a critical VM's failure) nothing moves toward the end, so the ETA moves with the clock:
 * later by the time held so far. Once a hold ends the workflow has moved it by as much itself.
 */
export function liveEta(view: OperationView, wave: OperationView | null, now = Date.now()): string | undefined {
  const eta = view.progress.eta;
  if (typeof eta !== 'string') return undefined;
  let heldMs = 0;
  let since: number | null = null;
  if (view.status === 'waiting') {
    const waiting = [...view.steps].reverse().find((s) => s.status === 'waiting');
    if (waiting) since = Date.parse(waiting.startedAt);
  } else if (wave) {
    if (typeof wave.progress.pausedMs === 'number') heldMs += wave.progress.pausedMs;
    if (typeof wave.progress.pausedSince === 'string') since = Date.parse(wave.progress.pausedSince);
  }
  const end = Date.parse(eta) + heldMs;
  // Held since `since`: the work left then (none, if the ETA had passed) is still left now.
  return new Date(since === null ? end : now + Math.max(0, end - since)).toISOString();
}
