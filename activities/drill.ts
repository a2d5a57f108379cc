import { ApplicationFailure } from '@temporalio/common';
import { drillNetworkName, drillSubnet, isDrillResource, type DrillProbe, type DrillProbeResult } from '../domain/drill';
import type { InmageJob } from '../infra/clients/inmage';
import type { ActivityDeps } from './deps';
import { isFinal, waitUntil } from './clm';
import { eachLimited } from './concurrency';
import { whileWaiting } from './heartbeat';
import { pollUntil, readAgainLater, readUntilAnswered } from './polling';
import type { RecoveryTarget } from './recovery';
import { toInmagePoint } from './recovery';

/** A drill's bubble: a VLAN no production network routes to, and an address pool on it. */
export interface DrillNetwork {
  vlan: { bnaId: string; vlanId: number; name: string };
  poolId: string;
  cidr: string;
  gateway: string;
  prefixLength: number;
}

/** What a drill's clean-up removed, by kind. */
export interface DrillCleanup {
  snapshots: number;
  vms: number;
  dnsRecords: number;
  addresses: number;
  pools: number;
  vlans: number;
}

/**
 * The drill's side of the estate (PRODUCT workflow 6): an isolated network, InMage drill snapshots booted as
 * `<vm>-drill-<id>` in it, probes run in their guests, records in the drill zone; and the clean-up, which
 * finds everything of a drill by its name (nothing is kept in between), so a call whose answer was lost, an
 * aborted drill or one whose worker died is cleaned up the same way.
 */
