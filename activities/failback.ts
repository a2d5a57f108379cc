import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { In } from 'typeorm';
import { ProtectedVmEntity } from '../infra/persistence/entities';
import type { ActivityDeps } from './deps';
import { pollUntil } from './polling';
import type { DrNic } from './recovery';

/** Failback plans are sized without DR drills: a master target holds at most 57 VMDKs. */
const FAILBACK_MT_MAX_VMDKS = 57;

/** The control servers and plans a failback adds are named after the tenant, so a repeat finds them. */
const failbackName = (tenant: string, part: string, i: number) => `${tenant}-fb-${part}${i}`;

export interface ReplicationProgress {
  total: number;
  differentialSync: number;
  pairStates: Record<string, number>;
  /** The lowest resync progress among resyncing pairs. */
  minResyncPercent: number | null;
}

/** Per-item calls, a few at a time, heartbeating as items finish. */
async function inParallel<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        await fn(items[next++]);
        Context.current().heartbeat({ done: ++done, of: items.length });
      }
    }),
  );
}

/** InMage, compute and BNA steps of failback and resume (PRODUCT workflow 5). */
export function createFailbackActivities(deps: ActivityDeps) {
  const { inmage, compute, bna } = deps.clients;

  return {
    /** The tenant's servers InMage has recovered at the DR site (running there now). */
    async listRecoveredServers(input: { tenant: string }): Promise<{ vms: string[] }> {
      const servers = await inmage.listServers(input.tenant);
      return { vms: servers.filter((s) => s.recovered !== null).map((s) => s.name).sort() };
    },

    /**
     * Failback protection: reverse replication from the recovered VMs at the DR site to master targets at the
     * primary site. Servers are split across plans so no master target exceeds its VMDK limit; each plan gets
     * its own master target (primary site) and process server (DR site).
     */
    async createFailbackProtection(input: { tenant: string; primarySite: string; drSite: string; vms: string[]; idempotencyPrefix: string }): Promise<{
      plans: { id: string; name: string; servers: string[] }[];
    }> {
      const sized: { vm: string; vmdks: number }[] = [];
      for (const vm of [...input.vms].sort()) sized.push({ vm, vmdks: (await inmage.getServer(input.tenant, vm)).disks.length });
      const chunks: string[][] = [];
      let used = Infinity;
      for (const { vm, vmdks } of sized) {
        if (used + vmdks > FAILBACK_MT_MAX_VMDKS) {
          chunks.push([]);
          used = 0;
        }
        chunks[chunks.length - 1].push(vm);
        used += vmdks;
      }
      const plans: { id: string; name: string; servers: string[] }[] = [];
      for (const [i, servers] of chunks.entries()) {
        const key = `${input.idempotencyPrefix}:${i + 1}`;
        const mt = await inmage.registerControlServer(input.tenant, { name: failbackName(input.tenant, 'mt-', i + 1), role: 'mt', site: input.primarySite, drillsEnabled: false }, `${key}:mt`);
        const ps = await inmage.registerControlServer(input.tenant, { name: failbackName(input.tenant, 'ps-', i + 1), role: 'ps', site: input.drSite }, `${key}:ps`);
        const { plan } = await inmage.createFailbackProtection(
          input.tenant,
          { name: failbackName(input.tenant, 'plan-', i + 1), masterTargetId: mt.controlServer.id, processServerId: ps.controlServer.id, servers, drillsEnabled: false },
          `${key}:plan`,
        );
        plans.push({ id: plan.id, name: plan.name, servers: plan.servers });
        Context.current().heartbeat({ plans: plans.length, of: chunks.length });
      }
      return { plans };
    },

    /** Replication progress of `vms` in one direction: pair counts by state and the slowest resync. */
    async getReplicationProgress(input: { tenant: string; vms: string[]; direction: 'forward' | 'failback' }): Promise<ReplicationProgress> {
      const wanted = new Set(input.vms);
      const pairs = (await inmage.getPairs(input.tenant)).filter((p) => wanted.has(p.server) && p.direction === input.direction);
      const pairStates: Record<string, number> = {};
      const inSync = new Map<string, boolean>();
      for (const p of pairs) {
        pairStates[p.state] = (pairStates[p.state] ?? 0) + 1;
        inSync.set(p.server, (inSync.get(p.server) ?? true) && p.state === 'Differential Sync');
      }
      const progress = pairs.map((p) => p.resyncProgressPercentage).filter((x): x is number => x !== null && x < 100);
      return {
        total: input.vms.length,
        differentialSync: input.vms.filter((vm) => inSync.get(vm) === true).length,
        pairStates,
        minResyncPercent: progress.length ? Math.min(...progress) : null,
      };
    },

    /**
     * The primary identity each VM returns to: the NICs its primary copy had (compute), else its primary
     * addresses from the inventory.
     */
    async loadPrimaryIdentities(input: { tenant: string; primarySite: string; vms: { name: string; fqdn: string; primaryIps: string[] }[] }): Promise<Record<string, { hostname: string; nics: DrNic[] }>> {
      const out: Record<string, { hostname: string; nics: DrNic[] }> = {};
      await inParallel(input.vms, 8, async (vm) => {
        const found = await compute.findVm(input.tenant, vm.name, input.primarySite);
        const detail = found ? await compute.getVm(found.vm) : null;
        const nics = detail?.nics.length
          ? detail.nics.map((n) => ({ ip: n.ip, prefixLength: n.prefixLength, gateway: n.gateway }))
          : vm.primaryIps.map((ip) => ({ ip, prefixLength: 24, gateway: '' }));
        out[vm.name] = { hostname: vm.fqdn, nics };
      });
      return out;
    },

    /**
     * The maintenance window opens: a final consistency tag on each DR VM (failback; resume discards them), then the DR VMs power off (the
     * outage starts) and any stale copy still running at the primary is stopped, so the final sync holds
     * every change and the recovery at the primary can use its VM.
     */
    async quiesceDrVms(input: { tenant: string; primarySite: string; drSite: string; vms: string[]; tag?: string; idempotencyPrefix: string }): Promise<{
      tagged: number; poweredOff: number; outageStartedAt: string;
    }> {
      const tag = input.tag;
      if (tag) {
        await inParallel(input.vms, 8, async (vm) => {
          await inmage.issueConsistencyTag(input.tenant, vm, tag, `${input.idempotencyPrefix}:tag:${vm}`);
        });
      }
      const outageStartedAt = new Date().toISOString();
      let poweredOff = 0;
      await inParallel(input.vms, 8, async (vm) => {
        for (const site of [input.drSite, input.primarySite]) {
          const found = await compute.findVm(input.tenant, vm, site);
          if (found && found.powerState === 'POWERED_ON') {
            await compute.powerOff(found.vm, `${input.idempotencyPrefix}:powerOff:${site}:${vm}`);
            if (site === input.drSite) poweredOff += 1;
          }
        }
      });
      return { tagged: tag ? input.vms.length : 0, poweredOff, outageStartedAt };
    },

    /**
     * Forward protection again, from the primary's images: InMage resumes the forward pairs (a resync) and
     * drops the failback protection. Already running counts as done.
     */
    async resumeForwardProtection(input: { tenant: string; vms: string[]; idempotencyPrefix: string }): Promise<{ resumed: number; alreadyRunning: number }> {
      let resumed = 0;
      let alreadyRunning = 0;
      await inParallel(input.vms, 8, async (vm) => {
        const r = await inmage.resumeProtection(input.tenant, vm, {}, `${input.idempotencyPrefix}:${vm}`);
        if (r.alreadyRunning) alreadyRunning += 1;
        else resumed += 1;
      });
      return { resumed, alreadyRunning };
    },

    /** The failback's master targets and process servers, once their plans are gone. */
    async removeFailbackControlServers(input: { tenant: string; idempotencyPrefix: string }): Promise<{ removed: string[]; inUse: string[] }> {
      const removed: string[] = [];
      const inUse: string[] = [];
      const servers = (await inmage.listControlServers(input.tenant)).filter((c) => c.name.startsWith(`${input.tenant}-fb-`));
      // Master targets first: a process server is refused while a plan still names it.
      for (const cs of servers.sort((a, b) => (a.role === 'mt' ? 0 : 1) - (b.role === 'mt' ? 0 : 1))) {
        if (cs.planId) {
          inUse.push(cs.name);
          continue;
        }
        await inmage.deregisterControlServer(input.tenant, cs.id, `${input.idempotencyPrefix}:${cs.name}`);
        removed.push(cs.name);
      }
      return { removed, inUse };
    },

    /** Resume: each primary VM restarts from its own image and its guest answers. */
    async restartPrimaryVms(input: { tenant: string; primarySite: string; vms: string[]; idempotencyPrefix: string }): Promise<{ restarted: number; healthyAt: string }> {
      await inParallel(input.vms, 8, async (vm) => {
        const found = await compute.findVm(input.tenant, vm, input.primarySite);
        if (!found) throw ApplicationFailure.nonRetryable(`${vm} has no VM at the primary site ${input.primarySite} to restart`, 'PrimaryVmMissing');
        await compute.powerOn(found.vm, `${input.idempotencyPrefix}:powerOn:${vm}`);
        await pollUntil(
          async () => {
            const beat = await compute.getHeartbeat(found.vm);
            if (beat === 'GREEN') return true;
            if (beat === 'RED') throw ApplicationFailure.retryable(`${vm}: guest heartbeat is RED`);
            return undefined;
          },
          { what: `guest heartbeat of ${vm}` },
        );
      });
      return { restarted: input.vms.length, healthyAt: new Date().toISOString() };
    },

    /**
     * Nothing of the tenant's failover stays at the DR site: the recovered VMs powered off and deleted, their
     * DR data addresses released in BNA (and forgotten by the inventory), drill snapshots removed.
     */
    async releaseDrResources(input: { tenantId: string; tenant: string; drSite: string; vms: string[]; idempotencyPrefix: string }): Promise<{
      vmsDeleted: number; ipsReleased: number; drillSnapshotsDeleted: number;
    }> {
      let vmsDeleted = 0;
      await inParallel(input.vms, 8, async (vm) => {
        const found = await compute.findVm(input.tenant, vm, input.drSite);
        if (!found) return;
        if (found.powerState === 'POWERED_ON') await compute.powerOff(found.vm, `${input.idempotencyPrefix}:powerOff:${vm}`);
        if (await compute.deleteVm(found.vm, `${input.idempotencyPrefix}:delete:${vm}`)) vmsDeleted += 1;
      });

      const released: string[] = [];
      const pools = await bna.listIpPools({ tenant: input.tenant, purpose: 'dr-data' });
      for (const pool of pools) {
        await inParallel(input.vms, 8, async (vm) => {
          const held = await bna.findReservation(pool.id, vm, input.tenant);
          if (held && (await bna.releaseIp(pool.id, held.address, `${input.idempotencyPrefix}:releaseIp:${vm}`))) released.push(vm);
        });
      }
      if (released.length > 0) {
        await deps.dataSource.manager.update(ProtectedVmEntity, { tenantId: input.tenantId, name: In(released) }, { drIps: null, drHostname: null, updatedAt: new Date() });
      }

      const snapshots = (await inmage.listDrillSnapshots(input.tenant)).filter((d) => input.vms.includes(d.server));
      for (const d of snapshots) {
        await inmage.deleteDrillSnapshot(input.tenant, d.id, `${input.idempotencyPrefix}:drill:${d.id}`);
        await pollUntil(async () => ((await inmage.getDrillSnapshot(input.tenant, d.id)) ? undefined : true), { what: `deletion of drill snapshot ${d.vmName}` });
      }
      return { vmsDeleted, ipsReleased: released.length, drillSnapshotsDeleted: snapshots.length };
    },
  };
}
