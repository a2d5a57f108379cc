import {
  compilePlan,
  forecastSchedule,
  type ExecutionSchedule,
  type Forecast,
  type PlanVm,
  type RecoveryPlanSpec,
  type ScheduleCaps,
  type ScheduledVm,
} from '../../domain/plan-compiler';
import { slotBound } from '../../domain/forecast';

const workload = (name: string, extra: Partial<PlanVm> = {}): PlanVm => ({ name, role: 'workload', ...extra });

function compiled(plan: RecoveryPlanSpec, vms: PlanVm[], caps: ScheduleCaps = {}): ExecutionSchedule {
  const result = compilePlan(plan, vms, caps);
  if (!result.ok) throw new Error(`expected the plan to compile, got ${JSON.stringify(result.problems)}`);
  return result.schedule;
}

/** Seconds per VM by name, for hand-computed cases. */
const each = (seconds: Record<string, number>) => (vm: ScheduledVm) => ({ recover: seconds[vm.vm] });

/** mulberry32: a small seeded PRNG, so that "random" plans are the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Checks a forecast against its schedule independently of the simulation: durations, barriers, dependencies, caps. */
function expectFeasible(schedule: ExecutionSchedule, forecast: Forecast, seconds: (vm: ScheduledVm) => number): void {
  expect(forecast.vms.map((v) => v.vm)).toEqual(schedule.vms.map((v) => v.vm));
  const at = new Map(forecast.vms.map((v) => [v.vm, v]));
  schedule.vms.forEach((vm, i) => {
    const slot = forecast.vms[i];
    expect(slot.stage).toBe(vm.stage);
    expect(slot.end - slot.start).toBe(seconds(vm));
    const stage = forecast.stages[vm.stage];
    expect(slot.start).toBeGreaterThanOrEqual(stage.start);
    expect(slot.end).toBeLessThanOrEqual(stage.end);
    for (const dep of vm.dependsOn) expect(slot.start).toBeGreaterThanOrEqual(at.get(dep)?.end as number);
  });
  forecast.stages.forEach((stage, s) => {
    expect(stage.start).toBe(s === 0 ? 0 : forecast.stages[s - 1].end);
    expect(stage.lowerBound).toBeLessThanOrEqual(stage.end - stage.start);
  });
  expect(forecast.estimatedMakespan).toBe(forecast.stages[forecast.stages.length - 1].end);
  expect(forecast.lowerBound).toBeCloseTo(forecast.stages.reduce((sum, s) => sum + s.lowerBound, 0), 6);

  // Sweep over start and end events: at no instant may a stage, the site or a master target run too many VMs.
  const events: [number, number, ScheduledVm][] = [];
  schedule.vms.forEach((vm, i) => {
    events.push([forecast.vms[i].start, 1, vm], [forecast.vms[i].end, -1, vm]);
  });
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let site = 0;
  const perStage = new Map<number, number>();
  const perTarget = new Map<string, number>();
  for (const [, delta, vm] of events) {
    site += delta;
    perStage.set(vm.stage, (perStage.get(vm.stage) ?? 0) + delta);
    if (vm.masterTarget !== undefined) perTarget.set(vm.masterTarget, (perTarget.get(vm.masterTarget) ?? 0) + delta);
    if (delta < 0) continue;
    expect(site).toBeLessThanOrEqual(schedule.caps.perSite ?? Infinity);
    expect(perStage.get(vm.stage)).toBeLessThanOrEqual(schedule.stages[vm.stage].maxConcurrency ?? Infinity);
    if (vm.masterTarget !== undefined) {
      expect(perTarget.get(vm.masterTarget)).toBeLessThanOrEqual(schedule.caps.perMasterTarget ?? Infinity);
    }
  }
}

