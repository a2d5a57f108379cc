import { CancellationScope } from '@temporalio/workflow';
import type { OperationTracker } from './operation-tracker';

/**
 * A stack of undo steps, pushed as each side effect succeeds and run in reverse when the operation fails
 * or is aborted. Runs in a non-cancellable scope so an abort cannot interrupt its own clean-up; a failing
 * undo is recorded and the rest still run, so as little as possible is left behind.
 */
export class Compensations {
  private readonly stack: { name: string; undo: () => Promise<unknown> }[] = [];

  add(name: string, undo: () => Promise<unknown>): void {
    this.stack.push({ name, undo });
  }

  get size(): number {
    return this.stack.length;
  }

  /** Runs every undo, newest first; returns the names of the undos that failed. */
  async run(tracker?: OperationTracker): Promise<string[]> {
    const failed: string[] = [];
    await CancellationScope.nonCancellable(async () => {
      while (this.stack.length > 0) {
        const { name, undo } = this.stack.pop()!;
        try {
          await undo();
          tracker?.compensated(name);
        } catch (err) {
          failed.push(name);
          tracker?.compensated(name, err);
        }
      }
    });
    return failed;
  }
}
