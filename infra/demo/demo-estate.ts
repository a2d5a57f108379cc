/**
 * The demo scenario for `npm start`: seeds the simulated provider estate with a few tenants and enters the
 * same estate into Lifeline's inventory through its own API (sites, tenants, VMs, an IP mapping and a recovery
 * plan per tenant with management first, then data, application and web waves), exactly as provider staff would.
 */
export interface DemoOptions {
  apiUrl: string;
  adminToken: string;
  simUrl: string;
  /** How many tenants, or which (the simulator names and tiers them when given a number). */
  tenants: number | { id: string; tier: 'Gold' | 'Silver' | 'Bronze' | 'Copper' }[];
  vmsPerTenant: number;
  managementVmsPerTenant: number;
  /** Seed the tenants already protected by InMage (pairs in Differential Sync), as after an onboarding. */
  alreadyProtected?: boolean;
  /** The plan's limit per wave. */
  waveConcurrency?: number;
  /** Put every tenant on this one primary site (a provider PoD) instead of one customer site each. */
  sharedPrimarySite?: string;
  /** The DR site's capacity; by default the simulator sizes it to hold every tenant. */
  drCapacity?: { vcpu: number; memoryGb: number };
}

export interface DemoTenant {
  id: string;
  name: string;
  tier: string;
  primarySiteId: string;
  vms: number;
  planId: string;
}

interface SimVm {
  name: string;
  role: 'management' | 'workload';
  kind: string;
  os: string;
  vcpu: number;
  memoryGb: number;
  disks: { name: string; sizeGb: number }[];
  hostname: string;
  fqdn: string;
  nics: { ip: string }[];
}

interface SimTenant {
  id: string;
  name: string;
  tier: string;
  primarySite: string;
  drSite: string;
  vms: SimVm[];
}

interface SimScenario {
  drSite: { id: string; capacity: { vcpu: number; memoryGb: number; storageGb: number; masterTargetSlots: number } };
  tenants: SimTenant[];
}

/**
 * The tenant's management services as the provider registers them: restore priority (TSM/BCRS order) and,
 * where the fix-up cannot discover it, the DR-side server to point agents and records at.
 */
function managementServices(drSite: string) {
  return [
    { kind: 'dns', name: 'dns', primaryEndpoint: 'provider-dns-1', drEndpoint: `${drSite}-dns-1`, restorePriority: 10 },
    { kind: 'ldap', name: 'active-directory', primaryEndpoint: 'provider-ad-1', drEndpoint: `${drSite}-ad-1`, restorePriority: 10 },
    { kind: 'firewall', name: 'firewall-policy', primaryEndpoint: 'provider-fw-1', drEndpoint: null, restorePriority: 10 },
    { kind: 'backup', name: 'tsm', primaryEndpoint: 'provider-tsm-1', drEndpoint: null, restorePriority: 20 },
    { kind: 'monitoring', name: 'itm', primaryEndpoint: 'provider-itm-1', drEndpoint: null, restorePriority: 30 },
    { kind: 'event-policy', name: 'event-mapper', primaryEndpoint: 'provider-evt-1', drEndpoint: `${drSite}-evt-1`, restorePriority: 30 },
    { kind: 'patching', name: 'tem', primaryEndpoint: 'provider-tem-1', drEndpoint: `${drSite}-tem-1`, restorePriority: 40 },
    { kind: 'cmdb', name: 'cmdb', primaryEndpoint: 'provider-cmdb-1', drEndpoint: null, restorePriority: 50 },
    { kind: 'asset', name: 'asset-register', primaryEndpoint: 'provider-cmdb-1', drEndpoint: null, restorePriority: 50 },
    { kind: 'ticketing', name: 'service-desk', primaryEndpoint: 'provider-desk-1', drEndpoint: null, restorePriority: 60 },
    { kind: 'discovery', name: 'discovery', primaryEndpoint: 'provider-disc-1', drEndpoint: null, restorePriority: 70 },
  ];
}

const WAVES = [
  { name: 'data', kinds: ['db', 'file', 'sql'] },
  { name: 'application', kinds: ['app', 'mq', 'batch'] },
  { name: 'web', kinds: ['web', 'lb', 'api'] },
];

