/**
 * Forecast of a compiled schedule: the critical-path lower bound of its makespan under the caps, and the
 * timeline of a greedy list schedule (the plan preview's ETA).
 *
 * Pure and deterministic (plain TypeScript, no I/O). O((V + D) log V) for V VMs and D dependencies.
 */
import type { ExecutionSchedule, Forecast, ForecastInput, ForecastVm, ScheduledVm, StepDurations } from './recovery-plan';

/**
 * Each stage starts when the previous one ends (approval gates count as zero time). Inside a stage the
 * simulation is the dispatch rule the workflows follow: whenever a VM finishes, start the ready VMs (all
 * same-stage dependencies done) in the stage's `vms` order, skipping any whose master target is full,
 * while the stage has a free slot; the stage's slots are min(group maxConcurrency, perSite).
 *
 * Per stage the lower bound is the largest of: the longest same-stage dependency chain, the longest single VM,
 * and for the stage's slots (and each master target's perMasterTarget) the machine-scheduling bound of
 * `slotBound`: a VM holds its slot until it is done, so work comes in whole VMs, not in fractions of one.
 * The operation's lower bound is their sum.
 *
 * Throws RangeError when a step duration is negative or not finite, and Error when a stage's dependencies
 * form a cycle (a schedule from compilePlan never does).
 */
export function forecastSchedule(input: ForecastInput): Forecast {
  const { schedule } = input;
  const duration = durationsOf(input);
  const byName = new Map<string, number>();
  schedule.vms.forEach((vm, i) => byName.set(vm.vm, i));

  const starts = new Float64Array(schedule.vms.length);
  const ends = new Float64Array(schedule.vms.length);
  const stages: Forecast['stages'] = [];
  let clock = 0;
  let lowerBound = 0;

  for (const stage of schedule.stages) {
    const members = stage.vms.map((name) => {
      const i = byName.get(name);
      if (i === undefined) throw new Error(`stage ${stage.index} lists '${name}', which is not in the schedule's vms`);
      return i;
    });
    const model = stageModel(schedule, members, duration);
    const slots = Math.min(stage.maxConcurrency ?? Infinity, schedule.caps.perSite ?? Infinity);
    const perMasterTarget = schedule.caps.perMasterTarget ?? Infinity;

    const timeline = simulate(model, slots, perMasterTarget, stage.index);
    let bound = stageLowerBound(model, slots, perMasterTarget);
    // bound <= span holds exactly; only floating-point rounding of fractional durations can break it.
    if (bound > timeline.span && bound - timeline.span <= 1e-9 * Math.max(1, timeline.span)) bound = timeline.span;

    members.forEach((vm, local) => {
      starts[vm] = clock + timeline.start[local];
      ends[vm] = clock + timeline.end[local];
    });
    stages.push({ index: stage.index, group: stage.group, lowerBound: bound, start: clock, end: clock + timeline.span });
    clock += timeline.span;
    lowerBound += bound;
  }

  const vms: ForecastVm[] = schedule.vms.map((vm, i) => ({ vm: vm.vm, stage: vm.stage, start: starts[i], end: ends[i] }));
  return { lowerBound, estimatedMakespan: clock, stages, vms };
}

/** One stage, with VMs numbered locally in dispatch order. */
interface StageModel {
  duration: number[];
  /** Local master-target number; VMs without a master target share one unlimited pseudo-target. */
  target: number[];
  targets: number;
  noTarget: number;
  dependents: number[][];
  predecessors: number[];
}

function durationsOf(input: ForecastInput): (vm: ScheduledVm) => number {
  const { durations } = input;
  if (typeof durations === 'function') return (vm) => sumSteps(durations(vm), vm.vm);
  const total = sumSteps(durations);
  return () => total;
}

function sumSteps(steps: StepDurations, vm?: string): number {
  let total = 0;
  for (const step of Object.keys(steps)) {
    const seconds = steps[step];
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
      const of = vm === undefined ? '' : ` of vm '${vm}'`;
      throw new RangeError(`step '${step}'${of} must last a non-negative finite number of seconds, got ${String(seconds)}`);
    }
    total += seconds;
  }
  return total;
}

function stageModel(schedule: ExecutionSchedule, members: number[], duration: (vm: ScheduledVm) => number): StageModel {
  const local = new Map<string, number>();
  members.forEach((vm, i) => local.set(schedule.vms[vm].vm, i));
  const targetIds = new Map<string, number>();
  const target: number[] = [];
  const dependents: number[][] = members.map(() => []);
  const predecessors: number[] = members.map(() => 0);
  members.forEach((vm, i) => {
    const scheduled = schedule.vms[vm];
    const name = scheduled.masterTarget;
    if (name != null && !targetIds.has(name)) targetIds.set(name, targetIds.size);
    target.push(name != null ? (targetIds.get(name) as number) : -1);
    const seen = new Set<number>();
    for (const dep of scheduled.dependsOn) {
      const j = local.get(dep);
      // Dependencies on earlier stages are met by the barrier.
      if (j === undefined || j === i || seen.has(j)) continue;
      seen.add(j);
      dependents[j].push(i);
      predecessors[i]++;
    }
  });
  const noTarget = targetIds.size;
  return {
    duration: members.map((vm) => duration(schedule.vms[vm])),
    target: target.map((t) => (t === -1 ? noTarget : t)),
    targets: noTarget + 1,
    noTarget,
    dependents,
    predecessors,
  };
}