describe('forecastSchedule: hand-computed cases', () => {
  it('a chain: the bound is the chain and the schedule meets it', () => {
    const schedule = compiled(
      {
        groups: [{ name: 'g', vms: ['c', 'b', 'a'], maxConcurrency: 3 }],
        dependencies: [
          { vm: 'c', dependsOn: ['b'] },
          { vm: 'b', dependsOn: ['a'] },
        ],
      },
      [workload('a'), workload('b'), workload('c')],
    );
    const forecast = forecastSchedule({ schedule, durations: each({ a: 10, b: 20, c: 5 }) });
    expect(forecast.lowerBound).toBe(35);
    expect(forecast.estimatedMakespan).toBe(35);
    expect(forecast.vms).toEqual([
      { vm: 'a', stage: 1, start: 0, end: 10 },
      { vm: 'b', stage: 1, start: 10, end: 30 },
      { vm: 'c', stage: 1, start: 30, end: 35 },
    ]);
  });

  it('n identical independent VMs, n divisible by the cap: bound = makespan = n * d / cap', () => {
    const names = Array.from({ length: 12 }, (_, i) => `vm-${i}`);
    const schedule = compiled({ groups: [{ name: 'g', vms: names, maxConcurrency: 4 }] }, names.map((n) => workload(n)));
    const forecast = forecastSchedule({ schedule, durations: { recover: 30, reIp: 5, powerOn: 20, healthCheck: 10 } });
    expect(forecast.lowerBound).toBe(195);
    expect(forecast.estimatedMakespan).toBe(195);
    expect(forecast.vms.map((v) => v.start)).toEqual([0, 0, 0, 0, 65, 65, 65, 65, 130, 130, 130, 130]);
  });

  it('whole VMs over the stage slots, with the site cap tighter than the group cap', () => {
    const schedule = compiled(
      { groups: [{ name: 'g', vms: ['a', 'b', 'c'], maxConcurrency: 3 }] },
      [workload('a'), workload('b'), workload('c')],
      { perSite: 2 },
    );
    const forecast = forecastSchedule({ schedule, durations: { recover: 10 } });
    // Three 10 s VMs on min(3, 2) = 2 slots: one slot runs two of them (work over slots alone says 15).
    expect(forecast.lowerBound).toBe(20);
    expect(forecast.estimatedMakespan).toBe(20);
    expect(forecast.vms.map((v) => [v.vm, v.start, v.end])).toEqual([
      ['a', 0, 10],
      ['b', 0, 10],
      ['c', 10, 20],
    ]);
  });

  it('per master target work over the master-target cap', () => {
    const vms = [
      workload('a1', { masterTarget: 'mt-a' }),
      workload('a2', { masterTarget: 'mt-a' }),
      workload('a3', { masterTarget: 'mt-a' }),
      workload('b1', { masterTarget: 'mt-b' }),
      workload('free'),
    ];
    const schedule = compiled({ groups: [{ name: 'g', vms: vms.map((v) => v.name) }] }, vms, { perMasterTarget: 1 });
    const forecast = forecastSchedule({ schedule, durations: each({ a1: 10, a2: 10, a3: 10, b1: 25, free: 12 }) });
    // max(chain 25, no group/site cap, mt-a 30 / 1, mt-b 25 / 1, largest 25) = 30; VMs without a master target are not capped.
    expect(forecast.lowerBound).toBe(30);
    expect(forecast.estimatedMakespan).toBe(30);
    expect(forecast.vms.map((v) => [v.vm, v.start])).toEqual([
      ['a1', 0],
      ['a2', 10],
      ['a3', 20],
      ['b1', 0],
      ['free', 0],
    ]);
  });

  it('the largest single VM', () => {
    const schedule = compiled({ groups: [{ name: 'g', vms: ['a', 'b'], maxConcurrency: 2 }] }, [workload('a'), workload('b')]);
    const forecast = forecastSchedule({ schedule, durations: each({ a: 50, b: 10 }) });
    expect(forecast.stages[1].lowerBound).toBe(50);
    expect(forecast.estimatedMakespan).toBe(50);
  });

  it('all terms at once, over stages that are barriers', () => {
    const vms: PlanVm[] = [
      { name: 'mon', role: 'management', masterTarget: 'mt-1' },
      { name: 'dns', role: 'management' },
      workload('db', { masterTarget: 'mt-1' }),
      workload('app-1', { masterTarget: 'mt-1' }),
      workload('app-2', { masterTarget: 'mt-2' }),
      workload('app-3', { masterTarget: 'mt-2' }),
      workload('web', { masterTarget: 'mt-2' }),
    ];
    const schedule = compiled(
      {
        groups: [
          { name: 'data', vms: ['db'] },
          { name: 'apps', vms: ['web', 'app-1', 'app-2', 'app-3'], maxConcurrency: 3, approvalRequired: true },
        ],
        dependencies: [
          { vm: 'web', dependsOn: ['app-1', 'db'] },
          { vm: 'app-1', dependsOn: ['dns'] },
        ],
      },
      vms,
      { perMasterTarget: 2, perSite: 4 },
    );
    expect(schedule.stages[2].vms).toEqual(['app-1', 'web', 'app-2', 'app-3']);
    const seconds = { mon: 8, dns: 4, db: 40, 'app-1': 20, 'app-2': 30, 'app-3': 30, web: 15 };
    const forecast = forecastSchedule({ schedule, durations: each(seconds) });
    // Stage 0: max(chain 8, work 12 / site 4 = 3, mt-1 8 / 2 = 4, largest 8) = 8.
    // Stage 1: 40.
    // Stage 2: max(chain app-1 -> web 35, 4 VMs on min(3, 4) slots: 20 + 15 = 35, mt-1 20, mt-2: 3 VMs on 2 slots: 30 + 15 = 45, largest 30) = 45.
    expect(forecast.stages.map((s) => s.lowerBound)).toEqual([8, 40, 45]);
    expect(forecast.lowerBound).toBe(93);
    // Stage 2 from t=48: app-1, app-2, app-3 start (mt-2 full); web waits for app-1 (t=68) and for an mt-2 slot (t=78).
    expect(forecast.vms.map((v) => [v.vm, v.start, v.end])).toEqual([
      ['mon', 0, 8],
      ['dns', 0, 4],
      ['db', 8, 48],
      ['app-1', 48, 68],
      ['web', 78, 93],
      ['app-2', 48, 78],
      ['app-3', 48, 78],
    ]);
    expect(forecast.stages.map((s) => [s.index, s.group, s.start, s.end])).toEqual([
      [0, 'management', 0, 8],
      [1, 'data', 8, 48],
      [2, 'apps', 48, 93],
    ]);
    expect(forecast.estimatedMakespan).toBe(93);
    expectFeasible(schedule, forecast, (vm) => seconds[vm.vm as keyof typeof seconds]);
  });

  it('dispatches ready VMs in stage order when slots are short', () => {
    const schedule = compiled(
      { groups: [{ name: 'g', vms: ['x', 'y', 'z'], maxConcurrency: 1 }] },
      [workload('x'), workload('y'), workload('z')],
    );
    const forecast = forecastSchedule({ schedule, durations: each({ x: 3, y: 1, z: 2 }) });
    expect(forecast.vms.map((v) => [v.vm, v.start, v.end])).toEqual([
      ['x', 0, 3],
      ['y', 3, 4],
      ['z', 4, 6],
    ]);
    expect(forecast.lowerBound).toBe(6);
  });

  it('empty stages take no time', () => {
    const schedule = compiled({ groups: [{ name: 'g', vms: ['a'] }] }, [workload('a')]);
    const forecast = forecastSchedule({ schedule, durations: { recover: 7 } });
    expect(forecast.stages).toEqual([
      { index: 0, group: 'management', lowerBound: 0, start: 0, end: 0 },
      { index: 1, group: 'g', lowerBound: 7, start: 0, end: 7 },
    ]);
  });

  it('rejects negative or non-finite step durations, naming the step and the VM', () => {
    const schedule = compiled({ groups: [{ name: 'g', vms: ['a'] }] }, [workload('a')]);
    expect(() => forecastSchedule({ schedule, durations: { recover: 3, powerOn: -1 } })).toThrow(
      "step 'powerOn' must last a non-negative finite number of seconds, got -1",
    );
    expect(() => forecastSchedule({ schedule, durations: () => ({ recover: NaN }) })).toThrow(
      "step 'recover' of vm 'a' must last a non-negative finite number of seconds, got NaN",
    );
  });
});

