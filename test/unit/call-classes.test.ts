import { callClassOf, SLOW_CALLS, timeoutFor } from '../../infra/clients/call-classes';
import { DEFAULT_LATENCY_MS } from '../../infra/sim/latency';

/**
 * Operations of the latency model that do not hold the call open for their time: jobs accepted at once and
 * polled, and phases the simulator computes lazily (resync, replication lag, guest boot, tunnel up).
 */
const NOT_HELD_OPEN = new Set([
  'clm.createContainer', 'clm.deleteContainer', 'clm.createNetworkPath', 'clm.deleteNetworkPath', 'clm.createLoadBalancerPool',
  'clm.updateLoadBalancerPool', 'clm.deleteLoadBalancerPool', 'clm.provisionServiceOffering', 'clm.decommissionServiceOffering',
  'bna.createVlan', 'bna.deleteVlan', 'inmage.pushAgent', 'inmage.createPlan', 'inmage.failbackProtect', 'inmage.recover',
  'inmage.drillSnapshot', 'inmage.deleteDrillSnapshot', 'inmage.resumeProtection', 'inmage.resyncStep1', 'inmage.resyncStep2',
  'inmage.replicationLag', 'compute.guestBoot', 'asa.tunnelUp', 'discovery.runDiscovery',
]);

describe('HTTP timeouts by call class', () => {
  const production = { baseUrl: 'https://estate.example.internal' };

  it('leave at least 3× over the real-world time of every call that holds the connection open', () => {
    const tooShort: string[] = [];
    for (const [key, ms] of Object.entries(DEFAULT_LATENCY_MS)) {
      if (NOT_HELD_OPEN.has(key)) continue;
      const [system, op] = key.split('.');
      // A call of the model is a side effect unless it is a listed slow one (the reads the model names are slow ones).
      const timeout = timeoutFor(production, callClassOf(system, op, 'a-key'));
      if (timeout < 3 * ms) tooShort.push(`${key}: ${ms} ms real, ${timeout} ms timeout`);
    }
    expect(tooShort).toEqual([]);
  });

  it('count as slow exactly the calls of the latency model held open 10 s or more', () => {
    const held = Object.entries(DEFAULT_LATENCY_MS).filter(([key, ms]) => !NOT_HELD_OPEN.has(key) && ms >= 10_000).map(([key]) => key);
    expect([...SLOW_CALLS].sort()).toEqual(held.sort());
  });

  it('classify reads, side effects and slow calls; the endpoint sets the read timeout and may set each class', () => {
    expect(callClassOf('compute', 'getVm', undefined)).toBe('read');
    expect(callClassOf('bna', 'reserveIp', 'k')).toBe('sideEffect');
    expect(callClassOf('compute', 'powerOn', 'k')).toBe('slow');
    expect(callClassOf('inmage', 'readinessCheck', undefined)).toBe('slow');
    expect(['read', 'sideEffect', 'slow'].map((c) => timeoutFor(production, c as 'read'))).toEqual([30_000, 60_000, 180_000]);
    expect(['read', 'sideEffect', 'slow'].map((c) => timeoutFor({ ...production, timeoutMs: 10_000 }, c as 'read'))).toEqual([10_000, 20_000, 60_000]);
    expect(timeoutFor({ ...production, timeoutMs: 10_000, slowTimeoutMs: 300_000 }, 'slow')).toBe(300_000);
    expect(timeoutFor({ ...production, sideEffectTimeoutMs: 45_000 }, 'sideEffect')).toBe(45_000);
  });
});
