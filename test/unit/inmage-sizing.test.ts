import { MT_VMDKS_WITH_DRILLS, MT_VMDKS_WITHOUT_DRILLS, sizeControlPlane, SizingVm } from '../../domain/inmage-sizing';

const vm = (name: string, vmdks: number, changeRateGbPerDay = 10, osFamily: SizingVm['osFamily'] = 'windows'): SizingVm => ({ name, vmdks, changeRateGbPerDay, osFamily });

describe('InMage control-plane sizing', () => {
  it('fits 40 VMDKs per master target with drills and 57 without', () => {
    const vms = Array.from({ length: 60 }, (_, i) => vm(`vm-${i}`, 1));
    const withDrills = sizeControlPlane('nw', vms, { drillsEnabled: true });
    const without = sizeControlPlane('nw', vms, { drillsEnabled: false });
    if (!withDrills.ok || !without.ok) throw new Error('sizing failed');
    expect(withDrills.sizing.masterTargets.map((mt) => mt.vmdks)).toEqual([MT_VMDKS_WITH_DRILLS, 20]);
    expect(without.sizing.masterTargets.map((mt) => mt.vmdks)).toEqual([MT_VMDKS_WITHOUT_DRILLS, 3]);
  });

  it('gives each master target one protection plan, one OS family, and every VM exactly one MT', () => {
    const vms = [vm('w1', 30), vm('w2', 20), vm('l1', 5, 10, 'linux'), vm('w3', 15), vm('l2', 39, 10, 'linux')];
    const r = sizeControlPlane('nw', vms, { drillsEnabled: true });
    if (!r.ok) throw new Error(r.problems.join());
    const mts = r.sizing.masterTargets;
    expect(new Set(mts.map((mt) => mt.protectionPlan)).size).toBe(mts.length);
    const placed = mts.flatMap((mt) => mt.vms).sort();
    expect(placed).toEqual(['l1', 'l2', 'w1', 'w2', 'w3']);
    for (const mt of mts) {
      expect(mt.vmdks).toBeLessThanOrEqual(40);
      const families = new Set(mt.vms.map((n) => vms.find((v) => v.name === n)!.osFamily));
      expect([...families]).toEqual([mt.osFamily]);
    }
    // First-fit decreasing: w1(30) alone, w2(20)+w3(15) together; linux l2(39) alone, l1(5) in a second MT.
    expect(mts.map((mt) => [mt.name, mt.vms])).toEqual([
      ['nw-mt-win-1', ['w1']],
      ['nw-mt-win-2', ['w2', 'w3']],
      ['nw-mt-lin-1', ['l2']],
      ['nw-mt-lin-2', ['l1']],
    ]);
  });

  it('adds a process server per started terabyte of daily change', () => {
    const vms = [vm('a', 1, 600), vm('b', 1, 600), vm('c', 1, 300), vm('d', 1, 200)];
    const r = sizeControlPlane('nw', vms, { drillsEnabled: false });
    if (!r.ok) throw new Error(r.problems.join());
    expect(r.sizing.totalChangeRateGbPerDay).toBe(1700);
    expect(r.sizing.processServers.map((ps) => ps.changeRateGbPerDay)).toEqual([900, 800]);
    for (const ps of r.sizing.processServers) expect(ps.changeRateGbPerDay).toBeLessThanOrEqual(1024);
  });

  it('names every VM it cannot protect and why', () => {
    const r = sizeControlPlane('nw', [vm('huge', 41), vm('busy', 1, 2000), vm('none', 0)], { drillsEnabled: true });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toEqual([
      'huge: 41 VMDKs exceed the 40 a master target can hold with DR drills',
      'busy: 2000 GB/day of change exceeds one process server\'s 1024 GB/day',
      'none: has no VMDK to protect',
    ]);
  });
});
