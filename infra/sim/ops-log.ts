/**
 * The ordered log of side-effecting calls (a contract, see PRODUCT.md "The simulated provider estate").
 *
 * An entry is appended when a call finishes, so `seq` order is completion order and `at` equals
 * `finishedAt`. Outcomes:
 * - `ok`       the side effect was done (2xx);
 * - `error`    the system refused it (4xx/5xx from its own rules: not found, already exists, limits...);
 * - `fault`    an injected fault answered instead of the system (nothing was done);
 * - `timeout`  an injected timeout: the request was held and never answered (nothing was done);
 * - `replayed` a repeat of an earlier successful call with the same Idempotency-Key: the stored response
 *              was returned and nothing was done again.
 * So "no side effect done twice" is: at most one `ok` entry per idempotency key.
 * A fault with `lostResponse` does the work (logged `ok`) and then answers the client with the fault.
 * seq is the 1-based array position, so `since` is a slice, not a scan.
 */
export type Outcome = 'ok' | 'error' | 'fault' | 'timeout' | 'replayed';

export interface OpEntry {
  seq: number;
  at: string;
  system: string;
  op: string;
  tenant: string | null;
  target: string | null;
  idempotencyKey: string | null;
  outcome: Outcome;
  status: number;
  startedAt: string;
  finishedAt: string;
  /** Error code or fault id when the outcome is not ok. */
  detail?: string;
}

export interface OpsQuery {
  system?: string;
  op?: string;
  tenant?: string;
  target?: string;
  outcome?: string;
  since?: number;
  limit?: number;
}

export class OpsLog {
  private entries: OpEntry[] = [];

  append(entry: Omit<OpEntry, 'seq' | 'at'>): OpEntry {
    const full: OpEntry = { seq: this.entries.length + 1, at: entry.finishedAt, ...entry };
    this.entries.push(full);
    return full;
  }

  /** `op` may be given bare (`powerOn`) or qualified (`compute.powerOn`). */
  query(q: OpsQuery): OpEntry[] {
    let op = q.op;
    let system = q.system;
    if (op && op.includes('.') && !system) {
      const dot = op.indexOf('.');
      system = op.slice(0, dot);
      op = op.slice(dot + 1);
    } else if (op && system && op.startsWith(`${system}.`)) {
      op = op.slice(system.length + 1);
    }
    const start = Math.max(0, Math.min(this.entries.length, Math.floor(q.since ?? 0)));
    const limit = q.limit && q.limit > 0 ? q.limit : Infinity;
    const out: OpEntry[] = [];
    for (let i = start; i < this.entries.length && out.length < limit; i++) {
      const e = this.entries[i];
      if (system && e.system !== system) continue;
      if (op && e.op !== op) continue;
      if (q.tenant && e.tenant !== q.tenant) continue;
      if (q.target && e.target !== q.target) continue;
      if (q.outcome && e.outcome !== q.outcome) continue;
      out.push(e);
    }
    return out;
  }

  get lastSeq(): number {
    return this.entries.length;
  }

  clear(): void {
    this.entries = [];
  }
}
