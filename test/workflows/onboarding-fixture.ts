import { randomUUID } from 'node:crypto';
import { expect } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { createEstateClients, estateConfigFromSimulator, type EstateClients } from '../../infra/clients';
import { demoIpMapping } from '../../infra/demo/demo-estate';
import { DrSitePolicyEntity, IpSubnetMappingEntity, ProtectedVmEntity, SiteEntity, TenantEntity } from '../../infra/persistence/entities';
import { SimControl, type CallTimeouts, type OpEntry } from '../clients/estate-fixture';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../infra/sim/server';

/**
 * The simulated estate for onboarding tests: a simulator at a high time compression (a 30-minute resync
 * lasts about a second), clients with short transport timeouts (so injected timeouts cost little), and the
 * same tenants entered into the inventory as provider staff would.
 */
export interface OnboardingEstate {
  sim: RunningSimulator;
  control: SimControl;
  clients: EstateClients;
  close(): Promise<void>;
}

export const TIME_SCALE = 0.0005;

export async function startOnboardingEstate(
  timeScale = TIME_SCALE, opts: Pick<SimulatorOptions, 'idempotency'> = {}, timeouts: CallTimeouts = { timeoutMs: 2_000, sideEffectTimeoutMs: 2_000, slowTimeoutMs: 2_000 },
): Promise<OnboardingEstate> {
  const sim = await startSimulator({ port: 0, timeScale, ...opts });
  // Compressed clock: every call answers in milliseconds, whatever its class.
  const clients = createEstateClients(estateConfigFromSimulator(sim.url, timeouts));
  return {
    sim,
    control: new SimControl(sim.url),
    clients,
    async close() {
      await clients.close();
      await sim.close();
    },
  };
}

export interface SimVm {
  name: string;
  role: 'management' | 'workload';
  os: string;
  vcpu: number;
  memoryGb: number;
  disks: { name: string; sizeGb: number }[];
  hostname: string;
  ip: string;
}

export interface SimTenant {
  id: string;
  tier: string;
  primarySite: string;
  drSite: string;
  vms: SimVm[];
}

