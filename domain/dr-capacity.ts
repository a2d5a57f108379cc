/**
 * A shared DR site's capacity, as Lifeline enforces it.
 *
 * The source of truth is the capacity configured on the site in the inventory (`PATCH /v1/sites/{id}`): what
 * the provider has allocated to DR for its tenants, by contract, which may be less than the hardware holds
 * (the same clusters run other work) and is what it sells against. What DR compute reports is shown beside it
 * (`GET /v1/sites/{id}`), never enforced: Lifeline cannot tell which part of the hardware is DR's.
 *
 * The occupancy is derived, never counted, so it cannot drift: a tenant's VMs recorded at the DR site
 * (`failed-over`) plus the VMs a running failover has reserved, each VM once. A reservation counts only
 * while its operation still holds the tenant, so one whose operation ended (or died and was reconciled)
 * frees its room even before its row is removed.
 */

export interface Resources {
  vcpu: number;
  memoryMb: number;
}

export interface VmDemand extends Resources {
  name: string;
}

/** What one tenant at the site takes: the VMs it runs there and those its running failover reserved. */
export interface TenantOccupancy {
  tenantId: string;
  tenant: string;
  /** The failover that holds a reservation, if one runs. */
  operationId: string | null;
  runningVms: VmDemand[];
  reservedVms: VmDemand[];
}

export interface SiteLedger {
  configured: Resources;
  used: Resources;
  free: Resources;
  holders: { tenantId: string; tenant: string; operationId: string | null; vms: number; vcpu: number; memoryMb: number }[];
}

const sum = (vms: readonly Resources[]): Resources => ({
  vcpu: vms.reduce((s, v) => s + v.vcpu, 0),
  memoryMb: vms.reduce((s, v) => s + v.memoryMb, 0),
});

/** The site's occupancy by tenant and what is left of the configured capacity (negative when over). */
export function siteLedger(configured: Resources, tenants: readonly TenantOccupancy[]): SiteLedger {
  const holders = tenants
    .map((t) => {
      const byName = new Map<string, VmDemand>();
      for (const vm of [...t.runningVms, ...t.reservedVms]) byName.set(vm.name, vm);
      const vms = [...byName.values()];
      return { tenantId: t.tenantId, tenant: t.tenant, operationId: t.operationId, vms: vms.length, ...sum(vms) };
    })
    .filter((h) => h.vms > 0);
  const used = sum(holders);
  return { configured, used, free: { vcpu: configured.vcpu - used.vcpu, memoryMb: configured.memoryMb - used.memoryMb }, holders };
}

/** What a failover adds: its VMs not already running at the site. */
export function additionalDemand(vms: readonly VmDemand[], runningAtSite: readonly VmDemand[]): Resources {
  const running = new Set(runningAtSite.map((v) => v.name));
  return sum(vms.filter((v) => !running.has(v.name)));
}

export const fits = (need: Resources, free: Resources): boolean => need.vcpu <= free.vcpu && need.memoryMb <= free.memoryMb;

const gb = (mb: number) => Math.ceil(mb / 1024);

/** Why a failover does not fit, with the numbers the provider's desk acts on. */
export function shortfallText(site: string, need: Resources, ledger: SiteLedger): string {
  const others = ledger.holders.map((h) => `${h.tenant} ${h.vcpu} vCPU / ${gb(h.memoryMb)} GB${h.operationId ? ` (reserved by ${h.operationId})` : ''}`);
  return `DR site ${site} lacks capacity: needs ${need.vcpu} vCPU / ${gb(need.memoryMb)} GB; configured ${ledger.configured.vcpu} vCPU / ${gb(ledger.configured.memoryMb)} GB, `
    + `in use ${ledger.used.vcpu} vCPU / ${gb(ledger.used.memoryMb)} GB${others.length ? ` (${others.join(', ')})` : ''}, `
    + `free ${Math.max(0, ledger.free.vcpu)} vCPU / ${Math.max(0, Math.floor(ledger.free.memoryMb / 1024))} GB`;
}