async function call<T>(method: string, url: string, body: unknown, token?: string): Promise<T> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url} answered ${res.status}: ${text.slice(0, 500)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/**
 * The demo's IP mapping: each primary /24 of a tenant's workload VMs onto a DR /24 of 172.16.0.0/12, host
 * part kept (`10.b.c.0/24` → `172.(16 + b/8).((b mod 8)·32 + c).0/24`); management VMs need none (set-aside pool).
 */
export function demoIpMapping(vms: { role: string; nics: { ip: string }[] }[]) {
  const subnets = new Map<string, string>();
  for (const vm of vms.filter((v) => v.role === 'workload')) {
    for (const nic of vm.nics) {
      const [, b, c] = nic.ip.split('.').map(Number);
      subnets.set(`10.${b}.${c}.0/24`, `172.${16 + (b >> 3)}.${((b & 7) << 5) | (c & 31)}.0/24`);
    }
  }
  return { subnets: [...subnets].map(([primaryCidr, drCidr]) => ({ primaryCidr, drCidr })), overrides: [] };
}

/** Waves by VM function; every app depends on a database, every web server on an app server. */
export function demoPlan(vms: SimVm[], waveConcurrency = 10) {
  const workload = vms.filter((v) => v.role === 'workload');
  const waveOf = (vm: SimVm) => WAVES.find((w) => w.kinds.includes(vm.kind))?.name ?? 'application';
  const groups = WAVES.map((w) => ({ name: w.name, vms: workload.filter((vm) => waveOf(vm) === w.name).map((vm) => vm.name), maxConcurrency: waveConcurrency })).filter(
    (g) => g.vms.length > 0,
  );
  const byWave = (wave: string) => workload.filter((vm) => waveOf(vm) === wave).map((vm) => vm.name);
  const dependsOnEarlier = (wave: string, earlier: string) => {
    const targets = byWave(earlier);
    return targets.length === 0 ? [] : byWave(wave).map((vm, i) => ({ vm, dependsOn: [targets[i % targets.length]] }));
  };
  return { name: 'default', groups, dependencies: [...dependsOnEarlier('application', 'data'), ...dependsOnEarlier('web', 'application')] };
}

export async function seedDemoEstate(opts: DemoOptions): Promise<DemoTenant[]> {
  const api = (path: string) => `${opts.apiUrl}${path}`;
  await call('POST', `${opts.simUrl}/_sim/reset`, {});
  const scenario = await call<SimScenario>('POST', `${opts.simUrl}/_sim/scenario`, {
    // Tenants on a shared primary site run there in the estate too.
    tenants: opts.sharedPrimarySite && Array.isArray(opts.tenants) ? opts.tenants.map((x) => ({ ...x, primarySite: opts.sharedPrimarySite })) : opts.tenants,
    vmsPerTenant: opts.vmsPerTenant,
    managementVmsPerTenant: opts.managementVmsPerTenant,
    protected: opts.alreadyProtected ?? false,
    seed: 7,
    ...(opts.drCapacity ? { drSite: { id: 'dr-1', ...opts.drCapacity } } : {}),
  });

  const cap = scenario.drSite.capacity;
  const drSite = await call<{ id: string }>('POST', api('/v1/sites'), {
    name: scenario.drSite.id,
    kind: 'dr',
    capacity: { vcpu: cap.vcpu, memoryMb: cap.memoryGb * 1024, storageGb: cap.storageGb, masterTargetSlots: cap.masterTargetSlots },
  }, opts.adminToken);

  const seeded: DemoTenant[] = [];
  const shared = opts.sharedPrimarySite
    ? await call<{ id: string }>('POST', api('/v1/sites'), { name: opts.sharedPrimarySite, kind: 'primary' }, opts.adminToken)
    : undefined;
  for (const t of scenario.tenants) {
    const primary = shared ?? (await call<{ id: string }>('POST', api('/v1/sites'), { name: t.primarySite, kind: 'primary' }, opts.adminToken));
    const tenant = await call<{ id: string }>('POST', api('/v1/tenants'), {
      name: t.id,
      tier: t.tier.toLowerCase(),
      rpoMinutes: 15,
      rtoMinutes: 240,
      primarySiteId: primary.id,
      drSiteId: drSite.id,
    }, opts.adminToken);
    await call('POST', api(`/v1/tenants/${tenant.id}/vms`), {
      vms: t.vms.map((vm) => ({
        name: vm.name,
        role: vm.role,
        os: vm.os,
        vcpu: vm.vcpu,
        memoryMb: vm.memoryGb * 1024,
        disks: vm.disks.map((d) => ({ name: d.name, sizeGb: d.sizeGb })),
        primary: { hostname: vm.fqdn, ips: vm.nics.map((n) => n.ip) },
        critical: vm.kind === 'db',
      })),
    }, opts.adminToken);
    await call('PUT', api(`/v1/tenants/${tenant.id}/ip-mappings`), demoIpMapping(t.vms), opts.adminToken);
    const plan = await call<{ id: string }>('POST', api(`/v1/tenants/${tenant.id}/recovery-plans`), demoPlan(t.vms, opts.waveConcurrency), opts.adminToken);
    for (const service of managementServices(t.drSite)) {
      await call('POST', api(`/v1/tenants/${tenant.id}/management-services`), service, opts.adminToken);
    }
    seeded.push({ id: tenant.id, name: t.id, tier: t.tier.toLowerCase(), primarySiteId: primary.id, vms: t.vms.length, planId: plan.id });
  }
  return seeded;
}