/** Seeds unprotected tenants in the simulator. */
export async function seedSimTenants(control: SimControl, tenants: { id: string; vms: number; managementVms: number; tier?: string }[], extra: Record<string, unknown> = {}): Promise<SimTenant[]> {
  const res = await control.request<{ tenants: SimTenant[] }>('POST', '/_sim/scenario', { tenants, protected: false, approvalRequired: true, ...extra });
  if (res.status !== 201) throw new Error(`scenario: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.tenants;
}

/** The sim tenants entered into the inventory directly (sites by the sim's names, tenant by its id, the demo's IP mapping). */
export async function seedInventory(ds: DataSource, tenants: SimTenant[], policy?: Partial<DrSitePolicyEntity>): Promise<Map<string, string>> {
  const now = new Date();
  const ids = new Map<string, string>();
  const sites = ds.getRepository(SiteEntity);
  const site = async (name: string, kind: 'primary' | 'dr') => {
    const existing = await sites.findOneBy({ name });
    if (existing) return existing.id;
    const id = randomUUID();
    await sites.insert({ id, name, kind, location: null, capacityVcpu: 1000, capacityMemoryMb: 4_000_000, capacityStorageGb: 100_000, capacityMasterTargetSlots: 50, createdAt: now, updatedAt: now });
    return id;
  };
  for (const t of tenants) {
    const drSiteId = await site(t.drSite, 'dr');
    if (policy) {
      await ds.getRepository(DrSitePolicyEntity).save({ siteId: drSiteId, autoApproveContainers: false, approvalReminderSeconds: 3600, approvalEscalationSeconds: 7200, updatedAt: now, ...policy });
    }
    const tenantId = randomUUID();
    await ds.getRepository(TenantEntity).insert({
      id: tenantId, name: t.id, tier: t.tier.toLowerCase() as TenantEntity['tier'], rpoMinutes: 15, rtoMinutes: 240,
      primarySiteId: await site(t.primarySite, 'primary'), drSiteId, state: 'registered', createdAt: now, updatedAt: now,
    });
    await ds.getRepository(ProtectedVmEntity).insert(
      t.vms.map((vm, i) => ({
        id: randomUUID(), tenantId, name: vm.name, role: vm.role, os: vm.os, vcpu: vm.vcpu, memoryMb: vm.memoryGb * 1024, disks: vm.disks,
        primaryHostname: vm.hostname, primaryIps: [vm.ip], drHostname: null, drIps: null, replicationState: 'unprotected' as const, rpoLagSeconds: null,
        recoveryPriority: i, masterTarget: null, critical: false, probes: null, createdAt: now, updatedAt: now,
      })),
    );
    // The tenant's IP mapping places each workload VM at the DR site (management VMs take set-aside addresses).
    const rules = demoIpMapping(t.vms.map((vm) => ({ role: vm.role, nics: [{ ip: vm.ip }] }))).subnets;
    if (rules.length > 0) await ds.getRepository(IpSubnetMappingEntity).insert(rules.map((r) => ({ id: randomUUID(), tenantId, ...r, createdAt: now })));
    ids.set(t.id, tenantId);
  }
  return ids;
}

/** Side effects done more than once: idempotency keys with more than one `ok` entry in the ops log. */
export function duplicates(ops: OpEntry[]): string[] {
  const ok = new Map<string, number>();
  for (const e of ops) if (e.outcome === 'ok' && e.idempotencyKey) ok.set(e.idempotencyKey, (ok.get(e.idempotencyKey) ?? 0) + 1);
  return [...ok].filter(([, n]) => n > 1).map(([k, n]) => `${k} ×${n}`);
}

/** The first `ok` entry's position of each qualified op (`system.op`), in log order. */
export function firstOkSeq(ops: OpEntry[], tenant: string): Map<string, number> {
  const first = new Map<string, number>();
  for (const e of ops) {
    if (e.outcome !== 'ok' || e.tenant !== tenant) continue;
    const k = `${e.system}.${e.op}`;
    if (!first.has(k)) first.set(k, e.seq);
  }
  return first;
}

/** The first and last `ok` positions of each op, to check that one phase ends before the next begins. */
export function spans(ops: OpEntry[], tenant: string): Map<string, { first: number; last: number; count: number }> {
  const out = new Map<string, { first: number; last: number; count: number }>();
  for (const e of ops) {
    if (e.outcome !== 'ok' || e.tenant !== tenant) continue;
    const k = `${e.system}.${e.op}`;
    const s = out.get(k);
    if (!s) out.set(k, { first: e.seq, last: e.seq, count: 1 });
    else {
      s.last = e.seq;
      s.count += 1;
    }
  }
  return out;
}

/**
 * The ops log follows the documented order: container (approved) → DR VLAN → ASA context → IPsec tunnel →
 * management IPs → network paths → VIP → control plane from CLM → agents → plans; each phase's first side
 * effect comes after the previous phase's first, and the control plane, agents and plans do not overlap.
 */
export function expectDocumentedOrder(ops: OpEntry[], tenant: string, opts: { vlan?: boolean; paths?: boolean; vips?: boolean } = {}): void {
  const s = spans(ops, tenant);
  const order = [
    'clm.createContainer', 'clm.approveChange', ...(opts.vlan === false ? [] : ['bna.createVlan']), 'asa.createContext', 'asa.createTunnel', 'bna.reserveIp',
    ...(opts.paths === false ? [] : ['clm.createNetworkPath']), ...(opts.vips === false ? [] : ['clm.createLoadBalancerPool']),
    'clm.provisionServiceOffering', 'inmage.pushAgent', 'inmage.createPlan',
  ];
  const firsts = order.map((op) => [op, s.get(op)?.first ?? -1] as const);
  expect(firsts.filter(([, seq]) => seq < 0)).toEqual([]);
  expect([...firsts].sort((a, b) => a[1] - b[1]).map(([op]) => op)).toEqual(order);
  const before = (a: string, b: string) => expect([a, b, (s.get(a)?.last ?? 0) < (s.get(b)?.first ?? 0)]).toEqual([a, b, true]);
  before('clm.createContainer', 'asa.createContext');
  before('clm.provisionServiceOffering', 'inmage.pushAgent');
  before('inmage.pushAgent', 'inmage.createPlan');
}
