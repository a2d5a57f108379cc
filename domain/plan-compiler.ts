/**
 * The recovery plan compiler: validates a tenant's recovery plan against its protected VMs and compiles it
 * into the staged execution schedule that the failover, failback and drill workflows run.
 *
 * Pure and deterministic (plain TypeScript, no I/O): the workflows import it inside Temporal's sandbox.
 * Runs in O((V + D) log V) for V VMs and D dependencies.
 */
import type {
  CompileResult,
  ExecutionSchedule,
  PlanProblem,
  PlanProblemCode,
  PlanVm,
  RecoveryPlanSpec,
  ScheduleCaps,
  ScheduledVm,
  ScheduleStage,
} from './recovery-plan';

export * from './recovery-plan';
export { forecastSchedule } from './forecast';

/** Name of the synthetic stage 0; reserved, so that a group name always identifies one stage. */
export const MANAGEMENT_STAGE = 'management';

interface Node {
  vm: PlanVm;
  stage: number;
  group: string;
}

/**
 * Compiles `plan` for a tenant whose protected VMs are `vms`.
 *
 * Stage 0 holds every management VM of the tenant. A management VM listed in a workload group is not an
 * error: it still goes to stage 0, because management services are restored before any workload. Stage
 * k >= 1 is plan group k - 1, even when it is left with no VMs. Workload VMs listed in no group are not
 * recovered (`notRecovered`).
 *
 * Every problem is reported, in a stable order. `items` layout per code:
 * - `unknown-vm`: [name, context] where context is the listing group or the dependent VM, if any. A
 *   dependency on a tenant VM that the plan does not recover is reported here too: it could never be met.
 * - `duplicate-vm`: [vm, ...every group listing it] (or [vm] when the inventory itself repeats it).
 * - `cycle`: the cycle in dependency order, first VM repeated at the end. One cycle per strongly connected set.
 * - `forward-dependency`: [vm, the VM in a later stage it depends on].
 * - `empty-group`, `duplicate-group`: [group]. The name `management` is reserved (duplicate-group).
 * - `bad-concurrency`: [group or cap name, the rejected value].
 * - `self-dependency`: [vm].
 */
export function compilePlan(plan: RecoveryPlanSpec, vms: PlanVm[], caps: ScheduleCaps = {}): CompileResult {
  const problems: PlanProblem[] = [];
  const report = (code: PlanProblemCode, message: string, items: string[]): void => {
    problems.push({ code, message, items });
  };

  for (const cap of ['perMasterTarget', 'perSite'] as const) {
    const value = caps[cap];
    if (value != null && !isPositiveInteger(value)) {
      report('bad-concurrency', `${cap} cap must be a positive integer, got ${String(value)}`, [cap, String(value)]);
    }
  }

  const inventory = new Map<string, PlanVm>();
  for (const vm of vms) {
    if (inventory.has(vm.name)) {
      report('duplicate-vm', `vm '${vm.name}' appears more than once in the tenant's inventory`, [vm.name]);
    } else {
      inventory.set(vm.name, vm);
    }
  }

  const nodes: Node[] = [];
  const nodeOf = new Map<string, number>();
  const addNode = (vm: PlanVm, stage: number, group: string): void => {
    nodeOf.set(vm.name, nodes.length);
    nodes.push({ vm, stage, group });
  };
  for (const vm of inventory.values()) {
    if (vm.role === 'management') addNode(vm, 0, MANAGEMENT_STAGE);
  }

  checkGroups(plan, report);

  const listedIn = new Map<string, string[]>();
  plan.groups.forEach((group, g) => {
    for (const name of group.vms ?? []) {
      const vm = inventory.get(name);
      if (!vm) {
        report('unknown-vm', `group '${group.name}' lists '${name}', which is not a VM of this tenant`, [name, group.name]);
        continue;
      }
      const groups = listedIn.get(name);
      if (groups) {
        groups.push(group.name);
        continue;
      }
      listedIn.set(name, [group.name]);
      if (vm.role === 'workload') addNode(vm, g + 1, group.name);
    }
  });
  for (const [name, groups] of listedIn) {
    if (groups.length > 1) {
      const where = groups.map((g) => `'${g}'`).join(', ');
      report('duplicate-vm', `vm '${name}' is listed more than once, in groups ${where}`, [name, ...groups]);
    }
  }

  const dependsOn: number[][] = nodes.map(() => []);
  const seenPairs = new Set<string>();
  const unknownDependents = new Set<string>();
  for (const dep of plan.dependencies ?? []) {
    const from = nodeOf.get(dep.vm);
    if (!inventory.has(dep.vm) && !unknownDependents.has(dep.vm)) {
      unknownDependents.add(dep.vm);
      report('unknown-vm', `a dependency is declared for '${dep.vm}', which is not a VM of this tenant`, [dep.vm]);
    }
    for (const target of dep.dependsOn ?? []) {
      const pair = `${dep.vm}\u0000${target}`;
      if (seenPairs.has(pair)) continue;
      seenPairs.add(pair);
      if (target === dep.vm) {
        report('self-dependency', `vm '${dep.vm}' depends on itself`, [dep.vm]);
        continue;
      }
      if (!inventory.has(target)) {
        report('unknown-vm', `'${dep.vm}' depends on '${target}', which is not a VM of this tenant`, [target, dep.vm]);
        continue;
      }
      // A dependency of a VM the plan does not recover is irrelevant.
      if (from === undefined) continue;
      const to = nodeOf.get(target);
      if (to === undefined) {
        report('unknown-vm', `'${dep.vm}' depends on '${target}', which this plan does not recover (it is in no group)`, [target, dep.vm]);
        continue;
      }
      dependsOn[from].push(to);
      if (nodes[to].stage > nodes[from].stage) {
        report(
          'forward-dependency',
          `'${dep.vm}' (${describeStage(nodes[from])}) depends on '${target}' in a later stage (${describeStage(nodes[to])}); ` +
            'dependencies across groups may only point to earlier groups',
          [dep.vm, target],
        );
      }
    }
  }

  for (const cycle of findCycles(dependsOn)) {
    const names = cycle.map((n) => nodes[n].vm.name);
    report('cycle', `dependency cycle: ${names.join(' -> ')}`, names);
  }

  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, schedule: buildSchedule(plan, inventory, nodes, dependsOn, caps) };
}

