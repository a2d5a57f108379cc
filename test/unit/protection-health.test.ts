import { emptyBreachState, evaluateBreaches, type BreachState, type VmException } from '../../domain/protection-health';

const DIFF = 'Differential Sync';
const rules = (now: number) => ({ tenantId: 't1', rpoSeconds: 900, graceSeconds: 60, now });
const lag = (vm: string, lagSeconds: number): VmException => ({ vm, state: DIFF, lagSeconds });

/** Runs samples in order from an empty state, answering the state and every change. */
function run(samples: [number, VmException[]][]) {
  let state: BreachState = emptyBreachState();
  const opened: string[] = [];
  const cleared: string[] = [];
  const escalated: string[] = [];
  for (const [at, exceptions] of samples) {
    const c = evaluateBreaches(state, exceptions, rules(at));
    state = c.state;
    opened.push(...c.opened.map((b) => b.id));
    cleared.push(...c.cleared.map((b) => b.id));
    escalated.push(...c.escalated.map((b) => `${b.id}@${b.escalations}`));
  }
  return { state, opened, cleared, escalated };
}

describe('RPO breaches', () => {
  it('a lag over the RPO opens one breach only once it has lasted the grace period, however many samples see it', () => {
    const r = run([[0, [lag('vm1', 950)]], [30_000, [lag('vm1', 980)]], [59_000, [lag('vm1', 1000)]], [60_000, [lag('vm1', 1010)]], [90_000, [lag('vm1', 1040)]]]);
    expect(r.opened).toEqual(['breach:t1:vm1:rpo-lag:0']);
    expect(r.state.open).toHaveLength(1);
    expect(r.state.open[0]).toMatchObject({ vm: 'vm1', kind: 'rpo-lag', since: new Date(0).toISOString(), openedAt: new Date(60_000).toISOString(), peakLagSeconds: 1040 });
    expect(r.cleared).toEqual([]);
  });

  it('a lag that recovers within the grace period opens nothing, and the next excursion counts from its own start', () => {
    const r = run([[0, [lag('vm1', 950)]], [30_000, []], [40_000, [lag('vm1', 950)]], [90_000, [lag('vm1', 950)]], [100_000, [lag('vm1', 950)]]]);
    expect(r.opened).toEqual(['breach:t1:vm1:rpo-lag:40000']);
  });

  it('clears a lag breach when the lag is back within the RPO, and a later excursion is a new breach', () => {
    const r = run([[0, [lag('vm1', 1000)]], [60_000, [lag('vm1', 1000)]], [70_000, []], [80_000, [lag('vm1', 1000)]], [140_000, [lag('vm1', 1000)]]]);
    expect(r.opened).toEqual(['breach:t1:vm1:rpo-lag:0', 'breach:t1:vm1:rpo-lag:80000']);
    expect(r.cleared).toEqual(['breach:t1:vm1:rpo-lag:0']);
  });

  it('a pair leaving Differential Sync is a breach at once, cleared when it is back', () => {
    const r = run([[0, [{ vm: 'vm2', state: 'Resyncing (Step I)', lagSeconds: 40 }]], [10_000, [{ vm: 'vm2', state: 'Resyncing (Step II)', lagSeconds: 50 }]], [20_000, []]]);
    expect(r.opened).toEqual(['breach:t1:vm2:pair-state:0']);
    expect(r.cleared).toEqual(['breach:t1:vm2:pair-state:0']);
    expect(r.state).toEqual(emptyBreachState());
  });

  it('escalates a lag breach once per doubling of the RPO', () => {
    const r = run([[0, [lag('vm1', 1000)]], [60_000, [lag('vm1', 1000)]], [70_000, [lag('vm1', 1900)]], [80_000, [lag('vm1', 2000)]], [90_000, [lag('vm1', 3700)]], [100_000, [lag('vm1', 3000)]]]);
    expect(r.escalated).toEqual(['breach:t1:vm1:rpo-lag:0@1', 'breach:t1:vm1:rpo-lag:0@2']);
  });

  it('a lag breach holds while its VM is out of sync (its lag unknown), beside the pair-state breach', () => {
    const r = run([[0, [lag('vm1', 1000)]], [60_000, [lag('vm1', 1000)]], [70_000, [{ vm: 'vm1', state: 'Resyncing (Step I)', lagSeconds: 5 }]]]);
    expect(r.state.open.map((b) => b.kind)).toEqual(['rpo-lag', 'pair-state']);
    expect(r.cleared).toEqual([]);
  });
});
