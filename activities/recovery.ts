import { ApplicationFailure } from '@temporalio/common';
import * as net from 'node:net';
import { chooseRecoveryPoint, type RecoveryPointRequest, type VolumeRetention } from '../domain/recovery-point';
import type { VmDetail } from '../infra/clients/compute';
import type { RecoveryPoint as InmagePoint, TagReport } from '../infra/clients/inmage';
import type { ActivityDeps } from './deps';
import { eachItem, type BatchOutcome } from './clm';
import { eachLimited } from './concurrency';
import { drCapacityLedger } from './dr-capacity';
import { whileWaiting } from './heartbeat';
import { loadDrAddressPlan, mappedPools, reserveMappedAddress } from './ip-mapping';
import { pollUntil, readAgainLater, readUntilAnswered } from './polling';

/** A NIC as the VM gets it at the DR site. */
export interface DrNic {
  ip: string;
  prefixLength: number;
  gateway: string;
}

export interface VmProbe {
  kind: 'http' | 'tcp';
  url?: string;
  port?: number;
}

export interface RecoveryTarget {
  vm: string;
  /**
   * `tag` / `time` as chosen in pre-flight; `latest-time` (InMage's Latest Time) after a final sync, when the
   * source VMs are already off (failback), with `at` the time they were quiesced.
   */
  point: { kind: 'tag'; tag: string; at: string } | { kind: 'time'; at: string } | { kind: 'latest-time'; at: string };
}

function volumesOf(report: TagReport): VolumeRetention[] {
  return report.volumes
    .filter((v) => v.retentionWindowStart && v.latestTime)
    .map((v) => ({
      volume: v.volume,
      retentionStart: v.retentionWindowStart as string,
      retentionEnd: v.latestTime as string,
      tags: v.tags
        .filter((t) => t.type === 'application' || t.type === 'filesystem')
        .map((t) => ({ name: t.name, type: t.type as 'application' | 'filesystem', at: t.time })),
    }));
}

export function toInmagePoint(point: RecoveryTarget['point']): InmagePoint {
  if (point.kind === 'latest-time') return { type: 'latestTime' };
  return point.kind === 'tag' ? { type: 'tag', tag: point.tag } : { type: 'specificTime', time: point.at };
}

/** DNS zone and record name from a fully qualified host name (`nw-db-1.northwind.example.com`). */
export function dnsNameOf(fqdn: string): { zone: string; name: string } | null {
  const dot = fqdn.indexOf('.');
  return dot > 0 ? { name: fqdn.slice(0, dot), zone: fqdn.slice(dot + 1) } : null;
}

/** A recovered VM to validate: where compute finds it, and the name and addresses DNS must answer. */
export interface VmToValidate { name: string; vmId: string; fqdn: string; drIps: string[] }
export interface VmValidation { vm: string; problems: string[] }

