import { Random } from './random';

/**
 * Fault injection (the `POST /_sim/faults` contract, fields may be added).
 *
 * A rule matches calls by system, op (omitted or "*" = every op of the system), and optionally the target
 * (a VM name or resource id) and tenant. Each matching call fires the rule with probability `rate`
 * (seeded, so reproducible); `times` caps how often it fires, after which the rule disappears. When it
 * fires:
 * - `latencyMs` is added to the response time (wall-clock ms, not scaled);
 * - `timeout` holds the request and never answers (nothing is done);
 * - `stuck` makes a job-based operation accept the job and never finish it (CLM task, BNA job, InMage
 *   resync/recovery, ASA tunnel that never comes up, a guest that never sends a heartbeat); on an
 *   operation without a job it behaves as `timeout`;
 * - `status` (>= 400) answers with that status in the system's error style instead of doing the call;
 * - `lostResponse` (extension) does the call first, then answers with `status` (or holds it, with
 *   `timeout`): the "did it happen?" case that idempotency keys exist for.
 * A rule with only `latencyMs` slows calls down without failing them.
 */
export interface FaultRule {
  id: string;
  system: string;
  op: string;
  target: string | null;
  tenant: string | null;
  rate: number;
  times: number | null;
  status: number;
  latencyMs: number;
  timeout: boolean;
  stuck: boolean;
  lostResponse: boolean;
  fired: number;
}

export type FaultInput = Partial<Omit<FaultRule, 'id' | 'fired'>>;

export class Faults {
  private rules: FaultRule[] = [];
  private nextId = 1;

  constructor(private rng: Random) {}

  reseed(rng: Random): void {
    this.rng = rng;
  }

  /** Validates and adds a rule; returns an error message for bad input. */
  add(input: unknown): FaultRule | string {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return 'body must be a JSON object';
    const i = input as Record<string, unknown>;
    if (typeof i.system !== 'string' || i.system === '') return 'system is required (e.g. "compute")';
    const str = (k: string): string | null | undefined => {
      const v = i[k];
      if (v === undefined || v === null || v === '') return null;
      return typeof v === 'string' ? v : undefined;
    };
    const op = str('op');
    const target = str('target');
    const tenant = str('tenant');
    if (op === undefined) return 'op must be a string';
    if (target === undefined) return 'target must be a string';
    if (tenant === undefined) return 'tenant must be a string';
    const rate = i.rate === undefined ? 1 : i.rate;
    if (typeof rate !== 'number' || rate < 0 || rate > 1) return 'rate must be a number in [0, 1]';
    const times = i.times === undefined || i.times === null ? null : i.times;
    if (times !== null && (typeof times !== 'number' || !Number.isInteger(times) || times < 1)) {
      return 'times must be a positive integer';
    }
    const status = i.status === undefined || i.status === null ? 0 : i.status;
    if (typeof status !== 'number' || (status !== 0 && (status < 400 || status > 599))) {
      return 'status must be an HTTP error status (400-599)';
    }
    const latencyMs = i.latencyMs === undefined || i.latencyMs === null ? 0 : i.latencyMs;
    if (typeof latencyMs !== 'number' || latencyMs < 0) return 'latencyMs must be a non-negative number';
    for (const k of ['timeout', 'stuck', 'lostResponse']) {
      if (i[k] !== undefined && typeof i[k] !== 'boolean') return `${k} must be a boolean`;
    }
    const timeout = i.timeout === true;
    const stuck = i.stuck === true;
    const lostResponse = i.lostResponse === true;
    if (!status && !timeout && !stuck && !latencyMs) {
      return 'a fault needs at least one of status, latencyMs, timeout, stuck';
    }
    if (lostResponse && !status && !timeout) return 'lostResponse needs status or timeout';
    let opName = op ?? '*';
    if (opName.startsWith(`${i.system}.`)) opName = opName.slice(i.system.length + 1);
    const rule: FaultRule = {
      id: `fault-${this.nextId++}`,
      system: i.system,
      op: opName,
      target: target ?? null,
      tenant: tenant ?? null,
      rate,
      times,
      status,
      latencyMs,
      timeout,
      stuck,
      lostResponse,
      fired: 0,
    };
    this.rules.push(rule);
    return rule;
  }

  /** Finds the first rule that matches and fires for this call, consuming one of its `times`. */
  fire(system: string, op: string, target: string | null, tenant: string | null): FaultRule | null {
    for (let idx = 0; idx < this.rules.length; idx++) {
      const r = this.rules[idx];
      if (r.system !== system) continue;
      if (r.op !== '*' && r.op !== op) continue;
      if (r.target !== null && r.target !== target) continue;
      if (r.tenant !== null && r.tenant !== tenant) continue;
      if (r.rate < 1 && this.rng.next() >= r.rate) continue;
      r.fired++;
      if (r.times !== null && r.fired >= r.times) this.rules.splice(idx, 1);
      return r;
    }
    return null;
  }

  list(): FaultRule[] {
    return [...this.rules];
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length !== before;
  }

  clear(): void {
    this.rules = [];
  }
}