function checkGroups(plan: RecoveryPlanSpec, report: (code: PlanProblemCode, message: string, items: string[]) => void): void {
  const positions = new Map<string, number[]>();
  plan.groups.forEach((group, g) => {
    const seen = positions.get(group.name);
    if (seen) seen.push(g + 1);
    else positions.set(group.name, [g + 1]);
  });
  for (const [name, at] of positions) {
    if (name === MANAGEMENT_STAGE) {
      report('duplicate-group', `group name '${name}' is reserved for the management stage (stage 0)`, [name]);
    } else if (at.length > 1) {
      report('duplicate-group', `group name '${name}' is used by ${at.length} groups (positions ${at.join(', ')})`, [name]);
    }
  }
  for (const group of plan.groups) {
    const limit = group.maxConcurrency;
    if (limit != null && !isPositiveInteger(limit)) {
      report(
        'bad-concurrency',
        `group '${group.name}': maxConcurrency must be a positive integer, got ${String(limit)}`,
        [group.name, String(limit)],
      );
    }
    if (!group.vms || group.vms.length === 0) {
      report('empty-group', `group '${group.name}' lists no VMs`, [group.name]);
    }
  }
}

function isPositiveInteger(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1;
}

function describeStage(node: Node): string {
  return node.stage === 0 ? 'management stage 0' : `group '${node.group}', stage ${node.stage}`;
}

/**
 * One cycle per strongly connected set of more than one VM (Tarjan, iterative so that long chains do not
 * exhaust the stack). Each cycle starts at its earliest-listed VM and is a shortest one through it.
 * Cycles come out in order of their first VM.
 */