export function createRecoveryActivities(deps: ActivityDeps) {
  const { inmage, compute, bna, dns, firewall, ticketing } = deps.clients;
  const capacity = drCapacityLedger(deps);

  /**
   * The VM an earlier attempt already recovered, read from InMage before acting: InMage keeps no idempotency
   * store, and a repeated failback recovery answers NOT_IN_DIFFERENTIAL_SYNC once the pairs stand at
   * Recovered. Forward: the server's `recovered` record; failback: every failback pair Recovered and the VM
   * at the failback plan's target site (the primary).
   */
  const recoveredCopy = async (tenant: string, vm: string, direction: 'forward' | 'failback'): Promise<string | null> => {
    const server = await readUntilAnswered(`InMage's state of ${vm}`, () => inmage.getServer(tenant, vm));
    if (direction === 'forward') return server.recovered?.vmId ?? null;
    const back = server.failbackProtection;
    const planId = back?.planId;
    if (!planId || back.pairs.length === 0 || !back.pairs.every((p) => p.state === 'Recovered')) return null;
    const plan = await readUntilAnswered(`failback plan of ${vm}`, () => inmage.getProtectionPlan(tenant, planId));
    const copy = plan ? await readUntilAnswered(`${vm} at ${plan.targetSite}`, () => compute.findVm(tenant, vm, plan.targetSite)) : null;
    return copy?.vm ?? null;
  };

  return {
    /**
     * Pre-flight for a failover: the readiness check, a recovery point every volume of each VM holds, and
     * whether the DR site has room for the whole plan. Reports every VM without a point, before anything starts.
     */
    async preflightFailover(input: {
      tenant: string;
      /** The tenant, whose room at the DR site is checked against every other tenant's. */
      tenantId: string;
      /** Whether the tenant's IP mapping is checked (a VM it places no DR address for is refused); true unless false. A drill's VMs take none. */
      withIpMapping?: boolean;
      drSite: string;
      vms: { name: string; vcpu: number; memoryMb: number }[];
      recoveryPoint: RecoveryPointRequest;
      /** The operation holding the tenant: with it, the room a failover that passes pre-flight needs is reserved. */
      operationId?: string;
    }): Promise<{
      targets: RecoveryTarget[];
      problems: { vm: string; reason: string }[];
      readiness: { passed: boolean; failures: { vm: string; reason: string }[] };
      capacity: {
        neededVcpu: number; neededMemoryGb: number; freeVcpu: number | null; freeMemoryGb: number | null; fits: boolean; siteDown: boolean;
        /** The configured capacity (enforced), whether room is now held for this failover, and why it does not fit. */
        configured: { vcpu: number; memoryGb: number }; reserved: boolean; reason?: string;
        /** What DR compute reports free: shown, not enforced. */
        computeFree: { vcpu: number; memoryGb: number } | null;
      };
    }> {
      const names = input.vms.map((v) => v.name);
      const readiness = await whileWaiting('readiness check', () => inmage.runReadinessChecks(input.tenant, { purpose: 'recover', servers: names }));
      const failures = readiness.checks
        .filter((c) => c.result === 'Failed')
        .map((c) => ({ vm: c.server, reason: `${c.check} failed${c.correctiveAction ? `: ${c.correctiveAction}` : ''}` }));

      const chosen = await eachLimited(input.vms, 16, async (vm) => {
        const report = await inmage.listConsistencyTags(input.tenant, vm.name);
        return { vm: vm.name, choice: chooseRecoveryPoint(volumesOf(report), input.recoveryPoint) };
      });
      const targets: RecoveryTarget[] = [];
      const problems: { vm: string; reason: string }[] = [];
      for (const { vm, choice } of chosen) {
        if (choice.ok) targets.push({ vm, point: choice.point.kind === 'tag' ? { kind: 'tag', tag: choice.point.tag, at: choice.point.at } : choice.point });
        else problems.push({ vm, reason: choice.reason });
      }
      if (input.withIpMapping !== false) {
        const scheduled = new Set(names);
        problems.push(...(await loadDrAddressPlan(deps.dataSource, input.tenantId)).problems.filter((p) => scheduled.has(p.vm)));
      }

      const reported = await compute.getCapacity(input.drSite);
      const computeFree = reported.free ? { vcpu: reported.free.vcpu, memoryGb: reported.free.memoryGb } : null;
      const site = await capacity.siteByName(input.drSite);
      await capacity.recordComputeReport(site, reported);
      // Room is reserved only for a failover that passes the rest of pre-flight and finds the site up.
      const reserve = problems.length === 0 && failures.length === 0 && !reported.down;
      const decision = await capacity.decide({
        siteId: site.id, tenantId: input.tenantId, vms: input.vms, ...(reserve && input.operationId ? { operationId: input.operationId } : {}),
      });
      const free = decision.reserved ? { vcpu: decision.ledger.free.vcpu + decision.need.vcpu, memoryMb: decision.ledger.free.memoryMb + decision.need.memoryMb } : decision.ledger.free;
      return {
        targets,
        problems,
        readiness: { passed: failures.length === 0, failures },
        capacity: {
          neededVcpu: decision.need.vcpu,
          neededMemoryGb: Math.ceil(decision.need.memoryMb / 1024),
          freeVcpu: free.vcpu,
          freeMemoryGb: Math.floor(free.memoryMb / 1024),
          fits: decision.fits && !reported.down,
          siteDown: reported.down,
          configured: { vcpu: decision.ledger.configured.vcpu, memoryGb: Math.floor(decision.ledger.configured.memoryMb / 1024) },
          reserved: decision.reserved,
          ...(reported.down ? { reason: `DR site ${input.drSite} is down` } : decision.reason ? { reason: decision.reason } : {}),
          computeFree,
        },
      };
    },

    /**
     * The DR identity of each VM: a management VM's address from the DR site's set-aside pool, a workload VM's
     * mapped addresses (override, else subnet rule), each reserved in BNA by owner, so a repeat adopts what the
     * owner already holds and nothing else can take it.
     */
    async reserveDrIdentities(input: {
      tenant: string;
      tenantId: string;
      drSite: string;
      vms: { name: string; role: string; hostname: string }[];
      idempotencyPrefix: string;
    }): Promise<Record<string, { hostname: string; nics: DrNic[] }>> {
      const plan = await loadDrAddressPlan(deps.dataSource, input.tenantId);
      const names = new Set(input.vms.map((v) => v.name));
      const problems = plan.problems.filter((p) => names.has(p.vm));
      if (problems.length > 0) {
        throw ApplicationFailure.nonRetryable(`the IP mapping places no DR address for ${problems.map((p) => `${p.vm}: ${p.reason}`).join('; ')}`, 'IpMappingIncomplete', problems);
      }
      const pools = mappedPools(bna, input.tenant, input.drSite);
      const setAside = input.vms.some((v) => v.role === 'management')
        ? ((await bna.listIpPools({ site: input.drSite, purpose: 'management' })).find((p) => p.tenant === null) ?? null)
        : null;
      const out: Record<string, { hostname: string; nics: DrNic[] }> = {};
      // A new pool for a rule's DR subnet takes BNA seconds before the first reservation: beat meanwhile.
      await whileWaiting('DR address reservations in BNA', () => eachLimited(input.vms, 16, async (vm) => {
        const key = `${input.idempotencyPrefix}:${vm.name}`;
        if (vm.role === 'management') {
          if (!setAside) throw ApplicationFailure.nonRetryable(`no set-aside (management) IP pool at ${input.drSite} in BNA for ${vm.name}`, 'NoManagementPool');
          const r = await bna.reserveIp(setAside.id, { owner: vm.name, tenant: input.tenant, purpose: 'dr-management' }, key);
          out[vm.name] = { hostname: vm.hostname, nics: [{ ip: r.address, prefixLength: setAside.prefixLength, gateway: setAside.gateway }] };
          return;
        }
        const nics: DrNic[] = [];
        for (const a of plan.addresses.filter((x) => x.vm === vm.name)) {
          const r = await reserveMappedAddress(bna, pools, input.tenant, a, `${key}:${a.owner}`);
          nics.push({ ip: r.address, prefixLength: r.prefixLength, gateway: r.gateway });
        }
        out[vm.name] = { hostname: vm.hostname, nics };
      }));
      return out;
    },

    /**
     * Recovers one VM at the DR site (or, `direction: 'failback'`, at the primary over failback protection)
     * to its chosen point, powered off: re-IP comes first.
     */
    async recoverVm(input: { tenant: string; target: RecoveryTarget; idempotencyKey: string; direction?: 'failback' }): Promise<{ vmId: string; recoveredTo: string }> {
      const earlier = await recoveredCopy(input.tenant, input.target.vm, input.direction ?? 'forward');
      if (earlier) {
        const detail = await readUntilAnswered(`VM ${earlier}`, () => compute.getVm(earlier));
        return { vmId: earlier, recoveredTo: stringField(detail?.recoveryPoint, 'time') ?? input.target.point.at };
      }
      const spec = { recoveryPoint: toInmagePoint(input.target.point), powerOn: false, ...(input.direction ? { direction: input.direction } : {}) };
      const submitted = await inmage.recoverVm(input.tenant, input.target.vm, spec, input.idempotencyKey);
      if (submitted.alreadyRecovered) return { vmId: submitted.alreadyRecovered.vmId, recoveredTo: input.target.point.at };
      const jobId = submitted.job?.id;
      if (!jobId) throw ApplicationFailure.retryable(`inmage.recover gave no job for ${input.target.vm}`);
      const job = await pollUntil(
        async () => {
          const j = await readAgainLater(() => inmage.getJob(jobId));
          if (j === undefined || j.state === 'running') return undefined;
          if (j.state === 'failed') throw inmage.jobFailure(j);
          return j;
        },
        { what: `recovery of ${input.target.vm}` },
      );
      const vmId = String(job.result?.vmId ?? '');
      if (!vmId) throw ApplicationFailure.nonRetryable(`inmage recovery of ${input.target.vm} completed without a VM id`);
      return { vmId, recoveredTo: submitted.recoveryPoint?.time ?? input.target.point.at };
    },

    /** Re-IP, power on, then health: guest heartbeat GREEN, then each of the VM's own probes. */
    async startVm(input: {
      vm: string;
      vmId: string;
      hostname: string;
      nics: DrNic[];
      probes: VmProbe[];
      idempotencyPrefix: string;
    }): Promise<{ heartbeatAt: string; probes: number }> {
      // vCenter keeps no idempotency store: what an earlier attempt already did is read, not done again.
      const hostname = input.hostname.split('.')[0];
      const now = await readUntilAnswered(`VM ${input.vmId}`, () => compute.getVm(input.vmId));
      if (!now || !hasNetwork(now, input.nics, hostname)) {
        await whileWaiting(`re-IP of ${input.vm}`, () => compute.reconfigureNetwork(input.vmId, { nics: input.nics, hostname }, `${input.idempotencyPrefix}:reIp`));
      }
      if (now?.powerState !== 'POWERED_ON') {
        await whileWaiting(`power-on of ${input.vm}`, () => compute.powerOn(input.vmId, `${input.idempotencyPrefix}:powerOn`));
      }
      await pollUntil(
        async () => {
          const beat = await readAgainLater(() => compute.getHeartbeat(input.vmId));
          if (beat === 'GREEN') return true;
          if (beat === 'RED') throw ApplicationFailure.retryable(`${input.vm}: guest heartbeat is RED`);
          return undefined;
        },
        { what: `guest heartbeat of ${input.vm}` },
      );
      for (const probe of input.probes) await runProbe(input.vm, probe);
      return { heartbeatAt: new Date().toISOString(), probes: input.probes.length };
    },

    /** DNS A record to the DR address, and the firewall rules that named the primary address re-addressed. */
    async publishVm(input: { tenant: string; vm: string; fqdn: string; primaryIps: string[]; drIps: string[]; idempotencyPrefix: string }): Promise<{ dns: boolean; firewallRulesUpdated: number }> {
      const name = dnsNameOf(input.fqdn);
      if (name) {
        await dns.upsertDnsRecord(name.zone, name.name, 'A', { values: input.drIps, ttl: 60, tenant: input.tenant }, `${input.idempotencyPrefix}:dns`);
      }
      const map: Record<string, string> = {};
      input.primaryIps.forEach((ip, i) => {
        if (input.drIps[i]) map[ip] = input.drIps[i];
      });
      const { updated } = await whileWaiting(`firewall re-address for ${input.vm}`, () => firewall.readdressRules(input.tenant, map, `${input.idempotencyPrefix}:firewall`));
      return { dns: name !== null, firewallRulesUpdated: updated };
    },

    /** Planned failover: a final consistency tag on every VM, then the primary VMs shut down gracefully. */
    async quiescePrimary(input: { tenant: string; primarySite: string; vms: string[]; tag: string; idempotencyPrefix: string }): Promise<{ tagged: number; poweredOff: number }> {
      let poweredOff = 0;
      await eachLimited(input.vms, 16, async (vm) => {
        await inmage.issueConsistencyTag(input.tenant, vm, input.tag, `${input.idempotencyPrefix}:tag:${vm}`);
        const found = await compute.findVm(input.tenant, vm, input.primarySite);
        if (found && found.powerState === 'POWERED_ON') {
          await whileWaiting(`power-off of ${vm}`, () => compute.powerOff(found.vm, `${input.idempotencyPrefix}:powerOff:${vm}`));
          poweredOff += 1;
        }
      });
      return { tagged: input.vms.length, poweredOff };
    },

    /**
     * Planned migration and failback: waits, polling InMage and heartbeating, until the final consistency tag
     * has replicated, i.e. every volume of every VM holds it in its retention window (over the forward pairs,
     * or the failback pairs). Each VM's recovery point is then that tag, at the time InMage gives it.
     */
    async awaitFinalTag(input: { tenant: string; vms: string[]; tag: string; direction: 'forward' | 'failback' }): Promise<{ vm: string; tag: string; at: string }[]> {
      const replicated = new Map<string, string>();
      return pollUntil(async () => {
        await eachLimited(input.vms.filter((vm) => !replicated.has(vm)), 16, async (vm) => {
          try {
            const report = await inmage.listConsistencyTags(input.tenant, vm, { direction: input.direction, type: 'user' });
            const held = report.volumes.map((v) => v.tags.find((t) => t.name === input.tag));
            if (held.length > 0 && held.every((t) => t !== undefined)) replicated.set(vm, held[0]!.time);
          } catch (err) {
            // A read InMage did not answer this round is asked again next round; only a final refusal ends the wait.
            if (err instanceof ApplicationFailure && err.nonRetryable) throw err;
          }
        });
        return replicated.size === input.vms.length ? input.vms.map((vm) => ({ vm, tag: input.tag, at: replicated.get(vm) as string })) : undefined;
      }, { what: `final tag ${input.tag} to replicate (${input.vms.length} VMs)`, minMs: 100 });
    },

    /**
     * After the waves: each recovered VM powered on, its guest answering, and DNS pointing at its address. A
     * batch: a VM whose check could not be read (compute or DNS fault) comes back in `retry`, alone; a VM that
     * answered unhealthy is done, with its problems reported.
     */
    async validateRecoveredVms(input: { tenant: string; drSite: string; vms: VmToValidate[] }): Promise<BatchOutcome<VmToValidate, VmValidation>> {
      return eachItem(input.vms, 16, async (vm) => {
        const power = await compute.getPowerState(vm.vmId);
        if (power !== 'POWERED_ON') return { vm: vm.name, problems: [`power state ${power}`] };
        const problems: string[] = [];
        const beat = await compute.getHeartbeat(vm.vmId);
        if (beat !== 'GREEN') problems.push(`guest heartbeat ${beat}`);
        const name = dnsNameOf(vm.fqdn);
        if (name) {
          const record = await dns.getDnsRecord(name.zone, name.name, 'A');
          const values = record?.values ?? [];
          if (!vm.drIps.every((ip) => values.includes(ip))) problems.push(`DNS ${vm.fqdn} answers ${values.join(', ') || 'nothing'}`);
        }
        return { vm: vm.name, problems };
      });
    },

    /**
     * Free DR capacity of a site: its configured capacity less what every tenant runs or has reserved there
     * (`domain/dr-capacity.ts`). Compute's report is recorded beside it, and says whether the site is down.
     */
    async drSiteCapacity(input: { site: string }): Promise<{ freeVcpu: number | null; freeMemoryGb: number | null; down: boolean }> {
      const reported = await compute.getCapacity(input.site);
      const site = await capacity.siteByName(input.site);
      await capacity.recordComputeReport(site, reported);
      const { free } = await capacity.ledger(site);
      return { freeVcpu: free.vcpu, freeMemoryGb: Math.floor(free.memoryMb / 1024), down: reported.down };
    },

    /**
     * Tells the tenant and the provider's desk, through the ticketing system. With `correlationId` (the
     * operation's id) the operation's ticket is opened once: one it already opened is adopted, not doubled.
     */
    async notifyTenant(input: { tenant: string; summary: string; severity?: number; correlationId?: string; idempotencyKey: string }): Promise<{ ticket: string }> {
      if (input.correlationId) {
        const [opened] = await ticketing.listTickets({ tenant: input.tenant, correlationId: input.correlationId });
        if (opened) return { ticket: opened.id };
      }
      const spec = { tenant: input.tenant, summary: input.summary, severity: input.severity ?? 3, ...(input.correlationId ? { correlationId: input.correlationId } : {}) };
      const created = await ticketing.createTicket(spec, input.idempotencyKey);
      return { ticket: String(created.record.id) };
    },

    /**
     * The operation's end, told on every ticket it opened: each still open is updated with the outcome
     * (severity, resolution) and closed. Nothing opened, or all closed already, is nothing to do.
     */
    async closeNotifications(input: { tenant: string; correlationId: string; resolution: string; severity: number; idempotencyKey: string }): Promise<{ closed: string[] }> {
      const open = (await ticketing.listTickets({ tenant: input.tenant, correlationId: input.correlationId })).filter((t) => t.status !== 'closed');
      for (const t of open) {
        await ticketing.updateTicket(t.id, { status: 'closed', severity: input.severity, resolution: input.resolution }, `${input.idempotencyKey}:${t.id}`);
      }
      return { closed: open.map((t) => t.id) };
    },
  };
}

