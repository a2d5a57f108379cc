import { condition, executeChild } from '@temporalio/workflow';
import type { ExecutionSchedule, Forecast, ScheduledVm, ScheduleStage } from '../domain/recovery-plan';
import type { VmRunStatus } from '../domain/stage-dispatcher';
import { searchAttributes, workflowIds } from './contracts';
import { failoverStage, type FailoverStageInput, type FailoverStageResult, type StageVmFacts, type VmOutcome } from './failover-stage';
import type { OperationTracker } from './operation-tracker';
import type { WaveControls } from './wave-controls';

/** One wave as it ended: its stage, its VMs and the wave child's result. */
export interface WaveRun {
  stage: ScheduleStage;
  vms: ScheduledVm[];
  result: FailoverStageResult;
}

/** The operation's steps that are its waves (`wave 2: app`). */
const WAVE_STEP = /^wave \d+: /;

/** The stage rows of the operation's progress, one per wave. */
type StageProgress = { index: number; status: string; counts?: unknown; workflowId?: string; pausedSeconds?: number };

/**
 * The waves of a recovery in plan order, toward the DR site (failover) or back to the primary (failback):
 * each wave waits for a pause to be resumed and for its approval gate, then runs as a child workflow under
 * the plan's caps with the outcomes of the VMs it depends on; its outcomes join the operation's and its
 * bookkeeping is the caller's. Stops after an abort.
 */
export async function runWaves(o: {
  kind: 'failover' | 'failback' | 'drill';
  /** A drill's bubble, which its waves boot into. */
  drill?: FailoverStageInput['drill'];
  operationId: string;
  tenant: { id: string; name: string; drSiteId: string };
  planId: string;
  schedule: ExecutionSchedule;
  outcomes: Record<string, VmOutcome>;
  controls: WaveControls;
  tracker: OperationTracker;
  facts: (vms: ScheduledVm[]) => Record<string, StageVmFacts>;
  /** The schedule's forecast: after each wave the ETA is recomputed from it at the pace the waves kept. */
  forecast?: Forecast;
  /** A wave is about to change something. */
  onStart?: () => void;
  /** A wave's bookkeeping; what it leaves running in the background goes on beside the next wave. */
  afterWave: (run: WaveRun) => Promise<void> | void;
}): Promise<void> {
  const { schedule, outcomes, controls, tracker } = o;
  for (const stage of schedule.stages) {
    const stageProgress = (tracker.view.progress.stages as StageProgress[])[stage.index];
    if (stage.vms.length === 0) {
      stageProgress.status = 'empty';
      continue;
    }
    if (controls.aborted) break;
    // A pause between waves holds the next one: a wave child only hears commands while it runs.
    if (controls.paused) {
      await tracker.waitFor(`${controls.paused}; resume to start wave ${stage.group}`, () => condition(() => controls.paused === null || controls.aborted !== null));
      if (controls.aborted) break;
    }
    if (stage.approvalRequired && !controls.approvedGates.has(stage.group)) {
      controls.waitingGate = stage.group;
      await tracker.waitFor(`approval before wave ${stage.group}`, () => condition(() => controls.approvedGates.has(stage.group) || controls.aborted !== null));
      controls.waitingGate = null;
      if (controls.aborted) break;
    }
    const stageVms = schedule.vms.filter((v) => v.stage === stage.index);
    const outside: Record<string, VmRunStatus> = {};
    for (const vm of stageVms) for (const d of vm.dependsOn) if (outcomes[d] && !stageVms.some((s) => s.vm === d)) outside[d] = outcomes[d].status;
    const childId = workflowIds.child(o.operationId, `wave-${stage.index}`);
    controls.activeStage = childId;
    stageProgress.status = 'running';
    stageProgress.workflowId = childId;
    tracker.setProgress({ activeStage: childId });
    o.onStart?.();
    const result = await tracker.step(`wave ${stage.index}: ${stage.group}`, () =>
      executeChild(failoverStage, {
        workflowId: childId,
        args: [{
          operationId: o.operationId, tenant: o.tenant.name, ...(o.kind === 'failback' ? { direction: 'failback' as const } : {}), ...(o.kind === 'drill' ? { direction: 'drill' as const, drill: o.drill } : {}), stage, vms: stageVms, facts: o.facts(stageVms),
          caps: { slots: minCap(stage.maxConcurrency, schedule.caps.perSite), perMasterTarget: schedule.caps.perMasterTarget },
          outside, preSkipped: stageVms.filter((v) => controls.preSkipped.has(v.vm)).map((v) => v.vm),
        }],
        typedSearchAttributes: [
          { key: searchAttributes.tenantId, value: o.tenant.id },
          { key: searchAttributes.operationKind, value: o.kind },
          { key: searchAttributes.siteId, value: o.tenant.drSiteId },
          { key: searchAttributes.recoveryPlanId, value: o.planId },
        ],
      }),
    (r) => countsOf(r.outcomes));
    controls.activeStage = null;
    tracker.setProgress({ activeStage: null });
    Object.assign(outcomes, result.outcomes);
    stageProgress.status = result.aborted ? 'aborted' : 'done';
    stageProgress.counts = countsOf(result.outcomes);
    if (result.pausedMs) stageProgress.pausedSeconds = result.pausedMs / 1000;
    const held = (tracker.view.progress.stages as StageProgress[]).reduce((sum, s) => sum + (s.pausedSeconds ?? 0), 0);
    if (o.forecast) tracker.setProgress({ eta: etaAfter(o.forecast, stage.index, tracker.view.steps, WAVE_STEP, held) });
    // Awaited only when it must finish first: an extra await would reorder the commands it leaves in flight.
    const after = o.afterWave({ stage, vms: stageVms, result });
    if (after) await after;
    if (result.aborted) break;
  }
}

/**
 * The ETA after a wave: the forecast time of the waves still to run, at the pace the waves so far kept
 * (their actual time over their forecast time). Waits between waves (a pause, an approval) are not the
 * waves' pace: they delay the ETA by their length, as they have already by ending later.
 */
export function etaAfter(forecast: Forecast, stageIndex: number, steps: { name: string; durationMs?: number }[], waveStep: RegExp, heldSeconds = 0): string {
  const ran = forecast.stages.filter((s) => s.index <= stageIndex && s.end > s.start);
  const planned = ran.reduce((sum, s) => sum + (s.end - s.start), 0);
  // Time a wave was held (paused) is no part of its pace.
  const actual = steps.filter((s) => waveStep.test(s.name)).reduce((sum, s) => sum + (s.durationMs ?? 0) / 1000, 0) - heldSeconds;
  const pace = planned > 0 && actual > 0 ? actual / planned : 1;
  const remaining = forecast.stages.filter((s) => s.index > stageIndex).reduce((sum, s) => sum + (s.end - s.start), 0);
  return new Date(Date.now() + remaining * pace * 1000).toISOString();
}

function minCap(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

function countsOf(outcomes: Record<string, VmOutcome>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of Object.values(outcomes)) counts[o.status] = (counts[o.status] ?? 0) + 1;
  return counts;
}
