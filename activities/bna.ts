import { ApplicationFailure } from '@temporalio/common';
import { eachItem, waitUntil, type BatchOutcome } from './clm';
import type { MappedAddress } from '../domain/ip-mapping';
import type { ActivityDeps } from './deps';
import { whileWaiting } from './heartbeat';
import { loadDrAddressPlan, mappedPools, releaseMappedAddresses, reserveMappedAddress, type MappedReservation } from './ip-mapping';

export interface IpReservationResult {
  owner: string;
  address: string;
  poolId: string;
  prefixLength: number;
  gateway: string;
}

/** BMC BNA: the DR site's IP pools (management set-aside, tenant DR data) and DR VLANs. */
export function createBnaActivities(deps: ActivityDeps) {
  const bna = deps.clients.bna;

  const finishJob = async (jobId: number, what: string) => {
    const job = await waitUntil(what, async () => {
      const j = await bna.getJob(jobId);
      return j.state === 'running' ? undefined : j;
    });
    if (job.state === 'failed') throw bna.jobFailure(job);
    return job;
  };

  return {
    /** The pool for a purpose at a site (the management set-aside pool, or a tenant's DR data pool). */
    async findIpPool(input: { site: string; purpose: 'management' | 'dr-data'; tenant?: string }): Promise<{ poolId: string; cidr: string; available: number } | null> {
      const pools = await bna.listIpPools({ site: input.site, purpose: input.purpose, tenant: input.tenant });
      const pool = pools.find((p) => (input.tenant ? p.tenant === input.tenant : p.tenant === null)) ?? pools[0];
      return pool ? { poolId: pool.id, cidr: pool.cidr, available: pool.available } : null;
    },

    /**
     * Reserves one address per owner (a VM, a VIP). The owner already holding an address gets it back, so a
     * retried batch reserves nothing twice; an exhausted pool fails the batch non-retryably.
     */
    async reserveDrIps(input: { poolId: string; tenant: string; owners: string[]; purpose: string; keyPrefix: string }): Promise<BatchOutcome<string, IpReservationResult>> {
      // A reservation takes ~2 s: a batch of hundreds outlasts a heartbeat timeout.
      return whileWaiting('IP reservations', () =>
        eachItem(input.owners, 8, async (owner) => {
          const r = await bna.reserveIp(input.poolId, { owner, tenant: input.tenant, purpose: input.purpose }, `${input.keyPrefix}:${owner}`);
          return { owner, address: r.address, poolId: input.poolId, prefixLength: r.prefixLength, gateway: r.gateway };
        }),
      );
    },

    /** Releases each owner's address, found by owner (so a half-done reservation batch is undone too). */
    async releaseDrIps(input: { poolId: string; tenant: string; owners: string[]; keyPrefix: string }): Promise<{ released: number }> {
      const out = await whileWaiting('IP releases', () =>
        eachItem(input.owners, 8, async (owner) => {
          const held = await bna.findReservation(input.poolId, owner, input.tenant);
          if (!held) return false;
          return bna.releaseIp(input.poolId, held.address, `${input.keyPrefix}:${owner}`);
        }),
      );
      // Released addresses are not found again, so a retry only works on what is left.
      if (out.retry.length > 0) throw ApplicationFailure.retryable(`${out.retry.length} addresses not released yet: ${out.lastError}`, 'BatchIncomplete');
      return { released: out.done.filter(Boolean).length };
    },

    /**
     * Pre-flight of the IP mapping: each workload VM's mapped DR addresses, and the VMs it cannot place (no
     * override and no rule covering an address, or two VMs on one address).
     */
    async planDrAddresses(input: { tenantId: string }): Promise<{ addresses: MappedAddress[]; problems: { vm: string; reason: string }[] }> {
      return loadDrAddressPlan(deps.dataSource, input.tenantId);
    },

    /** Reserves each mapped address in BNA for its owner at the DR site (kept while the tenant is protected). */
    async reserveMappedIps(input: { tenant: string; site: string; addresses: MappedAddress[]; keyPrefix: string }): Promise<BatchOutcome<MappedAddress, MappedReservation>> {
      const pools = mappedPools(bna, input.tenant, input.site);
      return eachItem(input.addresses, 8, (a) => reserveMappedAddress(bna, pools, input.tenant, a, `${input.keyPrefix}:${a.owner}`));
    },

    /** Releases the tenant's mapped addresses (of `owners`, or all), found by owner: an onboarding undone, VMs no longer protected. */
    async releaseMappedIps(input: { tenant: string; site?: string; owners?: string[]; keyPrefix: string }): Promise<{ released: number }> {
      return { released: await releaseMappedAddresses(bna, input.tenant, input.site, input.owners ?? null, input.keyPrefix) };
    },

    /** A new DR VLAN for the tenant (a BNA job); one of that name already there counts. */
    async addDrVlan(input: { name: string; tenant: string; site: string; idempotencyKey: string }): Promise<{ bnaId: string; vlanId: number; name: string }> {
      const req = await bna.addVlan({ name: input.name, tenant: input.tenant, site: input.site, owner: input.tenant }, input.idempotencyKey);
      if (req.job) await finishJob(req.job.jobId, `VLAN ${input.name}`);
      const vlan = await bna.getVlan(req.vlan.id);
      if (!vlan) throw ApplicationFailure.nonRetryable(`VLAN ${input.name} vanished after its job`, 'VlanMissing');
      return { bnaId: vlan.id, vlanId: vlan.vlanId, name: vlan.name };
    },

    /** By BNA id, or by tenant and name when the VLAN's request never answered; already gone is fine. */
    async removeDrVlan(input: { bnaId?: string; tenant?: string; name?: string; idempotencyKey: string }): Promise<{ removed: boolean }> {
      const id = input.bnaId ?? (input.tenant && input.name ? (await bna.listVlans({ tenant: input.tenant, name: input.name }))[0]?.id : undefined);
      if (!id) return { removed: false };
      const job = await bna.removeVlan(id, input.idempotencyKey);
      if (job) await finishJob(job.jobId, 'VLAN removal');
      // No job: gone already, or an earlier attempt's removal is still under way (BNA starts no second one).
      else await waitUntil(`VLAN ${id} gone`, async () => ((await bna.getVlan(id)) ? undefined : true));
      return { removed: job !== null };
    },
  };
}