export function createDrillActivities(deps: ActivityDeps) {
  const { inmage, compute, bna, dns } = deps.clients;

  const finishInmageJob = async (jobId: string, what: string): Promise<InmageJob> => {
    const job = await pollUntil(async () => {
      const j = await readAgainLater(() => inmage.getJob(jobId));
      return j === undefined || j.state === 'running' ? undefined : j;
    }, { what });
    if (job.state === 'failed') throw inmage.jobFailure(job);
    return job;
  };
  const finishBnaJob = async (jobId: number, what: string) => {
    const job = await waitUntil(what, async () => {
      const j = await bna.getJob(jobId);
      return j.state === 'running' ? undefined : j;
    });
    if (job.state === 'failed') throw bna.jobFailure(job);
  };

  return {
    /**
     * Protection untouched: every forward pair of each VM in Differential Sync, read from InMage. Checked before,
     * during and after a drill; the VMs whose pairs are elsewhere are named with their state.
     */
    async checkProtection(input: { tenant: string; vms: string[] }): Promise<{ inSync: boolean; checkedAt: string; notInSync: { vm: string; state: string }[] }> {
      const states = await eachLimited(input.vms, 16, async (vm) => {
        const server = await inmage.getServer(input.tenant, vm);
        const pairs = (server.protection?.pairs ?? []).filter((p) => p.direction === 'forward');
        const off = pairs.find((p) => p.state !== 'Differential Sync');
        return { vm, state: pairs.length === 0 ? 'not protected' : off ? off.state : 'Differential Sync' };
      });
      const notInSync = states.filter((s) => s.state !== 'Differential Sync');
      return { inSync: notInSync.length === 0, checkedAt: new Date().toISOString(), notInSync };
    },

    /**
     * The drill's bubble: a VLAN from the DR site's pool (a BNA job) and an address pool on a subnet no
     * production network routes. No ASA context, no network path, no tunnel: nothing reaches production.
     * `startedAt` is when the drill's first change began: its RTO clock and the age of its recovery points.
     */
    async createDrillNetwork(input: { tenant: string; drSite: string; drillId: string; idempotencyPrefix: string }): Promise<{ startedAt: string; network: DrillNetwork }> {
      const startedAt = new Date().toISOString();
      const name = drillNetworkName(input.drillId);
      const req = await bna.addVlan({ name, tenant: input.tenant, site: input.drSite, owner: name }, `${input.idempotencyPrefix}:vlan`);
      if (req.job) await finishBnaJob(req.job.jobId, `drill VLAN ${name}`);
      const vlan = await bna.getVlan(req.vlan.id);
      if (!vlan) throw ApplicationFailure.retryable(`drill VLAN ${name} not found after its job`);
      const { pool } = await bna.createIpPool({ name, cidr: drillSubnet(vlan.vlanId), tenant: input.tenant, site: input.drSite, purpose: 'drill' }, `${input.idempotencyPrefix}:pool`);
      return {
        startedAt,
        network: { vlan: { bnaId: vlan.id, vlanId: vlan.vlanId, name: vlan.name }, poolId: pool.id, cidr: pool.cidr, gateway: pool.gateway, prefixLength: pool.prefixLength },
      };
    },

    /**
     * One VM into the bubble: an address of the drill pool, then an InMage drill snapshot of its chosen point
     * booted as `drillVm` on the drill VLAN (a job), its pairs left replicating. A snapshot of that name already
     * there (an earlier attempt's) is adopted.
     */
    async recoverDrillVm(input: {
      tenant: string; vm: string; drillVm: string; point: RecoveryTarget['point']; network: { vlan: string; poolId: string }; idempotencyKey: string;
    }): Promise<{ vmId: string; snapshotId: string; ip: string; recoveredTo: string }> {
      const address = await bna.reserveIp(input.network.poolId, { owner: input.drillVm, tenant: input.tenant, purpose: 'drill' }, `${input.idempotencyKey}:ip`);
      const existing = (await readUntilAnswered(`drill snapshots of ${input.tenant}`, () => inmage.listDrillSnapshots(input.tenant))).find((d) => d.vmName === input.drillVm);
      let snapshot = existing;
      let jobId = existing?.state === 'Creating' ? existing.jobId : null;
      if (!existing || existing.state === 'Failed') {
        const created = await inmage.createDrillSnapshot(input.tenant, input.vm, {
          recoveryPoint: toInmagePoint(input.point), vmName: input.drillVm,
          nics: [{ ip: address.address, prefixLength: address.prefixLength, gateway: address.gateway, network: input.network.vlan }],
        }, input.idempotencyKey);
        snapshot = created.snapshot;
        jobId = created.job && created.job.state === 'running' ? created.job.id : created.snapshot.state === 'Creating' ? created.snapshot.jobId : null;
      }
      if (jobId) await finishInmageJob(jobId, `drill snapshot of ${input.vm}`);
      const ready = await readUntilAnswered(`drill snapshot ${snapshot!.id}`, () => inmage.getDrillSnapshot(input.tenant, snapshot!.id));
      if (!ready?.vmId) throw ApplicationFailure.retryable(`drill snapshot of ${input.vm} holds no VM yet (${ready?.state ?? 'gone'})`);
      return { vmId: ready.vmId, snapshotId: ready.id, ip: address.address, recoveredTo: ready.point.time };
    },

    /**
     * Powers the drill VM on, waits for its guest heartbeat, then runs its probes in the guest (its network has
     * no route from here). A probe that does not pass is reported, not retried: the drill's evidence says so.
     * `greenAt` is when its last probe answered.
     */
    async startDrillVm(input: { vm: string; vmId: string; probes: DrillProbe[]; idempotencyPrefix: string }): Promise<{ greenAt: string; probes: DrillProbeResult[] }> {
      const now = await readUntilAnswered(`VM ${input.vmId}`, () => compute.getVm(input.vmId));
      if (now?.powerState !== 'POWERED_ON') {
        await whileWaiting(`power-on of ${input.vm}`, () => compute.powerOn(input.vmId, `${input.idempotencyPrefix}:powerOn`));
      }
      await pollUntil(async () => {
        const beat = await readAgainLater(() => compute.getHeartbeat(input.vmId));
        if (beat === 'GREEN') return true;
        if (beat === 'RED') throw ApplicationFailure.retryable(`${input.vm}: guest heartbeat is RED`);
        return undefined;
      }, { what: `guest heartbeat of ${input.vm}` });
      const results: DrillProbeResult[] = [];
      for (const [i, probe] of input.probes.entries()) {
        try {
          const r = await compute.runGuestProbe(input.vmId, probe, `${input.idempotencyPrefix}:probe:${i}`);
          results.push({ ...probe, passed: r.passed, at: new Date().toISOString(), detail: r.detail });
        } catch (err) {
          if (!isFinal(err)) throw err;
          results.push({ ...probe, passed: false, at: new Date().toISOString(), detail: err instanceof Error ? err.message : String(err) });
        }
      }
      return { greenAt: new Date().toISOString(), probes: results };
    },

    /** The drill VM's name in the drill zone (never the production zone), to its bubble address. */
    async publishDrillVm(input: { tenant: string; zone: string; name: string; ip: string; idempotencyKey: string }): Promise<{ record: string }> {
      await dns.upsertDnsRecord(input.zone, input.name, 'A', { values: [input.ip], ttl: 60, tenant: input.tenant }, input.idempotencyKey);
      return { record: `${input.name}.${input.zone}` };
    },

    /**
     * Removes everything of one drill, found by name: drill snapshots (with their VMs), any VM left of that
     * name, drill-zone records, the pool's addresses and the pool, the VLAN. Each kind is removed even when
     * another fails; a failure is raised at the end, so a retry finds less to do.
     */
    async cleanUpDrill(input: { tenant: string; drSite: string; drillId: string; zones: string[]; idempotencyPrefix: string }): Promise<DrillCleanup> {
      const { tenant, drillId } = input;
      const key = input.idempotencyPrefix;
      const name = drillNetworkName(drillId);
      const removed: DrillCleanup = { snapshots: 0, vms: 0, dnsRecords: 0, addresses: 0, pools: 0, vlans: 0 };
      const errors: unknown[] = [];
      const part = async (run: () => Promise<void>) => {
        try {
          await run();
        } catch (err) {
          errors.push(err);
        }
      };

      await part(async () => {
        const mine = (await inmage.listDrillSnapshots(tenant)).filter((d) => isDrillResource(d.vmName, drillId));
        for (const d of mine) {
          if (d.state !== 'Deleting') await inmage.deleteDrillSnapshot(tenant, d.id, `${key}:snapshot:${d.id}`);
          removed.snapshots += 1;
        }
        await pollUntil(async () => ((await inmage.listDrillSnapshots(tenant)).some((d) => isDrillResource(d.vmName, drillId)) ? undefined : true), { what: 'drill snapshots to be deleted' });
        const vms = (await compute.listVms({ tenants: [tenant], sites: [input.drSite] })).filter((v) => isDrillResource(v.name, drillId));
        for (const vm of vms) {
          if (vm.powerState === 'POWERED_ON') await whileWaiting(`power-off of ${vm.name}`, () => compute.powerOff(vm.vm, `${key}:powerOff:${vm.name}`));
          await whileWaiting(`removal of ${vm.name}`, () => compute.deleteVm(vm.vm, `${key}:deleteVm:${vm.name}`));
          removed.vms += 1;
        }
      });
      await part(async () => {
        for (const zone of input.zones) {
          for (const r of (await dns.listRecords(zone)).filter((x) => isDrillResource(x.name, drillId))) {
            if (await dns.deleteDnsRecord(zone, r.name, r.type, `${key}:dns:${r.name}.${zone}`)) removed.dnsRecords += 1;
          }
        }
      });
      await part(async () => {
        const pool = await bna.getIpPool(name);
        if (!pool) return;
        for (const r of await bna.listReservations(pool.id)) {
          if (await bna.releaseIp(pool.id, r.address, `${key}:release:${r.address}`)) removed.addresses += 1;
        }
        if (await bna.deleteIpPool(pool.id, `${key}:pool`)) removed.pools += 1;
      });
      await part(async () => {
        for (const vlan of await bna.listVlans({ tenant, name })) {
          const job = await bna.removeVlan(vlan.id, `${key}:vlan:${vlan.id}`);
          if (job) await finishBnaJob(job.jobId, `removal of drill VLAN ${name}`);
          removed.vlans += 1;
        }
      });
      if (errors.length > 0) throw errors[0];
      return removed;
    },

    /** The clean-up's proof, read from the estate: what of the drill is still there (empty when clean). */
    async verifyDrillCleanup(input: { tenant: string; drSite: string; drillId: string; zones: string[] }): Promise<{ clean: boolean; checkedAt: string; leftovers: string[] }> {
      const { tenant, drillId } = input;
      const name = drillNetworkName(drillId);
      const leftovers: string[] = [];
      for (const d of await inmage.listDrillSnapshots(tenant)) if (isDrillResource(d.vmName, drillId)) leftovers.push(`InMage drill snapshot ${d.id} (${d.vmName})`);
      for (const vm of await compute.listVms({ tenants: [tenant] })) if (isDrillResource(vm.name, drillId)) leftovers.push(`VM ${vm.name} at ${vm.site}`);
      for (const zone of input.zones) for (const r of await dns.listRecords(zone)) if (isDrillResource(r.name, drillId)) leftovers.push(`DNS ${r.name}.${zone}`);
      if (await bna.getIpPool(name)) leftovers.push(`BNA pool ${name}`);
      for (const v of await bna.listVlans({ tenant, name })) leftovers.push(`BNA VLAN ${v.name} (${v.vlanId})`);
      return { clean: leftovers.length === 0, checkedAt: new Date().toISOString(), leftovers };
    },
  };
}
