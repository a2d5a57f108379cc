/**
 * The simulator's clock and its deferred work.
 *
 * Time is the wall clock plus an offset that `POST /_sim/clock` can push forward, so tests can move the
 * estate hours ahead (retention windows, RPO lag, job completion) without sleeping. Readings never go
 * backwards. Long-running work (CLM tasks, BNA jobs, InMage recoveries) is not driven by timers: each job
 * registers a due time here and is completed lazily, in due order, by `settle()`, which every request
 * calls before it reads or writes state.
 */
export class Clock {
  private offsetMs = 0;
  private last = 0;

  now(): number {
    const t = Date.now() + this.offsetMs;
    this.last = Math.max(this.last, t);
    return this.last;
  }

  iso(): string {
    return new Date(this.now()).toISOString();
  }

  advance(ms: number): void {
    this.offsetMs += Math.max(0, ms);
  }
}

interface Due {
  at: number;
  order: number;
  run: () => void;
}

/** A binary min-heap of deferred completions keyed by due time (ties in submission order). */
export class Scheduler {
  private heap: Due[] = [];
  private order = 0;

  constructor(private readonly clock: Clock) {}

  at(dueAt: number, run: () => void): void {
    this.heap.push({ at: dueAt, order: this.order++, run });
    this.up(this.heap.length - 1);
  }

  /** Runs every completion that is due now. */
  settle(): void {
    const now = this.clock.now();
    while (this.heap.length > 0 && this.heap[0].at <= now) {
      const top = this.pop();
      top.run();
    }
  }

  clear(): void {
    this.heap = [];
  }

  get size(): number {
    return this.heap.length;
  }

  private less(a: Due, b: Due): boolean {
    return a.at < b.at || (a.at === b.at && a.order < b.order);
  }

  private pop(): Due {
    const top = this.heap[0];
    const last = this.heap.pop() as Due;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.down(0);
    }
    return top;
  }

  private up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(this.heap[i], this.heap[p])) return;
      [this.heap[i], this.heap[p]] = [this.heap[p], this.heap[i]];
      i = p;
    }
  }

  private down(i: number): void {
    const n = this.heap.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(this.heap[l], this.heap[m])) m = l;
      if (r < n && this.less(this.heap[r], this.heap[m])) m = r;
      if (m === i) return;
      [this.heap[i], this.heap[m]] = [this.heap[m], this.heap[i]];
      i = m;
    }
  }
}