function findCycles(edges: number[][]): number[][] {
  const n = edges.length;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const workNode: number[] = [];
  const workEdge: number[] = [];
  const components: number[][] = [];
  let counter = 0;

  const visit = (v: number): void => {
    index[v] = low[v] = counter++;
    stack.push(v);
    onStack[v] = 1;
    workNode.push(v);
    workEdge.push(0);
  };

  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    visit(root);
    while (workNode.length > 0) {
      const top = workNode.length - 1;
      const v = workNode[top];
      const i = workEdge[top];
      if (i < edges[v].length) {
        workEdge[top] = i + 1;
        const w = edges[v][i];
        if (index[w] === -1) visit(w);
        else if (onStack[w]) low[v] = Math.min(low[v], index[w]);
        continue;
      }
      workNode.pop();
      workEdge.pop();
      if (workNode.length > 0) {
        const parent = workNode[workNode.length - 1];
        low[parent] = Math.min(low[parent], low[v]);
      }
      if (low[v] === index[v]) {
        const component: number[] = [];
        let w: number;
        do {
          w = stack.pop() as number;
          onStack[w] = 0;
          component.push(w);
        } while (w !== v);
        if (component.length > 1) components.push(component);
      }
    }
  }

  const member = new Int32Array(n).fill(-1);
  components.forEach((component, c) => component.forEach((v) => (member[v] = c)));
  return components
    .map((component, c) => shortestCycleThrough(component.reduce((a, b) => Math.min(a, b)), c, edges, member))
    .sort((a, b) => a[0] - b[0]);
}

/** Breadth-first search from `start` back to itself, staying inside its strongly connected component. */
function shortestCycleThrough(start: number, component: number, edges: number[][], member: Int32Array): number[] {
  const previous = new Map<number, number>([[start, -1]]);
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head];
    for (const w of edges[v]) {
      if (w === start) {
        const path: number[] = [];
        for (let u = v; u !== -1; u = previous.get(u) as number) path.push(u);
        return [...path.reverse(), start];
      }
      if (member[w] === component && !previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  throw new Error('unreachable: a strongly connected component always has a cycle through each member');
}

function buildSchedule(
  plan: RecoveryPlanSpec,
  inventory: Map<string, PlanVm>,
  nodes: Node[],
  dependsOn: number[][],
  caps: ScheduleCaps,
): ExecutionSchedule {
  const n = nodes.length;

  // Dispatch priority inside a stage: the longest chain of same-stage dependents, counted in VMs. A VM always
  // ranks strictly above its dependents, so sorting by it yields a topological order.
  const dependents: number[][] = nodes.map(() => []);
  const pending = new Int32Array(n);
  for (let v = 0; v < n; v++) {
    for (const d of dependsOn[v]) {
      if (nodes[d].stage === nodes[v].stage) {
        dependents[d].push(v);
        pending[v]++;
      }
    }
  }
  const topological: number[] = [];
  for (let v = 0; v < n; v++) if (pending[v] === 0) topological.push(v);
  for (let head = 0; head < topological.length; head++) {
    for (const w of dependents[topological[head]]) {
      if (--pending[w] === 0) topological.push(w);
    }
  }
  const chain = new Int32Array(n);
  for (let i = topological.length - 1; i >= 0; i--) {
    const v = topological[i];
    let longest = 0;
    for (const w of dependents[v]) longest = Math.max(longest, chain[w]);
    chain[v] = longest + 1;
  }

  const members: number[][] = [[], ...plan.groups.map(() => [])];
  for (let v = 0; v < n; v++) members[nodes[v].stage].push(v);
  for (const stage of members) stage.sort((a, b) => chain[b] - chain[a] || a - b);

  const stages: ScheduleStage[] = members.map((stage, index) => {
    const group = index === 0 ? undefined : plan.groups[index - 1];
    return {
      index,
      group: group ? group.name : MANAGEMENT_STAGE,
      kind: index === 0 ? 'management' : 'workload',
      maxConcurrency: group?.maxConcurrency ?? null,
      approvalRequired: group?.approvalRequired === true,
      vms: stage.map((v) => nodes[v].vm.name),
    };
  });

  const scheduled: ScheduledVm[] = [];
  for (const stage of members) {
    for (const v of stage) {
      const { vm, stage: index, group } = nodes[v];
      scheduled.push({
        vm: vm.name,
        role: vm.role,
        stage: index,
        group,
        ...(vm.masterTarget != null ? { masterTarget: vm.masterTarget } : {}),
        dependsOn: dependsOn[v].map((d) => nodes[d].vm.name),
        critical: vm.critical === true,
      });
    }
  }

  const recovered = new Set(scheduled.map((s) => s.vm));
  const notRecovered = [...inventory.values()].filter((vm) => !recovered.has(vm.name)).map((vm) => vm.name);

  return {
    stages,
    vms: scheduled,
    caps: { perMasterTarget: caps.perMasterTarget ?? null, perSite: caps.perSite ?? null },
    notRecovered,
  };
}
