import type { SystemEndpoint } from './http-client';

/**
 * How long a call to a provider system may go unanswered depends on what it waits for. Real-world times are
 * those of the latency model (`infra/sim/latency.ts`), each class leaving at least 3× over its slowest call:
 * - `read`: lookups answer at once (the endpoint's `timeoutMs`, default 30 s);
 * - `sideEffect`: a change answered in a few seconds (BNA reserve 2 s, ASA objects 1.5 s, IPsec tunnel 5 s):
 *   twice `timeoutMs`, 60 s by default;
 * - `slow`: a synchronous change that answers only when done, in tens of seconds (vCenter power-on 45 s,
 *   re-IP 30 s, InMage readiness 20 s, ASA context 30 s, a monitoring agent install 60 s): six times
 *   `timeoutMs`, 180 s by default.
 * Jobs (CLM orders, BNA VLANs, InMage recoveries, discovery runs) are accepted at once and polled: a side effect.
 */
export type CallClass = 'read' | 'sideEffect' | 'slow';

/** The slow synchronous calls, `<system>.<op>`: every call of the model taking 10 s or more and answered only when done. */
export const SLOW_CALLS: ReadonlySet<string> = new Set([
  'compute.powerOn',
  'compute.powerOff',
  'compute.reconfigureNetwork',
  'compute.deleteVm',
  'inmage.readinessCheck',
  'inmage.registerControlServer',
  'inmage.deregisterControlServer',
  'inmage.deletePlan',
  'asa.createContext',
  'asa.deleteContext',
  'monitoring.installAgent',
  'monitoring.uninstallAgent',
  'monitoring.reconfigureAgent',
  'event-policy.rewriteEventSources',
  'firewall.readdress',
  'backup.registerNode',
  'patch.registerAgent',
]);

export const DEFAULT_READ_TIMEOUT_MS = 30_000;
const SIDE_EFFECT_FACTOR = 2;
const SLOW_FACTOR = 6;

/** A call's class: listed as slow, else a change when it carries an idempotency key, else a read. */
export function callClassOf(system: string, op: string, idempotencyKey: string | undefined): CallClass {
  if (SLOW_CALLS.has(`${system}.${op}`)) return 'slow';
  return idempotencyKey ? 'sideEffect' : 'read';
}

/** The timeout of a class at an endpoint: its own setting for that class, else a multiple of `timeoutMs`. */
export function timeoutFor(endpoint: SystemEndpoint, cls: CallClass): number {
  const read = endpoint.timeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
  if (cls === 'slow') return endpoint.slowTimeoutMs ?? read * SLOW_FACTOR;
  if (cls === 'sideEffect') return endpoint.sideEffectTimeoutMs ?? read * SIDE_EFFECT_FACTOR;
  return read;
}
