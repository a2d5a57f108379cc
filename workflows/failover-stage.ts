import {
  ActivityFailure, ApplicationFailure, condition, continueAsNew, patched, proxyActivities, setHandler, workflowInfo,
} from '@temporalio/workflow';
import type { LifelineActivities } from '../activities';
import type { DrNic, RecoveryTarget, VmProbe } from '../activities/recovery';
import type { DrillProbe, DrillProbeResult } from '../domain/drill';
import type { ScheduledVm, ScheduleStage } from '../domain/recovery-plan';
import { StageDispatcher, TERMINAL, type DispatcherState, type VmRunStatus } from '../domain/stage-dispatcher';
import { vmStep } from './activity-options';
import {
  notApplicable, OperationView, progressQuery, retryVmUpdate, skipVmUpdate, stageCommandSignal, type StageCommand, type VmAction,
} from './contracts';
import { errorText } from './operation-tracker';

const vmSteps = proxyActivities<LifelineActivities>(vmStep);

/**
 * What a VM needs in its wave: `nics`/`hostname` are the identity it gets where it recovers; `primaryIps` the
 * addresses it leaves, which DNS and firewall rules stop naming (on failback: its DR addresses).
 */
export interface StageVmFacts {
  fqdn: string;
  primaryIps: string[];
  probes: VmProbe[];
  hostname: string;
  nics: DrNic[];
  point: RecoveryTarget['point'];
  /** In a drill: the VM's name in the bubble, its record's zone (the drill zone) and the probes run in its guest. */
  drill?: { name: string; zone: string | null; probes: DrillProbe[] };
}

export interface VmOutcome {
  status: VmRunStatus;
  step?: 'recover' | 'start' | 'publish';
  vmId?: string;
  reason?: string;
  startedAt?: string;
  /** When its guest answered its health checks (the end of its outage on a failback). */
  healthyAt?: string;
  finishedAt?: string;
  /** Operator attempts (a retry is a new one); the error of the last one that failed stays in `lastError`. */
  attempts: number;
  lastError?: string;
  /** In a drill: when its snapshot was ready, the point it holds, and its probes' results (the drill's evidence). */
  recoveredAt?: string;
  recoveredTo?: string;
  probes?: DrillProbeResult[];
}

export interface FailoverStageInput {
  operationId: string;
  tenant: string;
  /**
   * `failback` recovers at the primary over failback protection; `drill` boots a drill snapshot of each VM in
   * the drill's bubble (`drill`), protection untouched; a failover when absent.
   */
  direction?: 'failback' | 'drill';
  drill?: { id: string; network: { vlan: string; poolId: string } };
  stage: ScheduleStage;
  vms: ScheduledVm[];
  facts: Record<string, StageVmFacts>;
  caps: { slots: number | null; perMasterTarget: number | null };
  /** Outcomes of VMs in earlier stages that this stage's VMs depend on. */
  outside: Record<string, VmRunStatus>;
  /** VMs an operator skipped before the stage started. */
  preSkipped: string[];
  /** Carried across continue-as-new (`pausedSince`, `pausedMs`: the wave's held time, for the ETA). */
  carried?: { state: DispatcherState; outcomes: Record<string, VmOutcome>; paused: string | null; pausedSince?: string | null; pausedMs?: number };
}

export interface FailoverStageResult {
  stage: number;
  group: string;
  outcomes: Record<string, VmOutcome>;
  aborted: boolean;
  /** How long the wave was held by a pause (no VM started): not the waves' pace. */
  pausedMs?: number;
}

/** Workflow version marker: a wave paused by a critical VM's failure stays open until resumed, though done. */
const CRITICAL_PAUSE_HOLDS_WAVE = 'critical-pause-holds-wave';

/** Past this many events the stage drains its in-flight VMs and continues as new (limit: 10,000). */
const HISTORY_SOFT_LIMIT = 6_000;

/**
 * One wave of a failover: recovers its VMs under the caps, each VM through recover → re-IP + power on +
 * health → DNS + firewall, dependencies first. A failed VM holds its dependents only; a failed critical VM
 * pauses the wave for an operator (skip or retry it, then resume). Long waves continue as new.
 */
