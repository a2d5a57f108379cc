/**
 * Which VMs of a recovery stage may start now. Pure and deterministic, so the stage workflow can keep it
 * in memory and replay it: VMs start in the stage's dispatch order (the order the forecast simulates),
 * when every VM they depend on is recovered and the caps (group, per master target, per DR site) allow.
 * A VM that fails holds its dependents (blocked, transitively) and nothing else.
 */
import type { ScheduledVm } from './recovery-plan';

export type VmRunStatus = 'pending' | 'running' | 'recovered' | 'failed' | 'blocked' | 'skipped';

export const TERMINAL: ReadonlySet<VmRunStatus> = new Set(['recovered', 'failed', 'blocked', 'skipped']);

export interface DispatcherCaps {
  /** The group's limit combined with the site's (the smaller); null = unlimited. */
  slots: number | null;
  perMasterTarget: number | null;
}

export interface DispatcherState {
  /** Status of every VM of the stage. */
  status: Record<string, VmRunStatus>;
  /** Why a VM is blocked or failed. */
  reason: Record<string, string>;
}

export class StageDispatcher {
  private readonly byName = new Map<string, ScheduledVm>();
  private readonly dependents = new Map<string, string[]>();
  private readonly runningPerMt = new Map<string, number>();
  private running = 0;

  /**
   * @param vms the stage's VMs in dispatch order
   * @param outside statuses of VMs of earlier stages this stage depends on (recovered, failed, blocked, skipped)
   */
  constructor(
    readonly vms: ScheduledVm[],
    private readonly caps: DispatcherCaps,
    outside: Record<string, VmRunStatus>,
    readonly state: DispatcherState = { status: {}, reason: {} },
  ) {
    for (const vm of vms) {
      this.byName.set(vm.vm, vm);
      this.state.status[vm.vm] ??= 'pending';
      for (const dep of vm.dependsOn) {
        if (!this.dependents.has(dep)) this.dependents.set(dep, []);
        this.dependents.get(dep)!.push(vm.vm);
      }
    }
    // A carried-over state (continue-as-new) has no VM running: in-flight work was drained first.
    for (const vm of vms) if (this.state.status[vm.vm] === 'running') this.state.status[vm.vm] = 'pending';
    // Dependencies on earlier stages are settled: a failed or blocked one blocks here too; skipped releases.
    for (const vm of vms) {
      const bad = vm.dependsOn.find((d) => !this.byName.has(d) && (outside[d] === 'failed' || outside[d] === 'blocked'));
      if (bad && this.state.status[vm.vm] === 'pending') this.block(vm.vm, `depends on ${bad}, which is ${outside[bad]}`);
    }
  }

  status(vm: string): VmRunStatus | undefined {
    return this.state.status[vm];
  }

  get done(): boolean {
    return this.vms.every((vm) => TERMINAL.has(this.state.status[vm.vm]));
  }

  get inFlight(): number {
    return this.running;
  }

  counts(): Record<VmRunStatus, number> {
    const c: Record<VmRunStatus, number> = { pending: 0, running: 0, recovered: 0, failed: 0, blocked: 0, skipped: 0 };
    for (const vm of this.vms) c[this.state.status[vm.vm]] += 1;
    return c;
  }

  /** The VMs to start now, marked running; in dispatch order, skipping any whose master target is full. */
  next(): ScheduledVm[] {
    const started: ScheduledVm[] = [];
    for (const vm of this.vms) {
      if (this.caps.slots !== null && this.running >= this.caps.slots) break;
      if (this.state.status[vm.vm] !== 'pending' || !this.ready(vm)) continue;
      const mt = vm.masterTarget;
      if (mt && this.caps.perMasterTarget !== null && (this.runningPerMt.get(mt) ?? 0) >= this.caps.perMasterTarget) continue;
      this.state.status[vm.vm] = 'running';
      this.running += 1;
      if (mt) this.runningPerMt.set(mt, (this.runningPerMt.get(mt) ?? 0) + 1);
      started.push(vm);
    }
    return started;
  }

  recovered(vm: string): void {
    this.release(vm);
    this.state.status[vm] = 'recovered';
    delete this.state.reason[vm];
  }

  /** A failed VM blocks everything that depends on it, transitively, within the stage. */
  failed(vm: string, reason: string): void {
    this.release(vm);
    this.state.status[vm] = 'failed';
    this.state.reason[vm] = reason;
    for (const dependent of this.dependents.get(vm) ?? []) this.block(dependent, `depends on ${vm}, which failed`);
  }

  /** Operator skip: the VM is not recovered; its dependents go ahead without it. */
  skip(vm: string, by: string): void {
    const was = this.state.status[vm];
    if (was === 'running') this.release(vm);
    this.state.status[vm] = 'skipped';
    this.state.reason[vm] = `skipped by ${by}`;
    for (const dependent of this.dependents.get(vm) ?? []) this.unblock(dependent);
  }

  /** Operator retry of a failed (or blocked-by-it) VM: back to pending, and its dependents with it. */
  retry(vm: string): void {
    this.state.status[vm] = 'pending';
    delete this.state.reason[vm];
    for (const dependent of this.dependents.get(vm) ?? []) this.unblock(dependent);
  }

  private ready(vm: ScheduledVm): boolean {
    return vm.dependsOn.every((d) => {
      const s = this.byName.has(d) ? this.state.status[d] : 'recovered'; // earlier stages are settled
      return s === 'recovered' || s === 'skipped';
    });
  }

  private block(vm: string, reason: string): void {
    if (this.state.status[vm] !== 'pending') return;
    this.state.status[vm] = 'blocked';
    this.state.reason[vm] = reason;
    for (const dependent of this.dependents.get(vm) ?? []) this.block(dependent, `depends on ${vm}, which is blocked`);
  }

  /** A blocked VM whose dependencies are no longer failed or blocked goes back to pending. */
  private unblock(vm: string): void {
    if (this.state.status[vm] !== 'blocked') return;
    const still = this.byName.get(vm)!.dependsOn.some((d) => this.byName.has(d) && ['failed', 'blocked'].includes(this.state.status[d]));
    if (still) return;
    this.state.status[vm] = 'pending';
    delete this.state.reason[vm];
    for (const dependent of this.dependents.get(vm) ?? []) this.unblock(dependent);
  }

  private release(vm: string): void {
    if (this.state.status[vm] !== 'running') return;
    this.running -= 1;
    const mt = this.byName.get(vm)?.masterTarget;
    if (mt) this.runningPerMt.set(mt, (this.runningPerMt.get(mt) ?? 1) - 1);
  }
}
