/**
 * Plain-JSON types of a recovery plan, its compiled execution schedule and its forecast.
 * Shared by the API, the workflows (deterministic sandbox) and the simulator: types only, no runtime code.
 */

/** A protected VM as the compiler needs it; `name` is unique within the tenant. */
export interface PlanVm {
  name: string;
  role: 'management' | 'workload';
  masterTarget?: string;
  /** A critical VM's failure holds the whole operation, not only its dependents. */
  critical?: boolean;
}

/** A priority wave: its VMs start only after the previous wave is done. */
export interface PlanGroup {
  name: string;
  vms: string[];
  /** Positive integer; absent means no group limit (the master-target and site caps still apply). */
  maxConcurrency?: number;
  /** The wave waits for an operator's approval before it starts. */
  approvalRequired?: boolean;
}

/** `vm` starts only after every VM in `dependsOn` is done. */
export interface PlanDependency {
  vm: string;
  dependsOn: string[];
}

export interface RecoveryPlanSpec {
  groups: PlanGroup[];
  dependencies?: PlanDependency[];
}

/** Positive integers; undefined means unlimited. */
export interface ScheduleCaps {
  perMasterTarget?: number;
  /** VMs of this plan recovering at once on its DR site. */
  perSite?: number;
}

export interface ScheduledVm {
  vm: string;
  role: 'management' | 'workload';
  stage: number;
  /** The plan group, or `management` for stage 0. */
  group: string;
  masterTarget?: string;
  /** Every declared dependency, in the same stage or an earlier one, in declaration order. */
  dependsOn: string[];
  critical: boolean;
}

export interface ScheduleStage {
  index: number;
  group: string;
  kind: 'management' | 'workload';
  /** The group's own limit; null when the group sets none. */
  maxConcurrency: number | null;
  approvalRequired: boolean;
  /**
   * Dispatch order: a topological order of the stage's internal dependencies, longest dependency
   * chain first, then plan order. Start the first ready VM in this order that fits the caps.
   */
  vms: string[];
}

export interface ExecutionSchedule {
  /** Stage 0 is always the management stage; stage k (k >= 1) is plan group k - 1. */
  stages: ScheduleStage[];
  /** Every scheduled VM, stage by stage, each stage in its dispatch order. */
  vms: ScheduledVm[];
  caps: { perMasterTarget: number | null; perSite: number | null };
  /** Workload VMs of the tenant that the plan does not recover (listed in no group), inventory order. */
  notRecovered?: string[];
}

export type PlanProblemCode =
  | 'unknown-vm'
  | 'duplicate-vm'
  | 'cycle'
  | 'forward-dependency'
  | 'empty-group'
  | 'duplicate-group'
  | 'bad-concurrency'
  | 'self-dependency';

export interface PlanProblem {
  code: PlanProblemCode;
  /** Names the offending items; fit to show to an operator as is. */
  message: string;
  /** The offending names first; see compilePlan for each code's layout. */
  items: string[];
}

export type CompileResult = { ok: true; schedule: ExecutionSchedule } | { ok: false; problems: PlanProblem[] };

/** Seconds per recovery step of one VM, e.g. `{ recover: 30, reIp: 5, powerOn: 20, healthCheck: 10 }`. */
export interface StepDurations {
  [step: string]: number;
}

export interface ForecastInput {
  schedule: ExecutionSchedule;
  durations: StepDurations | ((vm: ScheduledVm) => StepDurations);
}

/** Seconds from the start of the operation. */
export interface ForecastVm {
  vm: string;
  stage: number;
  start: number;
  end: number;
}

export interface Forecast {
  /** Critical-path lower bound of the makespan under the caps, in seconds. */
  lowerBound: number;
  /** Makespan of the greedy list schedule (the preview's ETA), in seconds. */
  estimatedMakespan: number;
  stages: { index: number; group: string; lowerBound: number; start: number; end: number }[];
  /** One entry per scheduled VM, in the order of `schedule.vms`. */
  vms: ForecastVm[];
}

/**
 * The plan narrowed to the VMs that move (a partial failback, a follow-up failover): their groups, in
 * order, and the dependencies among them; the others stay where they run.
 */
export function restrictPlan(spec: RecoveryPlanSpec, vms: string[]): RecoveryPlanSpec {
  const keep = new Set(vms);
  return {
    groups: spec.groups.map((g) => ({ ...g, vms: g.vms.filter((v) => keep.has(v)) })).filter((g) => g.vms.length > 0),
    dependencies: (spec.dependencies ?? []).filter((d) => keep.has(d.vm)).map((d) => ({ vm: d.vm, dependsOn: d.dependsOn.filter((o) => keep.has(o)) })).filter((d) => d.dependsOn.length > 0),
  };
}