/** The VM already has these addresses and this host name (an earlier attempt's re-IP took effect). */
function hasNetwork(vm: VmDetail, nics: DrNic[], hostname: string): boolean {
  return (
    vm.hostname === hostname &&
    vm.nics.length >= nics.length &&
    nics.every((n, i) => vm.nics[i].ip === n.ip && vm.nics[i].prefixLength === n.prefixLength && vm.nics[i].gateway === n.gateway)
  );
}

function stringField(o: Record<string, unknown> | null | undefined, key: string): string | null {
  const v = o?.[key];
  return typeof v === 'string' ? v : null;
}

async function runProbe(vm: string, probe: VmProbe): Promise<void> {
  if (probe.kind === 'http' && probe.url) {
    let status: number;
    try {
      const res = await fetch(probe.url, { signal: AbortSignal.timeout(5_000) });
      status = res.status;
      await res.body?.cancel();
    } catch (err) {
      throw ApplicationFailure.retryable(`${vm}: probe ${probe.url} did not answer (${err instanceof Error ? err.message : String(err)})`);
    }
    if (status >= 400) throw ApplicationFailure.retryable(`${vm}: probe ${probe.url} answered ${status}`);
    return;
  }
  if (probe.kind === 'tcp' && probe.port) {
    const host = probe.url ?? vm;
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect({ host, port: probe.port as number, timeout: 5_000 }, () => {
        socket.end();
        resolve();
      });
      socket.once('error', (err) => reject(ApplicationFailure.retryable(`${vm}: tcp probe ${host}:${probe.port} failed (${err.message})`)));
      socket.once('timeout', () => {
        socket.destroy();
        reject(ApplicationFailure.retryable(`${vm}: tcp probe ${host}:${probe.port} timed out`));
      });
    });
  }
}
