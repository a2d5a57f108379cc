import { ApplicationFailure } from '@temporalio/common';
import type { Pair } from '../infra/clients/inmage';
import { eachItem, waitUntil, type BatchOutcome } from './clm';
import type { ActivityDeps } from './deps';
import { whileWaiting } from './heartbeat';

export interface SourceProfile {
  name: string;
  os: string;
  vmdks: number;
  changeRateGbPerDay: number;
  agentInstalled: boolean;
  protectedByPlan: string | null;
}

export interface ReadinessFailure {
  server: string;
  check: string;
  correctiveAction: string | null;
}

export interface VmReplication {
  vm: string;
  /** The least advanced state of the VM's pairs. */
  state: string;
  rpoSeconds: number | null;
  resyncPercent: number | null;
}

export interface ReplicationSummary {
  total: number;
  differentialSync: number;
  /** Pair counts by InMage state. */
  pairStates: Record<string, number>;
  /** The lowest resync progress among resyncing pairs. */
  minResyncPercent: number | null;
  maxRpoSeconds: number | null;
  /** Per VM, only when asked for (keeps each poll's history event small). */
  vms?: VmReplication[];
}

const STAGES = ['Resyncing (Step I)', 'Resyncing (Step II)', 'Differential Sync'];
const stageOf = (state: string) => {
  const i = STAGES.indexOf(state);
  return i < 0 ? -1 : i;
};