function stageLowerBound(model: StageModel, slots: number, perMasterTarget: number): number {
  const n = model.duration.length;
  let longestVm = 0;
  for (let i = 0; i < n; i++) longestVm = Math.max(longestVm, model.duration[i]);
  let bound = Math.max(longestVm, longestChain(model), slotBound(model.duration, slots));
  if (perMasterTarget !== Infinity) {
    const onTarget: number[][] = Array.from({ length: model.noTarget }, () => []);
    for (let i = 0; i < n; i++) if (model.target[i] !== model.noTarget) onTarget[model.target[i]].push(model.duration[i]);
    for (const durations of onTarget) bound = Math.max(bound, slotBound(durations, perMasterTarget));
  }
  return bound;
}

/**
 * A lower bound on running `durations` on `slots` parallel slots, each VM on one slot from start to end
 * (identical parallel machines without preemption): the larger of the total work over the slots and, for
 * each k with k·slots + 1 ≤ n, the k + 1 shortest of the k·slots + 1 longest VMs, since some slot must run
 * k + 1 of those one after another. For n equal VMs of d seconds this is ⌈n / slots⌉·d, which is exact.
 */
export function slotBound(durations: readonly number[], slots: number): number {
  if (slots === Infinity || durations.length === 0) return 0;
  let total = 0;
  for (const d of durations) total += d;
  let bound = total / slots;
  const longestFirst = [...durations].sort((a, b) => b - a);
  // prefix[i] = sum of the i longest.
  const prefix = new Float64Array(longestFirst.length + 1);
  longestFirst.forEach((d, i) => (prefix[i + 1] = prefix[i] + d));
  for (let k = 1; k * slots + 1 <= longestFirst.length; k++) {
    const last = k * slots + 1;
    bound = Math.max(bound, prefix[last] - prefix[last - (k + 1)]);
  }
  return bound;
}

/** The longest chain of same-stage dependencies, weighted by duration. */
function longestChain(model: StageModel): number {
  const n = model.duration.length;
  const pending = model.predecessors.slice();
  const finish = new Float64Array(n);
  const queue: number[] = [];
  for (let i = 0; i < n; i++) if (pending[i] === 0) queue.push(i);
  let longest = 0;
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head];
    finish[v] += model.duration[v];
    longest = Math.max(longest, finish[v]);
    for (const w of model.dependents[v]) {
      finish[w] = Math.max(finish[w], finish[v]);
      if (--pending[w] === 0) queue.push(w);
    }
  }
  return longest;
}

/** Event-driven greedy list schedule of one stage, from local time 0. */
function simulate(
  model: StageModel,
  slots: number,
  perMasterTarget: number,
  stage: number,
): { start: Float64Array; end: Float64Array; span: number } {
  const n = model.duration.length;
  const start = new Float64Array(n);
  const end = new Float64Array(n);
  const pending = model.predecessors.slice();
  const limit = (t: number): number => (t === model.noTarget ? Infinity : perMasterTarget);
  const runningOn = new Int32Array(model.targets);
  // Ready VMs per master target, by dispatch order (the local number).
  const ready: MinHeap<number>[] = [];
  for (let t = 0; t < model.targets; t++) ready.push(new MinHeap<number>((a, b) => a < b));
  // Master targets that may have a dispatchable VM, keyed by that VM; stale entries are skipped on pop.
  const eligible = new MinHeap<[number, number]>((a, b) => a[0] < b[0]);
  const finishing = new MinHeap<number>((a, b) => end[a] < end[b] || (end[a] === end[b] && a < b));
  let running = 0;
  let done = 0;
  let now = 0;

  const offer = (t: number): void => {
    const head = ready[t].peek();
    if (head !== undefined && runningOn[t] < limit(t)) eligible.push([head, t]);
  };
  const makeReady = (v: number): void => {
    ready[model.target[v]].push(v);
    offer(model.target[v]);
  };
  const dispatch = (): void => {
    while (running < slots && eligible.size > 0) {
      const [v, t] = eligible.pop() as [number, number];
      if (ready[t].peek() !== v || runningOn[t] >= limit(t)) continue;
      ready[t].pop();
      start[v] = now;
      end[v] = now + model.duration[v];
      finishing.push(v);
      running++;
      runningOn[t]++;
      offer(t);
    }
  };
  const finish = (v: number): void => {
    running--;
    runningOn[model.target[v]]--;
    done++;
    offer(model.target[v]);
    for (const w of model.dependents[v]) if (--pending[w] === 0) makeReady(w);
  };

  for (let v = 0; v < n; v++) if (pending[v] === 0) makeReady(v);
  dispatch();
  while (finishing.size > 0) {
    const v = finishing.pop() as number;
    now = end[v];
    finish(v);
    while (finishing.size > 0 && end[finishing.peek() as number] === now) finish(finishing.pop() as number);
    dispatch();
  }
  if (done < n) throw new Error(`the dependencies of stage ${stage} form a cycle`);
  return { start, end, span: now };
}

/** Binary min-heap under `less`. */
class MinHeap<T> {
  private readonly items: T[] = [];

  constructor(private readonly less: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(items[i], items[parent])) break;
      [items[i], items[parent]] = [items[parent], items[i]];
      i = parent;
    }
  }

  pop(): T | undefined {
    const items = this.items;
    if (items.length === 0) return undefined;
    const top = items[0];
    const last = items.pop() as T;
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < items.length && this.less(items[left], items[smallest])) smallest = left;
        if (right < items.length && this.less(items[right], items[smallest])) smallest = right;
        if (smallest === i) break;
        [items[i], items[smallest]] = [items[smallest], items[i]];
        i = smallest;
      }
    }
    return top;
  }
}
