import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { IpVmOverrideEntity, ManagementServiceEntity, ProtectedVmEntity, SiteEntity, TenantEntity } from '../../infra/persistence/entities';
import type { TenantState } from '../../domain/lifecycle';
import type { VmIdentityChange } from '../../workflows/contracts';

/** What the fix-up tests need of a seeded simulator tenant. */
export interface SimTenantVm {
  name: string;
  role: 'management' | 'workload';
  hostname: string;
  fqdn: string;
  ip: string;
}

/** The DR address a test gives a VM: the same host in the 10.(x+100) network. */
export function drIp(ip: string): string {
  const [a, b, c, d] = ip.split('.');
  return `${a}.${Number(b) + 100}.${c}.${d}`;
}

/** The identities a failover of these VMs produces (same host names, DR addresses). */
export function failoverIdentities(vms: SimTenantVm[]): VmIdentityChange[] {
  return vms.map((vm) => ({ vm: vm.name, role: vm.role, from: { hostname: vm.fqdn, ips: [vm.ip] }, to: { hostname: vm.fqdn, ips: [drIp(vm.ip)] } }));
}

export function reversed(identities: VmIdentityChange[]): VmIdentityChange[] {
  return identities.map((c) => ({ ...c, from: c.to, to: c.from }));
}

/**
 * The simulator tenant entered into the inventory: its sites (named as the simulator names them), the tenant,
 * and management-service rows: the DR patch and directory servers configured (the simulator lists only its
 * DR monitoring and backup servers), the rest at their default priorities.
 */
export async function seedFixupTenant(
  ds: DataSource,
  opts: { name: string; primarySite: string; drSite: string; state: TenantState; services?: Partial<ManagementServiceEntity>[]; vms?: SimTenantVm[] },
): Promise<{ tenantId: string }> {
  const now = new Date();
  const site = async (name: string, kind: 'primary' | 'dr') => {
    const existing = await ds.getRepository(SiteEntity).findOneBy({ name });
    if (existing) return existing.id;
    const id = randomUUID();
    await ds.getRepository(SiteEntity).insert({ id, name, kind, location: null, capacityVcpu: 1000, capacityMemoryMb: 1_000_000, capacityStorageGb: 100_000, capacityMasterTargetSlots: 10, createdAt: now, updatedAt: now });
    return id;
  };
  const tenantId = randomUUID();
  await ds.getRepository(TenantEntity).insert({
    id: tenantId, name: opts.name, tier: 'gold', rpoMinutes: 15, rtoMinutes: 240, primarySiteId: await site(opts.primarySite, 'primary'), drSiteId: await site(opts.drSite, 'dr'),
    state: opts.state, createdAt: now, updatedAt: now,
  });
  const rows: Partial<ManagementServiceEntity>[] = opts.services ?? [
    { kind: 'dns', restorePriority: 10 },
    { kind: 'ldap', restorePriority: 10, drEndpoint: `ldaps://${opts.drSite}-ad-1:636` },
    { kind: 'firewall', restorePriority: 10 },
    { kind: 'backup', restorePriority: 20 },
    { kind: 'monitoring', restorePriority: 30 },
    { kind: 'event-policy', restorePriority: 30 },
    { kind: 'patching', restorePriority: 40, drEndpoint: `https://${opts.drSite}-tem-1:52311` },
    { kind: 'cmdb', restorePriority: 50 },
    { kind: 'asset', restorePriority: 50 },
    { kind: 'ticketing', restorePriority: 60 },
    { kind: 'discovery', restorePriority: 70 },
  ];
  for (const row of rows) {
    await ds.getRepository(ManagementServiceEntity).insert({
      id: randomUUID(), tenantId, ownerKey: tenantId, scope: 'tenant', name: `${opts.name}-${row.kind}`, primaryEndpoint: `https://${opts.name}-${row.kind}.example`,
      drEndpoint: null, metadata: null, createdAt: now, updatedAt: now, ...row,
    } as ManagementServiceEntity as QueryDeepPartialEntity<ManagementServiceEntity>);
  }
  // The VMs as the inventory knows them, each workload VM mapped to its DR address by a per-VM override and
  // every VM's DR identity recorded as a failover records it: what the estate oracle derives its expectation from.
  for (const vm of opts.vms ?? []) {
    const vmId = randomUUID();
    await ds.getRepository(ProtectedVmEntity).insert({
      id: vmId, tenantId, name: vm.name, role: vm.role, os: 'linux', vcpu: 2, memoryMb: 4096, disks: [{ name: 'disk0', sizeGb: 40 }],
      primaryHostname: vm.fqdn, primaryIps: [vm.ip], drHostname: vm.fqdn, drIps: [drIp(vm.ip)], replicationState: opts.state === 'failed-over' ? 'failed-over' : 'differential-sync', rpoLagSeconds: null,
      recoveryPriority: 100, masterTarget: null, critical: false, probes: null, createdAt: now, updatedAt: now,
    } as QueryDeepPartialEntity<ProtectedVmEntity>);
    if (vm.role === 'workload') {
      await ds.getRepository(IpVmOverrideEntity).insert({ id: randomUUID(), tenantId, vmId, primaryIp: vm.ip, drIp: drIp(vm.ip), createdAt: now });
    }
  }
  return { tenantId };
}
