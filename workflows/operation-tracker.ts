import { proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { LifelineActivities } from '../activities';
import type { OperationKind } from '../domain/lifecycle';
import { inventoryWrite } from './activity-options';
import { OperationRequest, OperationStep, OperationView, progressQuery } from './contracts';

const { recordOperation } = proxyActivities<LifelineActivities>(inventoryWrite);

/**
 * The live record of one operation: its steps with timings and errors, what it waits for, its progress.
 * Answers the `progress` query at any moment, and projects itself into the inventory (for listing) when
 * its status changes and when it ends. Temporal stays the source of truth; the projection may lag.
 */
export class OperationTracker {
  readonly view: OperationView;

  constructor(
    kind: OperationKind,
    tenantId: string | null,
    private readonly request: OperationRequest,
  ) {
    const info = workflowInfo();
    this.view = {
      id: info.workflowId,
      kind,
      tenantId,
      status: 'running',
      phase: 'starting',
      waitingFor: null,
      startedAt: info.startTime.toISOString(),
      closedAt: null,
      steps: [],
      progress: {},
      error: null,
      result: null,
    };
    setHandler(progressQuery, () => this.view);
  }

  /** The background write in flight, if any (see `publishInBackground`). */
  private background: Promise<void> | null = null;
  private backgroundQueued = false;

  /** Writes the projection (an idempotent upsert keyed by the workflow id), after any background write. */
  async publish(): Promise<void> {
    await this.settled();
    await recordOperation({ view: this.view, request: this.request });
  }

  /**
   * Writes the projection without holding up the workflow (e.g. while the next wave starts). Writes stay in
   * order, and one queued behind another carries the latest view, so the projection never goes back.
   */
  publishInBackground(): void {
    if (this.backgroundQueued) return;
    this.backgroundQueued = true;
    const previous = this.background ?? Promise.resolve();
    this.background = previous.then(async () => {
      this.backgroundQueued = false;
      await recordOperation({ view: this.view, request: this.request });
    });
    // Handled: `settled` (or the next `publish`) raises it.
    this.background.catch(() => undefined);
  }

  /** Waits for background writes; a write that failed after its retries fails here. */
  async settled(): Promise<void> {
    const pending = this.background;
    if (!pending) return;
    await pending.finally(() => {
      if (this.background === pending) this.background = null;
    });
  }

  setPhase(phase: string): void {
    this.view.phase = phase;
  }

  setProgress(patch: Record<string, unknown>): void {
    Object.assign(this.view.progress, patch);
  }

  /** Runs one named step, recording when it started and ended and why it failed. */
  async step<T>(name: string, run: () => Promise<T>, detail?: (result: T) => Record<string, unknown>): Promise<T> {
    const step: OperationStep = { name, status: 'running', startedAt: new Date().toISOString() };
    this.view.steps.push(step);
    this.view.phase = name;
    try {
      const result = await run();
      this.finish(step, 'completed');
      if (detail) step.detail = detail(result);
      return result;
    } catch (err) {
      this.finish(step, 'failed');
      step.error = errorText(err);
      throw err;
    }
  }

  /** Records a step that was not needed, and why. */
  skip(name: string, reason: string): void {
    const at = new Date().toISOString();
    this.view.steps.push({ name, status: 'skipped', startedAt: at, finishedAt: at, durationMs: 0, detail: { reason } });
  }

  /** Waits for something outside the workflow (an approval, a job), showing `waiting` meanwhile. */
  async waitFor<T>(what: string, wait: () => Promise<T>): Promise<T> {
    const step: OperationStep = { name: `wait: ${what}`, status: 'waiting', startedAt: new Date().toISOString() };
    this.view.steps.push(step);
    const phase = this.view.phase;
    this.view.status = 'waiting';
    this.view.waitingFor = what;
    this.view.phase = step.name;
    await this.publish();
    try {
      const result = await wait();
      this.finish(step, 'completed');
      return result;
    } catch (err) {
      this.finish(step, 'failed');
      step.error = errorText(err);
      throw err;
    } finally {
      this.view.status = 'running';
      this.view.waitingFor = null;
      this.view.phase = phase;
      this.delayEta(step.startedAt);
      await this.publish();
    }
  }

  /**
   * Nothing moved toward the end since `since` (a wait): the work that was left then is left now. (The API
   * moves the ETA with the clock while the wait lasts: `api/operations/live-eta.ts`.)
   */
  private delayEta(since: string): void {
    const eta = this.view.progress.eta;
    if (typeof eta !== 'string') return;
    this.view.progress.eta = new Date(Date.now() + Math.max(0, Date.parse(eta) - Date.parse(since))).toISOString();
  }

  /** Marks the undo of a step done by compensation. */
  compensated(name: string, error?: unknown): void {
    const at = new Date().toISOString();
    this.view.steps.push({ name: `undo: ${name}`, status: error ? 'failed' : 'compensated', startedAt: at, finishedAt: at, ...(error ? { error: errorText(error) } : {}) });
  }

  /**
   * Ends the operation as completed. `failures` (e.g. the VMs a partial failover did not recover) makes its
   * outcome `completed-with-failures`, with the failures as its error; the status stays `completed`.
   */
  async complete(result: unknown, failures?: string[]): Promise<void> {
    const partial = failures !== undefined && failures.length > 0;
    this.close('completed', partial ? failures.join('; ') : null);
    this.view.progress.outcome = partial ? 'completed-with-failures' : 'completed';
    this.view.result = result;
    await this.publish();
  }

  async fail(err: unknown, cancelled = false): Promise<void> {
    this.close(cancelled ? 'cancelled' : 'failed', errorText(err));
    await this.publish();
  }

  private close(status: 'completed' | 'failed' | 'cancelled', error: string | null): void {
    this.view.status = status;
    this.view.error = error;
    this.view.waitingFor = null;
    this.view.phase = status;
    this.view.closedAt = new Date().toISOString();
  }

  private finish(step: OperationStep, status: OperationStep['status']): void {
    step.status = status;
    step.finishedAt = new Date().toISOString();
    step.durationMs = Date.parse(step.finishedAt) - Date.parse(step.startedAt);
  }
}

/** The message an operator should read: the innermost cause of an activity or child failure. */
export function errorText(err: unknown): string {
  let e: unknown = err;
  while (e && typeof e === 'object' && 'cause' in e && (e as { cause?: unknown }).cause) e = (e as { cause: unknown }).cause;
  return e instanceof Error ? e.message : String(e);
}