export async function failoverStage(input: FailoverStageInput): Promise<FailoverStageResult> {
  const dispatcher = new StageDispatcher(input.vms, input.caps, input.outside, input.carried?.state);
  const outcomes: Record<string, VmOutcome> = input.carried?.outcomes ?? {};
  for (const vm of input.vms) outcomes[vm.vm] ??= { status: dispatcher.status(vm.vm) ?? 'pending', attempts: 0 };
  const critical = new Set(input.vms.filter((v) => v.critical).map((v) => v.vm));
  let paused: string | null = input.carried?.paused ?? null;
  // When the current hold began, and the wave's held time before it: the ETA moves with a hold.
  let pausedSince: string | null = input.carried?.pausedSince ?? (paused ? new Date().toISOString() : null);
  let pausedMs = input.carried?.pausedMs ?? 0;
  const hold = (why: string) => {
    paused ??= why;
    pausedSince ??= new Date().toISOString();
  };
  const release = () => {
    paused = null;
    if (pausedSince) pausedMs += Date.now() - Date.parse(pausedSince);
    pausedSince = null;
  };
  let aborted: string | null = null;
  let changed = false;
  const started = workflowInfo().startTime.toISOString();

  const sync = (vm: string) => {
    outcomes[vm].status = dispatcher.status(vm) ?? outcomes[vm].status;
    const reason = dispatcher.state.reason[vm];
    if (reason) outcomes[vm].reason = reason;
    else delete outcomes[vm].reason;
  };
  const syncAll = () => input.vms.forEach((v) => sync(v.vm));
  for (const vm of input.preSkipped) if (dispatcher.status(vm) && !TERMINAL.has(dispatcher.status(vm)!)) dispatcher.skip(vm, 'operator (before the wave)');
  syncAll();

  setHandler(progressQuery, (): OperationView => ({
    id: workflowInfo().workflowId,
    kind: input.direction ?? 'failover',
    tenantId: null,
    status: paused ? 'waiting' : 'running',
    phase: `wave ${input.stage.group}`,
    waitingFor: paused,
    startedAt: started,
    closedAt: null,
    steps: [],
    progress: { stage: input.stage.index, group: input.stage.group, counts: dispatcher.counts(), vms: outcomes, pausedSince, pausedMs },
    error: null,
    result: null,
  }));

  setHandler(stageCommandSignal, (cmd: StageCommand) => {
    const status = cmd.vm ? dispatcher.status(cmd.vm) : undefined;
    switch (cmd.action) {
      case 'pause':
        hold(`paused by ${cmd.by}`);
        break;
      case 'resume':
        release();
        break;
      case 'abort':
        aborted = `aborted by ${cmd.by}`;
        break;
      case 'skip':
        // A running VM cannot be stopped half-way; its own outcome decides.
        if (cmd.vm && status && status !== 'running' && status !== 'recovered') {
          dispatcher.skip(cmd.vm, cmd.by);
          syncAll();
        }
        break;
      case 'retry':
        if (cmd.vm && (status === 'failed' || status === 'blocked')) {
          dispatcher.retry(cmd.vm);
          syncAll();
        }
        break;
    }
    changed = true;
  });

  // Skip and retry of this wave's VMs come here, where their state lives: a command that would not take
  // effect is refused (the API answers 409), never accepted and dropped.
  const ownVm = (a: VmAction) => {
    if (!dispatcher.status(a.vm)) throw new Error(`${a.vm} is not in wave ${input.stage.group}`);
  };
  setHandler(skipVmUpdate, (a) => {
    dispatcher.skip(a.vm, a.by);
    syncAll();
    changed = true;
    return { accepted: true, detail: `${a.vm} is left out; its dependents go ahead without it` };
  }, {
    validator: (a) => {
      ownVm(a);
      const status = dispatcher.status(a.vm);
      if (status === 'running') throw notApplicable(`${a.vm} is recovering now (attempt ${outcomes[a.vm].attempts}, step ${outcomes[a.vm].step ?? 'recover'}); a VM is not stopped half-way, its own outcome decides`);
      if (status === 'recovered' || status === 'skipped') throw notApplicable(`${a.vm} is already ${status}`);
    },
  });
  setHandler(retryVmUpdate, (a) => {
    dispatcher.retry(a.vm);
    syncAll();
    changed = true;
    return { accepted: true, detail: `${a.vm} will be tried again with a new attempt${paused ? ' once the wave is resumed' : ''}` };
  }, {
    validator: (a) => {
      ownVm(a);
      const status = dispatcher.status(a.vm);
      if (aborted) throw notApplicable(`the wave is aborting: no VM starts again`);
      if (status !== 'failed' && status !== 'blocked') throw notApplicable(`${a.vm} has not failed: it is ${status}`);
      const holding = input.vms.find((v) => v.vm === a.vm)!.dependsOn.find((d) => dispatcher.status(d) === 'failed' || dispatcher.status(d) === 'blocked');
      if (holding) throw notApplicable(`${a.vm} is held by ${holding}, which is ${dispatcher.status(holding)}: retry or skip ${holding}`);
    },
  });

  async function recoverOne(vm: ScheduledVm): Promise<void> {
    const facts = input.facts[vm.vm];
    const o = outcomes[vm.vm];
    o.attempts += 1;
    o.startedAt = new Date().toISOString();
    delete o.finishedAt;
    // An operator retry is a new attempt with new keys: the failed attempt's answers stay as they were.
    const key = `${input.operationId}:${vm.vm}:a${o.attempts}`;
    if (input.direction === 'drill') return drillOne(vm, facts, o, key);
    try {
      o.step = 'recover';
      const { vmId } = await vmSteps.recoverVm({
        tenant: input.tenant, target: { vm: vm.vm, point: facts.point }, idempotencyKey: `${key}:recover`, ...(input.direction ? { direction: input.direction } : {}),
      });
      o.vmId = vmId;
      o.step = 'start';
      await vmSteps.startVm({ vm: vm.vm, vmId, hostname: facts.hostname, nics: facts.nics, probes: facts.probes, idempotencyPrefix: key });
      o.healthyAt = new Date().toISOString();
      o.step = 'publish';
      await vmSteps.publishVm({
        tenant: input.tenant, vm: vm.vm, fqdn: facts.fqdn, primaryIps: facts.primaryIps, drIps: facts.nics.map((n) => n.ip), idempotencyPrefix: key,
      });
      dispatcher.recovered(vm.vm);
    } catch (err) {
      if (!(err instanceof ActivityFailure || err instanceof ApplicationFailure)) throw err;
      o.lastError = `attempt ${o.attempts}, ${o.step}: ${errorText(err)}`;
      dispatcher.failed(vm.vm, `${o.step}: ${errorText(err)}`);
      if (critical.has(vm.vm)) hold(`critical VM ${vm.vm} failed at ${o.step}: ${errorText(err)}; skip or retry it, then resume`);
    }
    o.finishedAt = new Date().toISOString();
    syncAll();
    changed = true;
  }

  /** A drill's VM: its snapshot booted in the bubble, probed in its guest, named in the drill zone. */
  async function drillOne(vm: ScheduledVm, facts: StageVmFacts, o: VmOutcome, key: string): Promise<void> {
    const drill = facts.drill!;
    try {
      o.step = 'recover';
      const copy = await vmSteps.recoverDrillVm({
        tenant: input.tenant, vm: vm.vm, drillVm: drill.name, point: facts.point, network: input.drill!.network, idempotencyKey: `${key}:drill`,
      });
      o.vmId = copy.vmId;
      o.recoveredAt = new Date().toISOString();
      o.recoveredTo = copy.recoveredTo;
      o.step = 'start';
      const started = await vmSteps.startDrillVm({ vm: drill.name, vmId: copy.vmId, probes: drill.probes, idempotencyPrefix: key });
      o.probes = started.probes;
      const failed = started.probes.filter((p) => !p.passed);
      if (failed.length > 0) throw ApplicationFailure.nonRetryable(`probes failed: ${failed.map((p) => p.detail).join('; ')}`, 'DrillProbeFailed');
      o.healthyAt = started.greenAt;
      o.step = 'publish';
      if (drill.zone) await vmSteps.publishDrillVm({ tenant: input.tenant, zone: drill.zone, name: drill.name, ip: copy.ip, idempotencyKey: `${key}:dns` });
      dispatcher.recovered(vm.vm);
    } catch (err) {
      if (!(err instanceof ActivityFailure || err instanceof ApplicationFailure)) throw err;
      o.lastError = `attempt ${o.attempts}, ${o.step}: ${errorText(err)}`;
      dispatcher.failed(vm.vm, `${o.step}: ${errorText(err)}`);
      if (critical.has(vm.vm)) paused ??= `critical VM ${vm.vm} failed at ${o.step}: ${errorText(err)}; skip or retry it, then resume`;
    }
    o.finishedAt = new Date().toISOString();
    syncAll();
    changed = true;
  }

  for (;;) {
    const draining = workflowInfo().historyLength > HISTORY_SOFT_LIMIT || workflowInfo().continueAsNewSuggested;
    if (!paused && !aborted && !draining) {
      for (const vm of dispatcher.next()) {
        sync(vm.vm);
        void recoverOne(vm);
      }
    }
    if (dispatcher.inFlight === 0) {
      if (aborted) break;
      // A critical VM's failure holds its wave for the operator (retry or skip it, then resume), even when it
      // was the wave's last VM: the wave ends only once resumed.
      if (dispatcher.done && !(paused && patched(CRITICAL_PAUSE_HOLDS_WAVE))) break;
      if (draining) {
        await continueAsNew<typeof failoverStage>({ ...input, preSkipped: [], carried: { state: dispatcher.state, outcomes, paused, pausedSince, pausedMs } });
      }
    }
    changed = false;
    await condition(() => changed);
  }

  if (pausedSince) pausedMs += Date.now() - Date.parse(pausedSince);
  return { stage: input.stage.index, group: input.stage.group, outcomes, aborted: aborted !== null, pausedMs };
}
