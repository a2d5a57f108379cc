import {
  compilePlan,
  forecastSchedule,
  type ExecutionSchedule,
  type PlanDependency,
  type PlanGroup,
  type PlanProblem,
  type PlanVm,
  type RecoveryPlanSpec,
} from '../../domain/plan-compiler';

const workload = (name: string, extra: Partial<PlanVm> = {}): PlanVm => ({ name, role: 'workload', ...extra });
const management = (name: string, extra: Partial<PlanVm> = {}): PlanVm => ({ name, role: 'management', ...extra });

function compiled(plan: RecoveryPlanSpec, vms: PlanVm[], caps = {}): ExecutionSchedule {
  const result = compilePlan(plan, vms, caps);
  if (!result.ok) throw new Error(`expected the plan to compile, got ${JSON.stringify(result.problems)}`);
  return result.schedule;
}

function problemsOf(plan: RecoveryPlanSpec, vms: PlanVm[], caps = {}): PlanProblem[] {
  const result = compilePlan(plan, vms, caps);
  if (result.ok) throw new Error('expected the plan to be rejected');
  return result.problems;
}

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

describe('compilePlan: ordering', () => {
  const vms = [
    workload('web-1'),
    management('mon-1', { masterTarget: 'mt-1' }),
    workload('db-1', { masterTarget: 'mt-1', critical: true }),
    workload('app-1'),
    management('dns-1'),
    workload('spare-1'),
  ];

  it('puts every management VM in stage 0, then one stage per group in plan order', () => {
    const schedule = compiled(
      {
        groups: [
          { name: 'databases', vms: ['db-1'], maxConcurrency: 2 },
          { name: 'apps', vms: ['app-1', 'web-1'], approvalRequired: true },
        ],
      },
      vms,
      { perMasterTarget: 3 },
    );

    expect(schedule.stages).toEqual([
      { index: 0, group: 'management', kind: 'management', maxConcurrency: null, approvalRequired: false, vms: ['mon-1', 'dns-1'] },
      { index: 1, group: 'databases', kind: 'workload', maxConcurrency: 2, approvalRequired: false, vms: ['db-1'] },
      { index: 2, group: 'apps', kind: 'workload', maxConcurrency: null, approvalRequired: true, vms: ['app-1', 'web-1'] },
    ]);
    expect(schedule.vms).toStrictEqual([
      { vm: 'mon-1', role: 'management', stage: 0, group: 'management', masterTarget: 'mt-1', dependsOn: [], critical: false },
      { vm: 'dns-1', role: 'management', stage: 0, group: 'management', dependsOn: [], critical: false },
      { vm: 'db-1', role: 'workload', stage: 1, group: 'databases', masterTarget: 'mt-1', dependsOn: [], critical: true },
      { vm: 'app-1', role: 'workload', stage: 2, group: 'apps', dependsOn: [], critical: false },
      { vm: 'web-1', role: 'workload', stage: 2, group: 'apps', dependsOn: [], critical: false },
    ]);
    expect(schedule.caps).toEqual({ perMasterTarget: 3, perSite: null });
    expect(schedule.notRecovered).toEqual(['spare-1']);
  });

  it('orders a stage by its dependencies, then by plan order', () => {
    const schedule = compiled(
      {
        groups: [{ name: 'tier', vms: ['web-1', 'app-1', 'db-1'] }],
        dependencies: [
          { vm: 'web-1', dependsOn: ['app-1'] },
          { vm: 'app-1', dependsOn: ['db-1'] },
        ],
      },
      vms,
    );
    expect(schedule.stages[1].vms).toEqual(['db-1', 'app-1', 'web-1']);
  });

  it('starts the longest dependency chain first; independent VMs keep plan order', () => {
    const names = ['x', 'y', 'c', 'b', 'a', 'z'];
    const schedule = compiled(
      {
        groups: [{ name: 'g', vms: names }],
        dependencies: [
          { vm: 'c', dependsOn: ['b'] },
          { vm: 'b', dependsOn: ['a'] },
        ],
      },
      names.map((n) => workload(n)),
    );
    expect(schedule.stages[1].vms).toEqual(['a', 'b', 'x', 'y', 'c', 'z']);
  });

  it('keeps dependencies on earlier stages in dependsOn, in declaration order, without duplicates', () => {
    const schedule = compiled(
      {
        groups: [
          { name: 'databases', vms: ['db-1'] },
          { name: 'apps', vms: ['app-1', 'web-1'] },
        ],
        dependencies: [
          { vm: 'web-1', dependsOn: ['app-1', 'dns-1'] },
          { vm: 'web-1', dependsOn: ['db-1', 'app-1'] },
          { vm: 'app-1', dependsOn: ['mon-1'] },
        ],
      },
      vms,
    );
    const web = schedule.vms.find((v) => v.vm === 'web-1');
    expect(web?.dependsOn).toEqual(['app-1', 'dns-1', 'db-1']);
    expect(schedule.stages[2].vms).toEqual(['app-1', 'web-1']);
    expect(schedule.vms.find((v) => v.vm === 'app-1')?.dependsOn).toEqual(['mon-1']);
  });

  it('moves a management VM listed in a workload group to stage 0, leaving the group stage in place', () => {
    const schedule = compiled(
      {
        groups: [
          { name: 'infra', vms: ['dns-1'], approvalRequired: true },
          { name: 'apps', vms: ['app-1', 'mon-1'] },
        ],
        dependencies: [{ vm: 'mon-1', dependsOn: ['dns-1'] }],
      },
      vms,
    );
    expect(schedule.stages.map((s) => [s.group, s.vms])).toEqual([
      ['management', ['dns-1', 'mon-1']],
      ['infra', []],
      ['apps', ['app-1']],
    ]);
    expect(schedule.stages[1].approvalRequired).toBe(true);
    expect(schedule.vms.find((v) => v.vm === 'mon-1')).toMatchObject({ stage: 0, group: 'management' });
  });

  it('has a management stage even when the tenant has no management VM', () => {
    const schedule = compiled({ groups: [{ name: 'g', vms: ['a'] }] }, [workload('a')]);
    expect(schedule.stages.map((s) => [s.index, s.group, s.vms])).toEqual([
      [0, 'management', []],
      [1, 'g', ['a']],
    ]);
  });

  it('ignores dependencies declared for tenant VMs the plan does not recover', () => {
    const schedule = compiled(
      { groups: [{ name: 'g', vms: ['a'] }], dependencies: [{ vm: 'b', dependsOn: ['a', 'c'] }] },
      [workload('a'), workload('b'), workload('c')],
    );
    expect(schedule.vms.map((v) => v.vm)).toEqual(['a']);
    expect(schedule.notRecovered).toEqual(['b', 'c']);
  });
});