/** InMage, onboarding side: source profiles, agent pushes, readiness, protection plans and pair status. */
export function createProtectionActivities(deps: ActivityDeps) {
  const inmage = deps.clients.inmage;

  return {
    /** InMage's own profile of each VM (OS, VMDKs, change rate); names InMage does not know are listed. */
    async profileProtectionSources(input: { tenant: string; vms: string[] }): Promise<{ profiles: SourceProfile[]; unknown: string[] }> {
      const servers = new Map((await inmage.listServers(input.tenant)).map((s) => [s.name, s]));
      const profiles: SourceProfile[] = [];
      const unknown: string[] = [];
      for (const name of input.vms) {
        const s = servers.get(name);
        if (!s) unknown.push(name);
        else {
          profiles.push({
            name,
            os: s.os,
            vmdks: s.disks.length,
            changeRateGbPerDay: s.changeRateGbPerDay,
            agentInstalled: s.agentInstalled,
            protectedByPlan: s.protection?.planId ?? null,
          });
        }
      }
      return { profiles, unknown };
    },

    /** Pushes the Scout agent to each VM and waits for the pushes; a failed push job fails the batch, naming the VM. */
    async pushScoutAgents(input: { tenant: string; vms: string[]; keyPrefix: string }): Promise<BatchOutcome<string, { vm: string; alreadyInstalled: boolean }>> {
      return eachItem(input.vms, 8, async (vm) => {
        const { job, alreadyInstalled } = await inmage.pushAgent(input.tenant, vm, `${input.keyPrefix}:${vm}`);
        if (!job) return { vm, alreadyInstalled };
        const done = await waitUntil(`agent push to ${vm}`, async () => {
          const j = await inmage.getJob(job.id);
          return j.state === 'running' ? undefined : j;
        });
        if (done.state === 'failed') throw ApplicationFailure.nonRetryable(`agent push to ${vm} failed: ${inmage.jobFailure(done).message}`, 'AgentPushFailed');
        return { vm, alreadyInstalled: false };
      });
    },

    /** The VMs that have no Scout agent yet: the ones a push installs, and so the ones its undo removes. */
    async listAgentless(input: { tenant: string; vms: string[] }): Promise<string[]> {
      const wanted = new Set(input.vms);
      return (await inmage.listServers(input.tenant)).filter((s) => wanted.has(s.name) && !s.agentInstalled).map((s) => s.name);
    },

    /** Undo of a push: the agent uninstalled from each VM (none installed is fine). */
    async uninstallScoutAgents(input: { tenant: string; vms: string[]; keyPrefix: string }): Promise<BatchOutcome<string, { vm: string; removed: boolean }>> {
      return eachItem(input.vms, 8, async (vm) => ({ vm, removed: await inmage.uninstallAgent(input.tenant, vm, `${input.keyPrefix}:${vm}`) }));
    },

    /** InMage's readiness checks for protecting `servers` on a master target and process server (read-only). */
    async checkProtectionReadiness(input: { tenant: string; servers: string[]; masterTargetId: string; processServerId: string }): Promise<{ passed: boolean; failures: ReadinessFailure[] }> {
      const report = await whileWaiting('readiness check', () =>
        inmage.runReadinessChecks(input.tenant, {
          purpose: 'protect',
          servers: input.servers,
          masterTargetId: input.masterTargetId,
          processServerId: input.processServerId,
        }),
      );
      const failures = report.checks.filter((c) => c.result === 'Failed').map((c) => ({ server: c.server, check: c.check, correctiveAction: c.correctiveAction }));
      return { passed: report.passed, failures };
    },

    /** One protection plan per master target; the plan already there (same name) counts. */
    async createProtectionPlan(input: {
      tenant: string;
      name: string;
      masterTargetId: string;
      processServerId: string;
      servers: string[];
      drillsEnabled: boolean;
      idempotencyKey: string;
    }): Promise<{ id: string; name: string }> {
      const { plan } = await inmage.createProtectionPlan(
        input.tenant,
        { name: input.name, masterTargetId: input.masterTargetId, processServerId: input.processServerId, servers: input.servers, drillsEnabled: input.drillsEnabled },
        input.idempotencyKey,
      );
      return { id: plan.id, name: plan.name };
    },

    /** Removes a plan and its pairs (the VMs stop replicating); found by name when its id is unknown. */
    async deleteProtectionPlan(input: { tenant: string; planId?: string; name: string; idempotencyKey: string }): Promise<{ deleted: boolean }> {
      const id = input.planId ?? (await inmage.listProtectionPlans(input.tenant)).find((p) => p.name === input.name)?.id;
      if (!id) return { deleted: false };
      return { deleted: await whileWaiting(`removal of protection plan ${input.name}`, () => inmage.deleteProtectionPlan(input.tenant, id, input.idempotencyKey)) };
    },

    /** The tenant's process servers with their free change-rate capacity. */
    async listProcessServers(input: { tenant: string }): Promise<{ id: string; name: string; freeGbPerDay: number }[]> {
      const servers = await inmage.listControlServers(input.tenant, 'ps');
      return servers.map((s) => ({ id: s.id, name: s.name, freeGbPerDay: s.freeChangeRateGbPerDay ?? 0 }));
    },

    /** Replication status of `vms`: counts by state, slowest resync, worst RPO; per VM when `detail`. */
    async getReplicationStatus(input: { tenant: string; vms: string[]; detail?: boolean }): Promise<ReplicationSummary> {
      const wanted = new Set(input.vms);
      const pairs = (await inmage.getPairs(input.tenant)).filter((p) => wanted.has(p.server) && p.direction === 'forward');
      const byVm = new Map<string, Pair[]>();
      for (const p of pairs) byVm.set(p.server, [...(byVm.get(p.server) ?? []), p]);
      const pairStates: Record<string, number> = {};
      for (const p of pairs) pairStates[p.state] = (pairStates[p.state] ?? 0) + 1;
      const vms: VmReplication[] = input.vms.map((vm) => {
        const list = byVm.get(vm) ?? [];
        if (list.length === 0) return { vm, state: 'Unprotected', rpoSeconds: null, resyncPercent: null };
        const least = list.reduce((a, b) => (stageOf(b.state) < stageOf(a.state) ? b : a));
        const rpos = list.map((p) => p.rpoSeconds).filter((x): x is number => x !== null);
        const progress = list.map((p) => p.resyncProgressPercentage).filter((x): x is number => x !== null);
        return {
          vm,
          state: least.state,
          rpoSeconds: rpos.length ? Math.max(...rpos) : null,
          resyncPercent: progress.length ? Math.min(...progress) : null,
        };
      });
      const inDiff = vms.filter((v) => v.state === 'Differential Sync');
      const progress = vms.map((v) => v.resyncPercent).filter((x): x is number => x !== null);
      const rpos = inDiff.map((v) => v.rpoSeconds).filter((x): x is number => x !== null);
      return {
        total: vms.length,
        differentialSync: inDiff.length,
        pairStates,
        minResyncPercent: progress.length ? Math.min(...progress) : null,
        maxRpoSeconds: rpos.length ? Math.max(...rpos) : null,
        ...(input.detail ? { vms } : {}),
      };
    },
  };
}
