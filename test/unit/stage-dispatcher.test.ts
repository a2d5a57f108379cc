import type { ScheduledVm } from '../../domain/recovery-plan';
import { StageDispatcher } from '../../domain/stage-dispatcher';

const vm = (name: string, dependsOn: string[] = [], masterTarget?: string, critical = false): ScheduledVm => ({
  vm: name, role: 'workload', stage: 1, group: 'app', dependsOn, critical, ...(masterTarget ? { masterTarget } : {}),
});
const names = (vms: ScheduledVm[]) => vms.map((v) => v.vm);

describe('StageDispatcher', () => {
  it('starts ready VMs in dispatch order up to the slot cap', () => {
    const d = new StageDispatcher([vm('a'), vm('b'), vm('c'), vm('d')], { slots: 2, perMasterTarget: null }, {});
    expect(names(d.next())).toEqual(['a', 'b']);
    expect(names(d.next())).toEqual([]);
    d.recovered('b');
    expect(names(d.next())).toEqual(['c']);
    expect(d.inFlight).toBe(2);
  });

  it('honours dependencies inside the stage', () => {
    const d = new StageDispatcher([vm('db'), vm('app', ['db']), vm('web', ['app'])], { slots: null, perMasterTarget: null }, {});
    expect(names(d.next())).toEqual(['db']);
    d.recovered('db');
    expect(names(d.next())).toEqual(['app']);
    d.recovered('app');
    expect(names(d.next())).toEqual(['web']);
  });

  it('skips a VM whose master target is full and starts the next one that fits', () => {
    const d = new StageDispatcher([vm('a', [], 'mt1'), vm('b', [], 'mt1'), vm('c', [], 'mt2')], { slots: 3, perMasterTarget: 1 }, {});
    expect(names(d.next())).toEqual(['a', 'c']);
    d.recovered('a');
    expect(names(d.next())).toEqual(['b']);
  });

  it('holds only the dependents of a failed VM, transitively', () => {
    const d = new StageDispatcher([vm('db'), vm('other'), vm('app', ['db']), vm('web', ['app'])], { slots: null, perMasterTarget: null }, {});
    d.next();
    d.failed('db', 'recover failed');
    d.recovered('other');
    expect(d.state.status).toEqual({ db: 'failed', other: 'recovered', app: 'blocked', web: 'blocked' });
    expect(d.state.reason.web).toBe('depends on app, which is blocked');
    expect(d.done).toBe(true);
  });

  it('lets dependents go ahead when the operator skips, and re-queues them on retry', () => {
    const d = new StageDispatcher([vm('db'), vm('app', ['db'])], { slots: null, perMasterTarget: null }, {});
    d.next();
    d.failed('db', 'boom');
    d.retry('db');
    expect(d.state.status).toEqual({ db: 'pending', app: 'pending' });
    expect(names(d.next())).toEqual(['db']);
    d.skip('db', 'ops');
    expect(names(d.next())).toEqual(['app']);
  });

  it('blocks VMs whose dependency in an earlier stage failed; skipped ones release', () => {
    const d = new StageDispatcher([vm('app1', ['db1']), vm('app2', ['db2']), vm('app3', ['db3'])], { slots: null, perMasterTarget: null }, {
      db1: 'failed', db2: 'skipped', db3: 'recovered',
    });
    expect(d.state.status.app1).toBe('blocked');
    expect(names(d.next())).toEqual(['app2', 'app3']);
  });

  it('resumes from a carried-over state with nothing running', () => {
    const first = new StageDispatcher([vm('a'), vm('b')], { slots: 1, perMasterTarget: null }, {});
    first.next();
    const carried = JSON.parse(JSON.stringify(first.state));
    const second = new StageDispatcher([vm('a'), vm('b')], { slots: 1, perMasterTarget: null }, {}, carried);
    expect(second.inFlight).toBe(0);
    expect(names(second.next())).toEqual(['a']);
  });
});