describe('compilePlan: problems', () => {
  const vms = ['a', 'b', 'c', 'd', 'e'].map((n) => workload(n)).concat([management('m')]);
  const one = (groups: PlanGroup[], dependencies: PlanDependency[] = [], caps = {}) =>
    problemsOf({ groups, dependencies }, vms, caps);

  it('unknown-vm in a group names the VM and the group', () => {
    expect(one([{ name: 'g', vms: ['a', 'ghost'] }])).toEqual([
      { code: 'unknown-vm', message: "group 'g' lists 'ghost', which is not a VM of this tenant", items: ['ghost', 'g'] },
    ]);
  });

  it('unknown-vm in dependencies names the unknown VM and the dependent', () => {
    expect(one([{ name: 'g', vms: ['a'] }], [{ vm: 'a', dependsOn: ['ghost'] }, { vm: 'phantom', dependsOn: ['a'] }])).toEqual([
      { code: 'unknown-vm', message: "'a' depends on 'ghost', which is not a VM of this tenant", items: ['ghost', 'a'] },
      { code: 'unknown-vm', message: "a dependency is declared for 'phantom', which is not a VM of this tenant", items: ['phantom'] },
    ]);
  });

  it('rejects a dependency on a tenant VM the plan does not recover', () => {
    expect(one([{ name: 'g', vms: ['a'] }], [{ vm: 'a', dependsOn: ['b'] }])).toEqual([
      {
        code: 'unknown-vm',
        message: "'a' depends on 'b', which this plan does not recover (it is in no group)",
        items: ['b', 'a'],
      },
    ]);
  });

  it('duplicate-vm names the VM and every group listing it', () => {
    expect(
      one([
        { name: 'g1', vms: ['a', 'b'] },
        { name: 'g2', vms: ['c', 'a'] },
        { name: 'g3', vms: ['a', 'd', 'd'] },
      ]),
    ).toEqual([
      { code: 'duplicate-vm', message: "vm 'a' is listed more than once, in groups 'g1', 'g2', 'g3'", items: ['a', 'g1', 'g2', 'g3'] },
      { code: 'duplicate-vm', message: "vm 'd' is listed more than once, in groups 'g3', 'g3'", items: ['d', 'g3', 'g3'] },
    ]);
  });

  it('duplicate-vm when the inventory repeats a name', () => {
    const problems = problemsOf({ groups: [{ name: 'g', vms: ['a'] }] }, [workload('a'), workload('a')]);
    expect(problems).toEqual([
      { code: 'duplicate-vm', message: "vm 'a' appears more than once in the tenant's inventory", items: ['a'] },
    ]);
  });

  it('cycle names the VMs in dependency order, from the earliest listed', () => {
    expect(
      one(
        [{ name: 'g', vms: ['a', 'b', 'c', 'd'] }],
        [
          { vm: 'b', dependsOn: ['c'] },
          { vm: 'a', dependsOn: ['b'] },
          { vm: 'c', dependsOn: ['a'] },
          { vm: 'd', dependsOn: ['a'] },
        ],
      ),
    ).toEqual([{ code: 'cycle', message: 'dependency cycle: a -> b -> c -> a', items: ['a', 'b', 'c', 'a'] }]);
  });

  it('reports every independent cycle, and the shortest cycle through the first VM', () => {
    const problems = one(
      [{ name: 'g', vms: ['a', 'b', 'c', 'd', 'e'] }],
      [
        { vm: 'e', dependsOn: ['d'] },
        { vm: 'd', dependsOn: ['e'] },
        { vm: 'a', dependsOn: ['b', 'c'] },
        { vm: 'b', dependsOn: ['c'] },
        { vm: 'c', dependsOn: ['a'] },
      ],
    );
    expect(problems.map((p) => [p.code, p.items])).toEqual([
      ['cycle', ['a', 'c', 'a']],
      ['cycle', ['d', 'e', 'd']],
    ]);
    expect(problems[1].message).toBe('dependency cycle: d -> e -> d');
  });

  it('forward-dependency names both VMs and their stages; a cycle across groups is also a cycle', () => {
    expect(
      one(
        [
          { name: 'db', vms: ['a'] },
          { name: 'app', vms: ['b'] },
        ],
        [
          { vm: 'a', dependsOn: ['b'] },
          { vm: 'b', dependsOn: ['a'] },
          { vm: 'm', dependsOn: ['b'] },
        ],
      ),
    ).toEqual([
      {
        code: 'forward-dependency',
        message:
          "'a' (group 'db', stage 1) depends on 'b' in a later stage (group 'app', stage 2); dependencies across groups may only point to earlier groups",
        items: ['a', 'b'],
      },
      {
        code: 'forward-dependency',
        message:
          "'m' (management stage 0) depends on 'b' in a later stage (group 'app', stage 2); dependencies across groups may only point to earlier groups",
        items: ['m', 'b'],
      },
      { code: 'cycle', message: 'dependency cycle: a -> b -> a', items: ['a', 'b', 'a'] },
    ]);
  });

  it('empty-group', () => {
    expect(one([{ name: 'g', vms: ['a'] }, { name: 'nothing', vms: [] }])).toEqual([
      { code: 'empty-group', message: "group 'nothing' lists no VMs", items: ['nothing'] },
    ]);
  });

  it('duplicate-group, once per name; management is reserved', () => {
    expect(
      one([
        { name: 'g', vms: ['a'] },
        { name: 'management', vms: ['b'] },
        { name: 'g', vms: ['c'] },
        { name: 'g', vms: ['d'] },
      ]),
    ).toEqual([
      { code: 'duplicate-group', message: "group name 'g' is used by 3 groups (positions 1, 3, 4)", items: ['g'] },
      { code: 'duplicate-group', message: "group name 'management' is reserved for the management stage (stage 0)", items: ['management'] },
    ]);
  });

  it('bad-concurrency for a group limit or a cap that is not a positive integer', () => {
    const problems = one(
      [
        { name: 'zero', vms: ['a'], maxConcurrency: 0 },
        { name: 'half', vms: ['b'], maxConcurrency: 1.5 },
        { name: 'fine', vms: ['c'], maxConcurrency: 1 },
        { name: 'text', vms: ['d'], maxConcurrency: '2' as unknown as number },
      ],
      [],
      { perMasterTarget: -1, perSite: 4 },
    );
    expect(problems.map((p) => [p.code, p.items])).toEqual([
      ['bad-concurrency', ['perMasterTarget', '-1']],
      ['bad-concurrency', ['zero', '0']],
      ['bad-concurrency', ['half', '1.5']],
      ['bad-concurrency', ['text', '2']],
    ]);
    expect(problems[1].message).toBe("group 'zero': maxConcurrency must be a positive integer, got 0");
    expect(problems[0].message).toBe('perMasterTarget cap must be a positive integer, got -1');
  });

  it('self-dependency, once per VM, and not also a cycle', () => {
    expect(one([{ name: 'g', vms: ['a'] }], [{ vm: 'a', dependsOn: ['a'] }, { vm: 'a', dependsOn: ['a'] }])).toEqual([
      { code: 'self-dependency', message: "vm 'a' depends on itself", items: ['a'] },
    ]);
  });

  it('reports all problems at once, in a stable order', () => {
    const problems = one(
      [
        { name: 'g1', vms: ['a', 'b', 'ghost'], maxConcurrency: 0 },
        { name: 'g1', vms: ['b', 'c'] },
        { name: 'empty', vms: [] },
        { name: 'g3', vms: ['d', 'e'] },
      ],
      [
        { vm: 'a', dependsOn: ['a', 'd', 'nobody'] },
        { vm: 'd', dependsOn: ['e'] },
        { vm: 'e', dependsOn: ['d'] },
      ],
    );
    expect(problems.map((p) => [p.code, ...p.items])).toEqual([
      ['duplicate-group', 'g1'],
      ['bad-concurrency', 'g1', '0'],
      ['empty-group', 'empty'],
      ['unknown-vm', 'ghost', 'g1'],
      ['duplicate-vm', 'b', 'g1', 'g1'],
      ['self-dependency', 'a'],
      ['forward-dependency', 'a', 'd'],
      ['unknown-vm', 'nobody', 'a'],
      ['cycle', 'd', 'e', 'd'],
    ]);
  });
});

