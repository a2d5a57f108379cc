import { getExternalWorkflowHandle, setHandler } from '@temporalio/workflow';
import type { ExecutionSchedule } from '../domain/recovery-plan';
import {
  abortUpdate, approveUpdate, pauseUpdate, resumeUpdate, retryVmUpdate, skipVmUpdate, stageCommandSignal, workflowIds, type StageCommand,
} from './contracts';
import type { VmOutcome } from './failover-stage';
import type { OperationTracker } from './operation-tracker';

/**
 * The operator controls of an operation that recovers VMs wave by wave (failover, failback): approve a gate,
 * pause, resume, abort, skip or retry a VM. The state lives here; commands for VMs reach the running wave
 * (a child workflow) as signals, and a VM skipped before its wave starts is handed to that wave.
 */
export class WaveControls {
  readonly approvedGates = new Set<string>();
  readonly preSkipped = new Set<string>();
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
  }) {
    const { noun, tracker, outcomes } = opts;
    const gateName = opts.gateName ?? ((gate: string) => `wave ${gate}`);
    const knownVm = (vm: string) => {
      if (!opts.schedule()?.vms.some((v) => v.vm === vm)) throw new Error(`${vm} is not in this ${noun}'s plan`);
    };
    const forward = async (cmd: StageCommand) => {
      if (this.activeStage) await getExternalWorkflowHandle(this.activeStage).signal(stageCommandSignal, cmd);
    };

    setHandler(approveUpdate, (a) => {
      const gate = (a.gate ?? this.waitingGate) as string;
      this.approvedGates.add(gate);
      tracker.setProgress({ approvals: [...this.approvedGates] });
      return { accepted: true, detail: `${gateName(gate)} approved by ${a.by}` };
    }, {
      validator: (a) => {
        if (!this.waitingGate && !a.gate) throw new Error(`the ${noun} is not waiting for an approval`);
        const planGate = opts.schedule()?.stages.some((s) => s.group === a.gate && s.approvalRequired);
        if (a.gate && !planGate && !opts.extraGates?.includes(a.gate)) throw new Error(`no gate ${a.gate} awaits approval`);
      },
    });
    setHandler(pauseUpdate, async (a) => {
      this.paused = `paused by ${a.by}`;
      await forward({ action: 'pause', by: a.by });
      return { accepted: true, detail: 'no new VM starts until resumed; VMs already recovering finish' };
    }, { validator: (_a) => { if (this.paused) throw new Error(`the ${noun} is already paused`); } });
    setHandler(resumeUpdate, async (a) => {
      this.paused = null;
      await forward({ action: 'resume', by: a.by });
      return { accepted: true, detail: `resumed by ${a.by}` };
    });
    setHandler(abortUpdate, async (a) => {
      this.aborted = `aborted by ${a.by}`;
      await forward({ action: 'abort', by: a.by });
      return { accepted: true, detail: `no new VM starts; VMs already recovering finish; the ${noun} ends as aborted` };
    }, { validator: (_a) => { if (this.aborted) throw new Error(`the ${noun} is already aborting`); } });
    setHandler(skipVmUpdate, async (a) => {
      this.preSkipped.add(a.vm);
      await forward({ action: 'skip', vm: a.vm, by: a.by });
      return { accepted: true, detail: `${a.vm} is left out; its dependents go ahead without it` };
    }, {
      validator: (a) => {
        knownVm(a.vm);
        const s = outcomes[a.vm]?.status;
        if (s === 'recovered' || s === 'running') throw new Error(`${a.vm} is ${s}`);
      },
    });
    setHandler(retryVmUpdate, async (a) => {
      await forward({ action: 'retry', vm: a.vm, by: a.by });
      return { accepted: true, detail: `${a.vm} will be tried again with a new attempt` };
    }, {
      validator: (a) => {
        knownVm(a.vm);
        const stage = opts.schedule()!.vms.find((v) => v.vm === a.vm)!.stage;
        if (this.activeStage !== workflowIds.child(opts.operationId, `wave-${stage}`)) throw new Error(`${a.vm} can be retried only while its wave runs`);
      },
    });
  }
}
