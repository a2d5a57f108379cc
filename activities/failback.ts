import { ApplicationFailure } from '@temporalio/common';
import { In, Not } from 'typeorm';
import { DrContainerEntity, ProtectedVmEntity, SiteEntity, TenantEntity } from '../infra/persistence/entities';
import type { VmProtectionRecord } from '../workflows/contracts';
import type { ActivityDeps } from './deps';
import { MAPPED_PURPOSE } from './ip-mapping';
import { eachItem, type BatchOutcome } from './clm';
import { writeVmProtection } from './containers';
import { whileWaiting } from './heartbeat';
import { pollUntil } from './polling';
import type { DrNic } from './recovery';

/** The control servers and plans a failback adds are named after the tenant, so a repeat finds them. */
const failbackName = (tenant: string, part: string, i: number) => `${tenant}-fb-${part}${i}`;

export interface ReplicationProgress {
  total: number;
  differentialSync: number;
  pairStates: Record<string, number>;
  /** The lowest resync progress among resyncing pairs. */
  minResyncPercent: number | null;
}

/**
 * InMage, compute and BNA steps of failback and resume (PRODUCT workflow 5). Per-VM steps are batches: the
 * VMs that failed transiently come back in `retry` and the workflow sends them again after a timer.
 */
export function createFailbackActivities(deps: ActivityDeps) {
  const { inmage, compute, bna } = deps.clients;

  /** Master targets first: a process server is refused while a plan still names it. */
  const removeFailbackControlServers = async (tenant: string, idempotencyPrefix: string): Promise<{ removed: string[]; inUse: string[] }> => {
    const removed: string[] = [];
    const inUse: string[] = [];
    const servers = (await inmage.listControlServers(tenant)).filter((c) => c.name.startsWith(`${tenant}-fb-`));
    // A VM left at the DR site (skipped, failed) keeps its failback plan, and that plan its process server.
    const planned = servers.some((c) => c.role === 'mt' && c.planId)
      ? new Set((await inmage.listProtectionPlans(tenant)).map((p) => p.processServerId))
      : new Set<string>();
    for (const cs of servers.sort((a, b) => (a.role === 'mt' ? 0 : 1) - (b.role === 'mt' ? 0 : 1))) {
      if (cs.planId || planned.has(cs.id)) {
        inUse.push(cs.name);
        continue;
      }
      await whileWaiting(`removal of ${cs.name}`, () => inmage.deregisterControlServer(tenant, cs.id, `${idempotencyPrefix}:${cs.name}`));
      removed.push(cs.name);
    }
    return { removed, inUse };
  };

  return {
    /** The tenant's servers InMage has recovered at the DR site (running there now). */
    async listRecoveredServers(input: { tenant: string }): Promise<{ vms: string[] }> {
      const servers = await inmage.listServers(input.tenant);
      return { vms: servers.filter((s) => s.recovered !== null).map((s) => s.name).sort() };
    },

    /** The VMDK count of each VM, which sizes the failback plans. */
    async sizeFailbackSources(input: { tenant: string; vms: string[] }): Promise<BatchOutcome<string, { vm: string; vmdks: number }>> {
      return eachItem(input.vms, 8, async (vm) => ({ vm, vmdks: (await inmage.getServer(input.tenant, vm)).disks.length }));
    },

    /**
     * Failback protection: reverse replication from the recovered VMs at the DR site to master targets at the
     * primary site. Each plan (servers split so no master target exceeds its VMDK limit, see `failbackPlans`)
     * gets its own master target (primary site) and process server (DR site).
     */
    async createFailbackProtection(input: { tenant: string; primarySite: string; drSite: string; plans: { index: number; servers: string[] }[]; idempotencyPrefix: string }): Promise<
      BatchOutcome<{ index: number; servers: string[] }, { id: string; name: string; servers: string[] }>
    > {
      return whileWaiting('failback control servers and plans', () => eachItem(input.plans, 2, async ({ index, servers }) => {
        const key = `${input.idempotencyPrefix}:${index}`;
        const mt = await inmage.registerControlServer(input.tenant, { name: failbackName(input.tenant, 'mt-', index), role: 'mt', site: input.primarySite, drillsEnabled: false }, `${key}:mt`);
        const ps = await inmage.registerControlServer(input.tenant, { name: failbackName(input.tenant, 'ps-', index), role: 'ps', site: input.drSite }, `${key}:ps`);
        const { plan } = await inmage.createFailbackProtection(
          input.tenant,
          { name: failbackName(input.tenant, 'plan-', index), masterTargetId: mt.controlServer.id, processServerId: ps.controlServer.id, servers, drillsEnabled: false },
          `${key}:plan`,
        );
        return { id: plan.id, name: plan.name, servers: plan.servers };
      }));
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
     * addresses from the inventory (a primary site rebuilt without its VMs).
     */
    async loadPrimaryIdentities(input: { tenant: string; primarySite: string; vms: { name: string; fqdn: string; primaryIps: string[] }[] }): Promise<
      BatchOutcome<{ name: string; fqdn: string; primaryIps: string[] }, { vm: string; hostname: string; nics: DrNic[] }>
    > {
      return eachItem(input.vms, 8, async (vm) => {
        const found = await compute.findVm(input.tenant, vm.name, input.primarySite);
        const detail = found ? await compute.getVm(found.vm) : null;
        const nics = detail?.nics.length
          ? detail.nics.map((n) => ({ ip: n.ip, prefixLength: n.prefixLength, gateway: n.gateway }))
          : vm.primaryIps.map((ip) => ({ ip, prefixLength: 24, gateway: '' }));
        return { vm: vm.name, hostname: vm.fqdn, nics };
      });
    },

    /**
     * The maintenance window opens: a final consistency tag on each DR VM (failback; resume discards them), then
     * the DR VMs power off (the outage starts) and any stale copy still running at the primary is stopped, so
     * the final sync holds every change and the recovery at the primary can use its VM.
     */
    async quiesceDrVms(input: { tenant: string; primarySite: string; drSite: string; vms: string[]; tag?: string; idempotencyPrefix: string }): Promise<
      BatchOutcome<string, { vm: string; poweredOff: boolean }>
    > {
      return whileWaiting('quiesce of the DR VMs', () => eachItem(input.vms, 8, async (vm) => {
        if (input.tag) await inmage.issueConsistencyTag(input.tenant, vm, input.tag, `${input.idempotencyPrefix}:tag:${vm}`);
        let poweredOff = false;
        for (const site of [input.drSite, input.primarySite]) {
          const found = await compute.findVm(input.tenant, vm, site);
          if (found && found.powerState === 'POWERED_ON') {
            await compute.powerOff(found.vm, `${input.idempotencyPrefix}:powerOff:${site}:${vm}`);
            if (site === input.drSite) poweredOff = true;
          }
        }
        return { vm, poweredOff };
      }));
    },

    /**
     * Forward protection again, from the primary's images: InMage resumes the forward pairs (a resync) and
     * drops the failback protection. Already running counts as done.
     */
    async resumeForwardProtection(input: { tenant: string; vms: string[]; idempotencyPrefix: string }): Promise<BatchOutcome<string, { vm: string; alreadyRunning: boolean }>> {
      return eachItem(input.vms, 8, async (vm) => {
        const r = await inmage.resumeProtection(input.tenant, vm, {}, `${input.idempotencyPrefix}:${vm}`);
        return { vm, alreadyRunning: r.alreadyRunning };
      });
    },

    /** The failback's master targets and process servers, once their plans are gone. */
    async removeFailbackControlServers(input: { tenant: string; idempotencyPrefix: string }): Promise<{ removed: string[]; inUse: string[] }> {
      return removeFailbackControlServers(input.tenant, input.idempotencyPrefix);
    },

    /**
     * Undo of failback protection when a failback fails or is aborted before the DR VMs stop: its plans
     * (reverse replication, found in InMage by direction, so a plan whose creation answer was lost goes too)
     * and then its master targets and process servers. The DR VMs keep running with forward protection.
     */
    async removeFailbackProtection(input: { tenant: string; idempotencyPrefix: string }): Promise<{ plans: string[]; removed: string[]; inUse: string[] }> {
      const plans = (await inmage.listProtectionPlans(input.tenant)).filter((p) => p.direction === 'failback');
      for (const plan of plans) {
        await whileWaiting(`removal of protection plan ${plan.name}`, () => inmage.deleteProtectionPlan(input.tenant, plan.id, `${input.idempotencyPrefix}:plan:${plan.name}`));
      }
      return { plans: plans.map((p) => p.name), ...(await removeFailbackControlServers(input.tenant, `${input.idempotencyPrefix}:server`)) };
    },

    /** Resume: each primary VM restarts from its own image and its guest answers. */
    async restartPrimaryVms(input: { tenant: string; primarySite: string; vms: string[]; idempotencyPrefix: string }): Promise<BatchOutcome<string, { vm: string; healthyAt: string }>> {
      return eachItem(input.vms, 8, async (vm) => {
        const found = await compute.findVm(input.tenant, vm, input.primarySite);
        if (!found) throw ApplicationFailure.nonRetryable(`${vm} has no VM at the primary site ${input.primarySite} to restart`, 'PrimaryVmMissing');
        await whileWaiting(`power-on of ${vm}`, () => compute.powerOn(found.vm, `${input.idempotencyPrefix}:powerOn:${vm}`));
        await pollUntil(
          async () => {
            const beat = await compute.getHeartbeat(found.vm);
            if (beat === 'GREEN') return true;
            if (beat === 'RED') throw ApplicationFailure.retryable(`${vm}: guest heartbeat is RED`);
            return undefined;
          },
          { what: `guest heartbeat of ${vm}` },
        );
        return { vm, healthyAt: new Date().toISOString() };
      });
    },

    /** The tenant's recovered VMs at the DR site powered off and deleted. */
    async deleteDrVms(input: { tenant: string; drSite: string; vms: string[]; idempotencyPrefix: string }): Promise<BatchOutcome<string, { vm: string; deleted: boolean }>> {
      return whileWaiting('deletion of the DR VMs', () => eachItem(input.vms, 8, async (vm) => {
        const found = await compute.findVm(input.tenant, vm, input.drSite);
        if (!found) return { vm, deleted: false };
        if (found.powerState === 'POWERED_ON') await compute.powerOff(found.vm, `${input.idempotencyPrefix}:powerOff:${vm}`);
        return { vm, deleted: await compute.deleteVm(found.vm, `${input.idempotencyPrefix}:delete:${vm}`) };
      }));
    },

    /**
     * The VMs' DR data addresses released in BNA: those a failover took from the tenant's pool. A mapped
     * address stays reserved while the tenant is protected, so that nothing else takes it before the next failover.
     */
    async releaseDrDataIps(input: { tenant: string; vms: string[]; idempotencyPrefix: string }): Promise<BatchOutcome<string, { vm: string; released: boolean }>> {
      const pools = await bna.listIpPools({ tenant: input.tenant, purpose: 'dr-data' });
      return whileWaiting('release of the DR data addresses', () => eachItem(input.vms, 8, async (vm) => {
        let released = false;
        for (const pool of pools) {
          const held = await bna.findReservation(pool.id, vm, input.tenant);
          if (held?.purpose === MAPPED_PURPOSE) continue;
          if (held && (await bna.releaseIp(pool.id, held.address, `${input.idempotencyPrefix}:releaseIp:${vm}`))) released = true;
        }
        return { vm, released };
      }));
    },

    /**
     * The site a smoking-hole failback returns to: its name, and whether the tenant's forward protection still
     * replicates from it (the lost site rebuilt under its own name) or not (a new site).
     */
    async inspectReturnSite(input: { tenant: string; siteId: string }): Promise<{ name: string; rebuilt: boolean }> {
      const site = await deps.dataSource.manager.findOneBy(SiteEntity, { id: input.siteId });
      if (!site) throw ApplicationFailure.nonRetryable(`site ${input.siteId} does not exist`, 'SiteNotFound');
      // Checked again here, before the failback's first side effect: the API refuses these, but a run may
      // have been started another way, or the inventory changed since.
      if (site.kind !== 'primary') throw ApplicationFailure.nonRetryable(`${site.name} is a ${site.kind} site; the tenant returns to a primary site`, 'ReturnSiteRefused');
      const others = await deps.dataSource.manager.find(TenantEntity, { where: { primarySiteId: site.id, name: Not(input.tenant) }, select: { name: true } });
      if (others.length > 0) {
        throw ApplicationFailure.nonRetryable(`${site.name} is the primary site of tenant ${others.map((t) => t.name).join(', ')}, not a site of ${input.tenant}`, 'ReturnSiteRefused');
      }
      const plans = await inmage.listProtectionPlans(input.tenant);
      return { name: site.name, rebuilt: plans.some((p) => p.direction === 'forward' && p.sourceSite === site.name) };
    },

    /** The tenant's primary site is now this one (the old one was lost). */
    async recordPrimarySite(input: { tenantId: string; siteId: string }): Promise<{ previousSiteId: string }> {
      const tenant = await deps.dataSource.manager.findOneByOrFail(TenantEntity, { id: input.tenantId });
      if (tenant.primarySiteId !== input.siteId) await deps.dataSource.manager.update(TenantEntity, { id: input.tenantId }, { primarySiteId: input.siteId, updatedAt: new Date() });
      return { previousSiteId: tenant.primarySiteId };
    },

    /**
     * Each VM's protection record as InMage has it once forward protection runs again: the state and RPO of
     * its forward pairs, the master target of its plan, and, as after onboarding, its set-aside DR management
     * address from the tenant's container (the DR data address left with the DR VM).
     */
    async recordForwardProtection(input: { tenantId: string; tenant: string; vms: string[] }): Promise<{ updated: number; states: Record<string, number> }> {
      const [pairs, plans, servers, container] = await Promise.all([
        inmage.getPairs(input.tenant), inmage.listProtectionPlans(input.tenant), inmage.listControlServers(input.tenant, 'mt'),
        deps.dataSource.manager.findOneBy(DrContainerEntity, { tenantId: input.tenantId }),
      ]);
      const mtName = new Map(servers.map((c) => [c.id, c.name]));
      const planMt = new Map(plans.filter((p) => p.direction === 'forward').map((p) => [p.id, mtName.get(p.masterTargetId) ?? null]));
      const mgmtIp = new Map((container?.managementIps ?? []).map((m) => [m.vm, m.address]));
      const rows = await deps.dataSource.manager.find(ProtectedVmEntity, { where: { tenantId: input.tenantId, name: In(input.vms) } });
      const records: VmProtectionRecord[] = rows.map((row) => {
        const forward = pairs.filter((p) => p.server === row.name && p.direction === 'forward');
        const rpos = forward.map((p) => p.rpoSeconds).filter((x): x is number => x !== null);
        return {
          vm: row.name,
          replicationState: replicationStateOf(forward.map((p) => p.state)),
          rpoLagSeconds: rpos.length ? Math.max(...rpos) : null,
          masterTarget: forward.length ? planMt.get(forward[0].planId) ?? null : null,
          drIps: mgmtIp.has(row.name) ? [mgmtIp.get(row.name) as string] : null,
          drHostname: row.primaryHostname,
        };
      });
      const states: Record<string, number> = {};
      for (const r of records) states[r.replicationState] = (states[r.replicationState] ?? 0) + 1;
      const { updated } = await writeVmProtection(deps.dataSource, input.tenantId, records);
      return { updated, states };
    },

    /** The inventory forgets the DR addresses it no longer holds (a next failover reserves new ones). */
    async forgetDrIps(input: { tenantId: string; vms: string[] }): Promise<void> {
      if (input.vms.length === 0) return;
      await deps.dataSource.manager.update(ProtectedVmEntity, { tenantId: input.tenantId, name: In(input.vms) }, { drIps: null, updatedAt: new Date() });
    },

    /** Drill leftovers of these VMs removed (each deletion is an InMage job, awaited). */
    async deleteDrillLeftovers(input: { tenant: string; vms: string[]; idempotencyPrefix: string }): Promise<{ deleted: number }> {
      const ids = (await inmage.listDrillSnapshots(input.tenant)).filter((d) => input.vms.includes(d.server)).map((d) => d.id);
      for (const id of ids) {
        await inmage.deleteDrillSnapshot(input.tenant, id, `${input.idempotencyPrefix}:drill:${id}`);
        await pollUntil(async () => ((await inmage.getDrillSnapshot(input.tenant, id)) ? undefined : true), { what: `deletion of drill snapshot ${id}` });
      }
      return { deleted: ids.length };
    },
  };
}

/** The inventory's word for a VM's forward pairs: all in Differential Sync, any still resyncing, none, or stuck. */
function replicationStateOf(pairStates: string[]): VmProtectionRecord['replicationState'] {
  if (pairStates.length === 0) return 'unprotected';
  if (pairStates.every((s) => s === 'Differential Sync')) return 'differential-sync';
  if (pairStates.some((s) => s.startsWith('Resyncing'))) return 'resyncing';
  return 'error';
}
