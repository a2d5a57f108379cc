import { ApplicationFailure } from '@temporalio/common';
import { cidrContains, parseCidr, parseIpv4, planDrAddresses, type MappedAddress } from '../domain/ip-mapping';
import type { BnaClient, IpPool } from '../infra/clients/bna';
import { ProtectedVmEntity } from '../infra/persistence/entities';
import { createTypeOrmRepositories } from '../infra/persistence/repositories';
import type { ActivityDeps } from './deps';

/** The purpose a mapped DR address is reserved under: held while the tenant is protected, not released by a failback. */
export const MAPPED_PURPOSE = 'dr-mapped';

export type DrAddressPlan = ReturnType<typeof planDrAddresses>;

/** The tenant's DR address plan from the inventory: its VMs under its subnet rules and per-VM overrides. */
export async function loadDrAddressPlan(dataSource: ActivityDeps['dataSource'], tenantId: string): Promise<DrAddressPlan> {
  const [vms, mapping] = await Promise.all([
    dataSource.manager.find(ProtectedVmEntity, { where: { tenantId }, order: { name: 'ASC' } }),
    createTypeOrmRepositories(dataSource.manager).ipMappings.findByTenant(tenantId),
  ]);
  return planDrAddresses(
    vms.map((v) => ({ name: v.name, role: v.role, primaryIps: v.primaryIps })),
    mapping.subnets.map((s) => ({ primaryCidr: s.primaryCidr, drCidr: s.drCidr })),
    mapping.overrides.map((o) => ({ vm: o.vmName, primaryIp: o.primaryIp, drIp: o.drIp })),
  );
}

export interface MappedReservation {
  owner: string;
  address: string;
  poolId: string;
  prefixLength: number;
  gateway: string;
}

/** BNA pool names allow letters, digits and dashes: `northwind-dr-172-20-0-0-16`. */
const poolNameOf = (tenant: string, network: string) => `${tenant}-dr-${network.replace(/[./]/g, '-')}`;

/**
 * The tenant's pools at the DR site, and the pool of a mapped address among them: the one whose network holds
 * it, or a new one for the rule's DR subnet (found by its name when it already exists).
 */
export function mappedPools(bna: BnaClient, tenant: string, site: string) {
  let pools: Promise<IpPool[]> | null = null;
  const created = new Map<string, Promise<IpPool>>();
  const holds = (p: IpPool, address: string) => {
    const cidr = parseCidr(p.cidr);
    const n = parseIpv4(address);
    return cidr !== null && n !== null && cidrContains(cidr, n);
  };
  return {
    async poolFor(a: MappedAddress, key: string): Promise<IpPool> {
      pools ??= bna.listIpPools({ tenant, site });
      const found = (await pools).filter((p) => p.tenant === tenant && holds(p, a.address)).sort((x, y) => y.prefixLength - x.prefixLength)[0];
      if (found) return found;
      const network = a.network;
      if (!network) {
        throw ApplicationFailure.nonRetryable(
          `${a.address}, the DR address of ${a.vm}, is in no subnet rule's DR network and no BNA pool of ${tenant} at ${site}`, 'NoPoolForMappedAddress',
        );
      }
      if (!created.has(network)) {
        created.set(network, bna.createIpPool({ name: poolNameOf(tenant, network), cidr: network, tenant, site, purpose: 'dr-data' }, `${key}:pool:${network}`).then((r) => r.pool));
      }
      return created.get(network) as Promise<IpPool>;
    },
  };
}

/**
 * Reserves one mapped address for its owner. The owner already holding it keeps it (a repeat adopts it, found
 * by owner and tenant, not by key); an owner holding another address of the pool (the mapping changed) gives
 * that back first; an address someone else holds refuses the VM.
 */
export async function reserveMappedAddress(
  bna: BnaClient, pools: ReturnType<typeof mappedPools>, tenant: string, a: MappedAddress, key: string,
): Promise<MappedReservation> {
  const pool = await pools.poolFor(a, key);
  const out = { owner: a.owner, address: a.address, poolId: pool.id, prefixLength: pool.prefixLength, gateway: pool.gateway };
  const held = await bna.findReservation(pool.id, a.owner, tenant);
  if (held?.address === a.address) return out;
  if (held) await bna.releaseIp(pool.id, held.address, `${key}:moved:${held.address}`);
  try {
    const r = await bna.reserveIp(pool.id, { owner: a.owner, tenant, purpose: MAPPED_PURPOSE, address: a.address }, key);
    if (r.address !== a.address) throw ApplicationFailure.retryable(`${a.owner} holds ${r.address} in ${pool.id}, not its mapped ${a.address}`);
  } catch (err) {
    if (err instanceof Error && err.message.includes('ADDRESS_IN_USE')) {
      throw ApplicationFailure.nonRetryable(`${a.address}, the mapped DR address of ${a.vm}, is reserved by another owner in BNA: ${err.message}`, 'MappedAddressTaken');
    }
    throw err;
  }
  return out;
}

/**
 * Releases the tenant's mapped addresses at the site (of `owners`, or all of them); releasing all of them also
 * deletes the pools made for the rules' DR subnets once empty, so an undone onboarding leaves no pool behind.
 */
export async function releaseMappedAddresses(bna: BnaClient, tenant: string, site: string | undefined, owners: string[] | null, keyPrefix: string): Promise<number> {
  let released = 0;
  for (const pool of (await bna.listIpPools({ tenant, site })).filter((p) => p.tenant === tenant)) {
    const held = (await bna.listReservations(pool.id, { tenant, purpose: MAPPED_PURPOSE })).filter((r) => owners === null || owners.includes(r.owner));
    for (const r of held) if (await bna.releaseIp(pool.id, r.address, `${keyPrefix}:${r.owner}`)) released += 1;
    if (owners === null && pool.name.startsWith(`${tenant}-dr-`) && (await bna.listReservations(pool.id)).length === 0) {
      await bna.deleteIpPool(pool.id, `${keyPrefix}:pool:${pool.id}`);
    }
  }
  return released;
}