describe('compilePlan: determinism and plain JSON', () => {
  it('gives identical, plain-JSON output for the same input', () => {
    const vms = [management('m1'), workload('a', { masterTarget: 'mt' }), workload('b'), workload('c')];
    const plan: RecoveryPlanSpec = {
      groups: [{ name: 'g', vms: ['c', 'b', 'a'], maxConcurrency: 2 }],
      dependencies: [{ vm: 'c', dependsOn: ['a', 'm1'] }],
    };
    const first = compilePlan(plan, vms, { perSite: 5 });
    const second = compilePlan(structuredClone(plan), structuredClone(vms), { perSite: 5 });
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
    expect(JSON.parse(JSON.stringify(first))).toStrictEqual(first);
  });

  it('does not modify its inputs', () => {
    const vms = [workload('a'), workload('b')];
    const plan: RecoveryPlanSpec = { groups: [{ name: 'g', vms: ['b', 'a'] }], dependencies: [{ vm: 'b', dependsOn: ['a'] }] };
    const before = JSON.stringify([plan, vms]);
    compilePlan(plan, vms);
    expect(JSON.stringify([plan, vms])).toBe(before);
  });
});

describe('compilePlan: a 5,000-VM plan', () => {
  const random = prng(5000);
  const groups = 10;
  const perGroup = 495;
  const vms: PlanVm[] = [];
  for (let i = 0; i < 50; i++) vms.push(management(`mgmt-${i}`, { masterTarget: `mt-${i % 4}` }));
  const plan: RecoveryPlanSpec = { groups: [], dependencies: [] };
  const declared = new Map<string, string[]>();
  for (let g = 0; g < groups; g++) {
    const names: string[] = [];
    for (let i = 0; i < perGroup; i++) {
      const name = `g${g}-vm-${i}`;
      vms.push(workload(name, { masterTarget: `mt-${Math.floor(random() * 12)}`, critical: i % 97 === 0 }));
      names.push(name);
    }
    plan.groups.push({ name: `wave-${g}`, vms: names, maxConcurrency: 25 + g, approvalRequired: g % 3 === 2 });
  }
  const listed = plan.groups.flatMap((g, gi) => g.vms.map((vm, i) => ({ vm, gi, i })));
  // ~5,000 dependencies: on an earlier VM of the same group (listed in any order) or of an earlier group.
  for (const { vm, gi, i } of listed) {
    const deps: string[] = [];
    if (i > 0 && random() < 0.7) deps.push(plan.groups[gi].vms[Math.floor(random() * i)]);
    if (gi > 0 && random() < 0.3) deps.push(plan.groups[Math.floor(random() * gi)].vms[Math.floor(random() * perGroup)]);
    if (random() < 0.05) deps.push(`mgmt-${Math.floor(random() * 50)}`);
    if (deps.length > 0) {
      plan.dependencies?.push({ vm, dependsOn: deps });
      declared.set(vm, deps);
    }
  }
  // Shuffle each group's listing so that dependencies point both ways in plan order.
  for (const g of plan.groups) {
    for (let i = g.vms.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [g.vms[i], g.vms[j]] = [g.vms[j], g.vms[i]];
    }
  }
  const caps = { perMasterTarget: 6, perSite: 30 };

  it('compiles to a valid schedule', () => {
    const edges = plan.dependencies?.reduce((sum, d) => sum + d.dependsOn.length, 0);
    expect(edges).toBeGreaterThan(4500);
    const schedule = compiled(plan, vms, caps);

    expect(schedule.vms).toHaveLength(5000);
    expect(new Set(schedule.vms.map((v) => v.vm)).size).toBe(5000);
    expect(schedule.stages).toHaveLength(groups + 1);
    expect(schedule.stages[0].vms).toHaveLength(50);
    const byName = new Map(schedule.vms.map((v) => [v.vm, v]));
    schedule.stages.forEach((stage, s) => {
      const position = new Map(stage.vms.map((vm, i) => [vm, i]));
      expect(new Set(stage.vms)).toEqual(new Set(s === 0 ? vms.slice(0, 50).map((v) => v.name) : plan.groups[s - 1].vms));
      for (const name of stage.vms) {
        const vm = byName.get(name);
        expect(vm?.stage).toBe(s);
        expect(vm?.dependsOn).toEqual(declared.get(name) ?? []);
        for (const dep of vm?.dependsOn ?? []) {
          const target = byName.get(dep);
          expect(target?.stage).toBeLessThanOrEqual(s);
          if (target?.stage === s) expect(position.get(dep)).toBeLessThan(position.get(name) as number);
        }
      }
    });
    expect(schedule.vms.map((v) => v.vm)).toEqual(schedule.stages.flatMap((s) => s.vms));
    expect(schedule.vms.filter((v) => v.critical).length).toBe(groups * Math.ceil(perGroup / 97));

    const forecast = forecastSchedule({ schedule, durations: { recover: 30, reIp: 5, powerOn: 20, healthCheck: 10 } });
    expect(forecast.vms).toHaveLength(5000);
    expect(forecast.lowerBound).toBeLessThanOrEqual(forecast.estimatedMakespan);
    expect(forecast.lowerBound).toBeGreaterThan(0);
    const timeline = new Map(forecast.vms.map((v) => [v.vm, v]));
    for (const vm of schedule.vms) {
      const own = timeline.get(vm.vm);
      for (const dep of vm.dependsOn) expect(own?.start).toBeGreaterThanOrEqual(timeline.get(dep)?.end as number);
    }
  });

  it('finds a cycle closed across 5,000 VMs', () => {
    const chainPlan: RecoveryPlanSpec = {
      groups: [{ name: 'long', vms: vms.slice(50).map((v) => v.name) }],
      dependencies: vms.slice(51).map((v, i) => ({ vm: v.name, dependsOn: [vms[50 + i].name] })),
    };
    expect(compiled(chainPlan, vms).stages[1].vms).toEqual(vms.slice(50).map((v) => v.name));
    chainPlan.dependencies?.push({ vm: vms[50].name, dependsOn: [vms[vms.length - 1].name] });
    const problems = problemsOf(chainPlan, vms);
    expect(problems).toHaveLength(1);
    expect(problems[0].code).toBe('cycle');
    expect(problems[0].items).toHaveLength(4951);
    expect(problems[0].items[0]).toBe('g0-vm-0');
    expect(problems[0].items[1]).toBe(vms[vms.length - 1].name);
    expect(problems[0].items[4950]).toBe('g0-vm-0');
  });
});