describe('forecastSchedule: randomized plans', () => {
  function randomCase(seed: number) {
    const random = prng(seed);
    const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
    const targets = int(1, 4);
    const vms: PlanVm[] = [];
    const count = int(1, 40);
    for (let i = 0; i < count; i++) {
      vms.push({
        name: `vm-${i}`,
        role: random() < 0.15 ? 'management' : 'workload',
        ...(random() < 0.8 ? { masterTarget: `mt-${int(1, targets)}` } : {}),
      });
    }
    const groupCount = int(1, 4);
    const plan: RecoveryPlanSpec = { groups: [], dependencies: [] };
    for (let g = 0; g < groupCount; g++) {
      plan.groups.push({ name: `g${g}`, vms: [], ...(random() < 0.7 ? { maxConcurrency: int(1, 5) } : {}) });
    }
    const stageOf = new Map<string, number>();
    for (const vm of vms) {
      if (vm.role === 'management') {
        stageOf.set(vm.name, 0);
      } else if (random() < 0.9) {
        const g = int(0, groupCount - 1);
        plan.groups[g].vms.push(vm.name);
        stageOf.set(vm.name, g + 1);
      }
    }
    // A management VM listed in a group still runs in stage 0.
    const someManagement = vms.find((v) => v.role === 'management');
    if (someManagement && random() < 0.3) plan.groups[int(0, groupCount - 1)].vms.push(someManagement.name);
    // Dropping empty groups keeps the stages' relative order, which is all the dependencies below rely on.
    plan.groups = plan.groups.filter((g) => g.vms.length > 0);
    // Acyclic by construction: a VM depends only on lower-numbered VMs of its own or an earlier stage.
    const listed = vms.filter((v) => stageOf.has(v.name));
    const stage = (name: string) => stageOf.get(name) as number;
    listed.forEach((vm, i) => {
      const deps = listed.slice(0, i).filter((d) => stage(d.name) <= stage(vm.name) && random() < 0.2);
      if (deps.length > 0) plan.dependencies?.push({ vm: vm.name, dependsOn: deps.map((d) => d.name) });
    });
    const caps: ScheduleCaps = {
      ...(random() < 0.6 ? { perMasterTarget: int(1, 3) } : {}),
      ...(random() < 0.5 ? { perSite: int(1, 6) } : {}),
    };
    const seconds = new Map(vms.map((v) => [v.name, int(1, 60)]));
    return { plan, vms, caps, seconds };
  }

  it('is feasible and never beats its lower bound, over 300 seeded plans', () => {
    let tight = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const { plan, vms, caps, seconds } = randomCase(seed);
      const result = compilePlan(plan, vms, caps);
      if (!result.ok) throw new Error(`seed ${seed}: ${JSON.stringify(result.problems)}`);
      const durations = (vm: ScheduledVm) => ({ recover: (seconds.get(vm.vm) as number) - 1, powerOn: 1 });
      const forecast = forecastSchedule({ schedule: result.schedule, durations });
      expect(forecast.lowerBound).toBeLessThanOrEqual(forecast.estimatedMakespan);
      expectFeasible(result.schedule, forecast, (vm) => seconds.get(vm.vm) as number);
      if (forecast.lowerBound === forecast.estimatedMakespan) tight++;
    }
    // The bound is meant to be useful, not only valid.
    expect(tight).toBeGreaterThan(30);
  });

  it('is deterministic', () => {
    const { plan, vms, caps, seconds } = randomCase(42);
    const run = () => {
      const result = compilePlan(plan, vms, caps);
      if (!result.ok) throw new Error('expected the plan to compile');
      return forecastSchedule({ schedule: result.schedule, durations: (vm) => ({ recover: seconds.get(vm.vm) as number }) });
    };
    const first = run();
    expect(JSON.stringify(run())).toBe(JSON.stringify(first));
    expect(JSON.parse(JSON.stringify(first))).toStrictEqual(first);
  });
});

