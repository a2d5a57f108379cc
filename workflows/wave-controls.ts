import { getExternalWorkflowHandle, patched, setHandler } from '@temporalio/workflow';
import type { ExecutionSchedule } from '../domain/recovery-plan';
import {
  abortUpdate, approveUpdate, notApplicable, pauseUpdate, resumeUpdate, retryVmUpdate, skipVmUpdate, stageCommandSignal, workflowIds, type StageCommand,
} from './contracts';
import type { VmOutcome } from './failover-stage';
import type { OperationTracker } from './operation-tracker';

/**
 * Workflow version marker: a skip of a VM whose wave has not started is kept for that wave, not also
 * signalled to the running wave (which ignored it).
 */
const VM_COMMANDS_TO_THEIR_WAVE = 'vm-commands-to-their-wave';

/**
 * The operator controls of an operation that recovers VMs wave by wave (failover, failback): approve a gate,
 * pause, resume, abort, skip or retry a VM. Pause, resume and abort reach the running wave (a child
 * workflow) as signals. Skip and retry of a VM of the running wave go to that wave itself (the API sends
 * them there), which validates them against the VM's live state; here they are validated against waves
 * that ended or have not started: a VM skipped before its wave starts is handed to that wave, and a command
 * that would not take effect is refused, saying why.
 */
export class WaveControls {
  readonly approvedGates = new Set<string>();
  readonly preSkipped = new Set<string>();
  /** Who approved which gate and who paused, resumed, aborted, skipped or retried, when: the evidence a drill keeps. */
  readonly approvals: { gate: string; by: string; at: string }[] = [];
  readonly log: { action: string; by: string; at: string; detail?: string }[] = [];
  waitingGate: string | null = null;
  activeStage: string | null = null;
  paused: string | null = null;
  aborted: string | null = null;

  constructor(opts: {
    noun: string;
    operationId: string;
    tracker: OperationTracker;
    schedule: () => ExecutionSchedule | undefined;
    outcomes: Record<string, VmOutcome>;
    /** Gates besides the plan's approval waves (e.g. the maintenance window), and how to name one. */
    extraGates?: string[];
    gateName?: (gate: string) => string;
    /** How an operator recovers a VM after its wave ended without it (a follow-up operation). */
    followUp: (vm: string) => string;
  }) {
    const { noun, tracker, outcomes } = opts;
    const gateName = opts.gateName ?? ((gate: string) => `wave ${gate}`);
    const knownVm = (vm: string) => {
      if (!opts.schedule()?.vms.some((v) => v.vm === vm)) throw new Error(`${vm} is not in this ${noun}'s plan`);
    };
    /** Where the VM stands as far as this workflow knows: its wave, and whether that wave runs or ended. */
    const standing = (vm: string) => {
      const schedule = opts.schedule()!;
      const stage = schedule.stages[schedule.vms.find((v) => v.vm === vm)!.stage];
      const running = this.activeStage === workflowIds.child(opts.operationId, `wave-${stage.index}`);
      const status = outcomes[vm]?.status ?? 'pending';
      return { wave: stage.group, running, ended: !running && status !== 'pending', status };
    };
    const notInRunningWave = (vm: string) => {
      const s = standing(vm);
      // The API sends these to the running wave; here only when its wave starts or ends meanwhile.
      if (s.running) throw notApplicable(`${vm}'s wave ${s.wave} is starting or ending; send the command again`);
      if (this.aborted) throw notApplicable(`the ${noun} is aborting: no further VM starts`);
      return s;
    };
    const forward = async (cmd: StageCommand) => {
      if (this.activeStage) await getExternalWorkflowHandle(this.activeStage).signal(stageCommandSignal, cmd);
    };

    setHandler(approveUpdate, (a) => {
      const gate = (a.gate ?? this.waitingGate) as string;
      this.approvedGates.add(gate);
      this.approvals.push({ gate, by: a.by, at: new Date().toISOString() });
      tracker.setProgress({ approvals: [...this.approvedGates] });
      return { accepted: true, detail: `${gateName(gate)} approved by ${a.by}` };
    }, {
      validator: (a) => {
        if (!this.waitingGate && !a.gate) throw notApplicable(`the ${noun} is not waiting for an approval`);
        const planGate = opts.schedule()?.stages.some((s) => s.group === a.gate && s.approvalRequired);
        if (a.gate && !planGate && !opts.extraGates?.includes(a.gate)) throw new Error(`no gate ${a.gate} awaits approval`);
      },
    });
    setHandler(pauseUpdate, async (a) => {
      this.paused = `paused by ${a.by}`;
      this.log.push({ action: 'pause', by: a.by, at: new Date().toISOString() });
      await forward({ action: 'pause', by: a.by });
      return { accepted: true, detail: 'no new VM starts until resumed; VMs already recovering finish' };
    }, { validator: (_a) => { if (this.paused) throw notApplicable(`the ${noun} is already paused`); } });
    setHandler(resumeUpdate, async (a) => {
      this.paused = null;
      this.log.push({ action: 'resume', by: a.by, at: new Date().toISOString() });
      await forward({ action: 'resume', by: a.by });
      return { accepted: true, detail: `resumed by ${a.by}` };
    });
    setHandler(abortUpdate, async (a) => {
      this.aborted = `aborted by ${a.by}`;
      this.log.push({ action: 'abort', by: a.by, at: new Date().toISOString() });
      await forward({ action: 'abort', by: a.by });
      return { accepted: true, detail: `no new VM starts; VMs already recovering finish; the ${noun} ends as aborted` };
    }, { validator: (_a) => { if (this.aborted) throw notApplicable(`the ${noun} is already aborting`); } });
    setHandler(skipVmUpdate, async (a) => {
      this.preSkipped.add(a.vm);
      this.log.push({ action: 'skip', by: a.by, at: new Date().toISOString(), detail: a.vm });
      if (!patched(VM_COMMANDS_TO_THEIR_WAVE)) await forward({ action: 'skip', vm: a.vm, by: a.by });
      return { accepted: true, detail: `${a.vm} is left out when its wave starts; its dependents go ahead without it` };
    }, {
      validator: (a) => {
        knownVm(a.vm);
        const s = notInRunningWave(a.vm);
        if (s.ended) throw notApplicable(`${a.vm} is already ${s.status}: its wave ${s.wave} has ended`);
        if (this.preSkipped.has(a.vm)) throw notApplicable(`${a.vm} is already skipped`);
      },
    });
    // Accepted only by workflows that forwarded retries to the running wave (their histories replay it):
    // a retry is now for the wave that runs the VM, and refused here.
    setHandler(retryVmUpdate, async (a) => {
      await forward({ action: 'retry', vm: a.vm, by: a.by });
      return { accepted: true, detail: `${a.vm} will be tried again with a new attempt` };
    }, {
      validator: (a) => {
        knownVm(a.vm);
        const s = notInRunningWave(a.vm);
        if (s.status === 'failed' || s.status === 'blocked') {
          throw notApplicable(`${a.vm} is ${s.status} and its wave ${s.wave} has ended; once this ${noun} ends, ${opts.followUp(a.vm)}`);
        }
        throw notApplicable(`${a.vm} has not failed: ${s.ended ? `it is ${s.status}` : `its wave ${s.wave} has not started`}`);
      },
    });
  }
}
