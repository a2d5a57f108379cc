/**
 * Protection health: when a tenant's replication breaches its RPO, and when the breach ends. Pure, so the
 * protection watch (a workflow) can run it deterministically and the rules can be tested without a server.
 *
 * A VM breaches when its lag stays over the tenant's RPO target for longer than a grace period (a single slow
 * sample is noise), or at once when one of its pairs leaves Differential Sync (no recent recovery point is
 * being kept). A breach clears when its condition ends, or when the VM is no longer watched.
 */

export const DIFFERENTIAL_SYNC = 'Differential Sync';

export type BreachKind = 'rpo-lag' | 'pair-state';

/** A VM the sample found out of health: over its RPO, or with a pair out of Differential Sync. */
export interface VmException {
  vm: string;
  /** The least advanced state of the VM's forward pairs. */
  state: string;
  /** The VM's worst pair lag, in seconds. */
  lagSeconds: number | null;
}

export interface Breach {
  /** `breach:<tenantId>:<vm>:<kind>:<since ms>`: the ticket's correlation id, so a breach has one ticket. */
  id: string;
  vm: string;
  kind: BreachKind;
  /** When the condition was first seen (ISO). */
  since: string;
  openedAt: string;
  peakLagSeconds: number | null;
  /** What the VM showed when the breach opened (its pair state, or its lag against the RPO). */
  detail: string;
  /** Escalations told on the ticket so far: the lag reached 2^n × the RPO. */
  escalations: number;
  ticket: string | null;
}

export interface BreachState {
  /** VMs over their RPO but still within the grace period: since when (epoch ms). */
  pending: Record<string, number>;
  open: Breach[];
}

export interface BreachRules {
  tenantId: string;
  rpoSeconds: number;
  graceSeconds: number;
  /** The sample's time (epoch ms, the workflow's clock). */
  now: number;
}

export interface ClearedBreach extends Breach {
  clearedAt: string;
  resolution: string;
}

export interface BreachChanges {
  state: BreachState;
  opened: Breach[];
  /** Open breaches whose lag reached a new power of two of the RPO. */
  escalated: Breach[];
  cleared: ClearedBreach[];
}

export const emptyBreachState = (): BreachState => ({ pending: {}, open: [] });

export function breachId(tenantId: string, vm: string, kind: BreachKind, since: number): string {
  return `breach:${tenantId}:${vm}:${kind}:${since}`;
}

/** How many doublings of the RPO the lag has reached (0 below 2× RPO). */
function escalationLevel(lagSeconds: number | null, rpoSeconds: number): number {
  if (lagSeconds === null || rpoSeconds <= 0 || lagSeconds < 2 * rpoSeconds) return 0;
  return Math.floor(Math.log2(lagSeconds / rpoSeconds));
}

/** Applies one sample (its out-of-health VMs; every other watched VM is healthy) to the breach state. */
export function evaluateBreaches(prev: BreachState, exceptions: VmException[], rules: BreachRules): BreachChanges {
  const at = new Date(rules.now).toISOString();
  const byVm = new Map(exceptions.map((e) => [e.vm, e]));
  const overRpo = (e: VmException | undefined) => e !== undefined && e.state === DIFFERENTIAL_SYNC && e.lagSeconds !== null && e.lagSeconds > rules.rpoSeconds;
  const outOfSync = (e: VmException | undefined) => e !== undefined && e.state !== DIFFERENTIAL_SYNC;

  const open: Breach[] = [];
  const cleared: ClearedBreach[] = [];
  const escalated: Breach[] = [];
  for (const b of prev.open) {
    const e = byVm.get(b.vm);
    // A lag breach holds while the VM is over its RPO or not in sync (its lag is unknown then).
    const holds = b.kind === 'rpo-lag' ? overRpo(e) || outOfSync(e) : outOfSync(e);
    if (!holds) {
      // Healthy VMs are not in the sample's exceptions: their lag is within the RPO and their pairs in sync.
      const resolution = b.kind === 'rpo-lag' ? `${b.vm} back within the RPO of ${rules.rpoSeconds} s` : `${b.vm} back in Differential Sync`;
      cleared.push({ ...b, clearedAt: at, resolution });
      continue;
    }
    const lag = e && e.state === DIFFERENTIAL_SYNC ? e.lagSeconds : null;
    const peak = lag !== null && (b.peakLagSeconds === null || lag > b.peakLagSeconds) ? lag : b.peakLagSeconds;
    const level = b.kind === 'rpo-lag' ? escalationLevel(peak, rules.rpoSeconds) : 0;
    const next = { ...b, peakLagSeconds: peak, escalations: Math.max(b.escalations, level) };
    if (next.escalations > b.escalations) escalated.push(next);
    open.push(next);
  }

  const pending: Record<string, number> = {};
  const opened: Breach[] = [];
  const has = (vm: string, kind: BreachKind) => open.some((b) => b.vm === vm && b.kind === kind);
  for (const e of exceptions) {
    if (outOfSync(e) && !has(e.vm, 'pair-state')) {
      opened.push({
        id: breachId(rules.tenantId, e.vm, 'pair-state', rules.now), vm: e.vm, kind: 'pair-state', since: at, openedAt: at,
        peakLagSeconds: null, detail: `${e.vm} left Differential Sync (${e.state})`, escalations: 0, ticket: null,
      });
    }
    if (overRpo(e) && !has(e.vm, 'rpo-lag')) {
      const since = prev.pending[e.vm] ?? rules.now;
      if (rules.now - since >= rules.graceSeconds * 1000) {
        opened.push({
          id: breachId(rules.tenantId, e.vm, 'rpo-lag', since), vm: e.vm, kind: 'rpo-lag', since: new Date(since).toISOString(), openedAt: at,
          peakLagSeconds: e.lagSeconds, detail: `${e.vm} lag ${e.lagSeconds} s over the RPO of ${rules.rpoSeconds} s for ${Math.round((rules.now - since) / 1000)} s`,
          escalations: escalationLevel(e.lagSeconds, rules.rpoSeconds), ticket: null,
        });
      } else {
        pending[e.vm] = since;
      }
    }
  }
  return { state: { pending, open: [...open, ...opened] }, opened, escalated, cleared };
}

/** The ticket's summary for a breach, as it stands. */
export function breachSummary(tenant: string, b: Breach, rpoSeconds: number): string {
  if (b.kind === 'pair-state') return `RPO breach for ${tenant}: ${b.detail}`;
  const peak = b.peakLagSeconds ?? 0;
  return `RPO breach for ${tenant}: ${b.vm} lag ${peak} s over the RPO of ${rpoSeconds} s${b.escalations > 0 ? ` (${2 ** b.escalations}× the RPO)` : ''}`;
}