describe('slotBound: whole VMs on parallel slots', () => {
  /** The best makespan over every assignment of VMs to slots (exact for independent VMs; small n only). */
  function optimum(durations: number[], slots: number): number {
    let best = Infinity;
    const load = new Array<number>(slots).fill(0);
    const place = (i: number): void => {
      if (i === durations.length) return void (best = Math.min(best, Math.max(...load)));
      for (let s = 0; s < slots; s++) {
        load[s] += durations[i];
        if (load[s] < best) place(i + 1);
        load[s] -= durations[i];
        // Empty slots are interchangeable: trying one is enough.
        if (load[s] === 0) break;
      }
    };
    place(0);
    return best;
  }

  it('is ⌈n / slots⌉ rounds for equal VMs, where work over slots counts fractions', () => {
    expect(slotBound(Array(25).fill(10), 20)).toBe(20);
    expect(slotBound(Array(40).fill(10), 20)).toBe(20);
    expect(slotBound(Array(41).fill(10), 20)).toBe(30);
    expect(slotBound(Array(5).fill(10), 20)).toBe(2.5);
    expect(slotBound([], 3)).toBe(0);
    expect(slotBound([7, 8], Infinity)).toBe(0);
  });

  it('never exceeds the optimum, over 400 seeded sets of VMs', () => {
    const random = prng(7);
    let tight = 0;
    for (let c = 0; c < 400; c++) {
      const n = 1 + Math.floor(random() * 8);
      const slots = 1 + Math.floor(random() * 4);
      const durations = Array.from({ length: n }, () => 1 + Math.floor(random() * 30));
      const best = optimum(durations, slots);
      const bound = slotBound(durations, slots);
      expect(bound).toBeLessThanOrEqual(best + 1e-9);
      if (Math.abs(bound - best) < 1e-9) tight++;
    }
    expect(tight).toBeGreaterThan(150);
  });
});
