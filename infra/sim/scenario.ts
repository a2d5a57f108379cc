import { SimError, badRequest } from './http';
import { createIpPool, createVlanPool } from './bna';
import { createVm } from './compute';
import { createPlan, MT_MAX_VMDKS_WITH_DRILLS, MT_MAX_VMDKS_WITHOUT_DRILLS, PS_MAX_CHANGE_RATE_GB_PER_DAY, registerControlServer, tagsReport } from './inmage';
import { intToIp, ipToInt, prefixFor } from './ip';
import { Random } from './random';
import { TIERS, vmKey, type Capacity, type Disk, type MgmtRecord, type Sim, type Site, type SourceVm, type Tenant, type Tier } from './state';

/**
 * Scenario seeding (`POST /_sim/scenario`): N tenants × M VMs with realistic names (`nw-db-1`,
 * `nw-app-3`, `nw-mon-1`), OS, vCPU, memory, disks, primary hostname/IP, change rate and labels; the
 * InMage control plane and protection plans already in Differential Sync with a full retention window of
 * consistency tags (unless `protected: false`); and each machine's management metadata: FIG. 10
 * monitoring rules per server-agent, the server → customer map, customer-event-severity routing, backup
 * nodes, patch agents, CIs, asset records, ticketing resources, DNS and LDAP records, firewall rules.
 * Seeding adds to the current state (call `POST /_sim/reset` first for a clean estate); the same seed
 * gives the same estate. Nothing is logged in the ops log.
 */

const KNOWN_TENANTS: [string, string, string][] = [
  ['northwind', 'Northwind Traders', 'nw'],
  ['contoso', 'Contoso Ltd', 'co'],
  ['fabrikam', 'Fabrikam Inc', 'fb'],
  ['adventure-works', 'Adventure Works Cycles', 'aw'],
  ['tailspin', 'Tailspin Toys', 'ts'],
  ['wingtip', 'Wingtip Toys', 'wt'],
  ['litware', 'Litware Inc', 'lw'],
  ['woodgrove', 'Woodgrove Bank', 'wg'],
  ['proseware', 'Proseware Inc', 'pw'],
  ['fourth-coffee', 'Fourth Coffee', 'fc'],
  ['alpine-ski', 'Alpine Ski House', 'as'],
  ['blue-yonder', 'Blue Yonder Airlines', 'by'],
  ['margies-travel', "Margie's Travel", 'mg'],
  ['lucerne', 'Lucerne Publishing', 'lp'],
  ['trey-research', 'Trey Research', 'tr'],
  ['coho-winery', 'Coho Winery', 'cw'],
  ['relecloud', 'Relecloud', 'rc'],
  ['humongous', 'Humongous Insurance', 'hi'],
  ['wide-world', 'Wide World Importers', 'ww'],
  ['graphic-design', 'Graphic Design Institute', 'gd'],
  ['city-power', 'City Power & Light', 'cp'],
  ['southridge', 'Southridge Video', 'sv'],
  ['consolidated', 'Consolidated Messenger', 'cm'],
  ['datum', 'A. Datum Corporation', 'dt'],
];

const WORKLOAD_PATTERN = ['web', 'app', 'db', 'app', 'web', 'file', 'app', 'db'];
const MANAGEMENT_KINDS = ['mon', 'evt', 'bkp', 'ad', 'dns', 'ptch', 'cmdb', 'tkt', 'disc'];

const WIN = 'Microsoft Windows Server 2008 R2 (64-bit)';
const RHEL = 'Red Hat Enterprise Linux 6 (64-bit)';

interface Profile {
  os: () => string;
  vcpu: number;
  memoryGb: number;
  dataDisks: (rng: Random) => number[];
  changeRate: [number, number];
  app: string;
}

const PROFILES: Record<string, Profile> = {
  web: { os: () => RHEL, vcpu: 2, memoryGb: 4, dataDisks: () => [], changeRate: [2, 6], app: 'storefront' },
  app: { os: () => WIN, vcpu: 4, memoryGb: 8, dataDisks: (r) => [r.pick([50, 100, 150])], changeRate: [5, 15], app: 'erp' },
  db: { os: () => WIN, vcpu: 8, memoryGb: 32, dataDisks: (r) => [r.pick([200, 300, 500]), 100], changeRate: [20, 60], app: 'erp' },
  file: { os: () => WIN, vcpu: 2, memoryGb: 4, dataDisks: (r) => [r.pick([500, 750, 1000])], changeRate: [10, 30], app: 'file-share' },
  mon: { os: () => RHEL, vcpu: 4, memoryGb: 8, dataDisks: () => [100], changeRate: [4, 10], app: 'monitoring' },
  evt: { os: () => RHEL, vcpu: 4, memoryGb: 8, dataDisks: () => [50], changeRate: [2, 6], app: 'event-policy' },
  bkp: { os: () => WIN, vcpu: 4, memoryGb: 16, dataDisks: () => [500], changeRate: [5, 15], app: 'backup' },
  ad: { os: () => WIN, vcpu: 2, memoryGb: 4, dataDisks: () => [], changeRate: [1, 3], app: 'directory' },
  dns: { os: () => RHEL, vcpu: 2, memoryGb: 2, dataDisks: () => [], changeRate: [1, 2], app: 'dns' },
  ptch: { os: () => WIN, vcpu: 2, memoryGb: 8, dataDisks: () => [200], changeRate: [2, 8], app: 'patching' },
  cmdb: { os: () => RHEL, vcpu: 4, memoryGb: 16, dataDisks: () => [100], changeRate: [2, 6], app: 'cmdb' },
  tkt: { os: () => RHEL, vcpu: 2, memoryGb: 8, dataDisks: () => [50], changeRate: [1, 4], app: 'ticketing' },
  disc: { os: () => RHEL, vcpu: 2, memoryGb: 8, dataDisks: () => [50], changeRate: [1, 3], app: 'discovery' },
};

const EVENTS = ['CPU_HIGH', 'DISK_FULL', 'SERVICE_DOWN', 'HEARTBEAT_LOST', 'DB_DOWN'];
const SEVERITIES: [string, number][] = [
  ['CRITICAL', 1],
  ['MAJOR', 2],
  ['WARNING', 3],
];

interface TenantInput {
  id: string;
  name?: string;
  tier?: Tier;
  vms?: number;
  managementVms?: number;
  /** A primary site several tenants share (a provider's pod); by default the tenant's own `<id>-dc`. */
  primarySite?: string;
}

export interface ScenarioInput {
  tenants: TenantInput[];
  vmsPerTenant: number;
  managementVmsPerTenant: number;
  seed: number;
  /** Capacity fields left out are sized to hold every seeded VM with 25 % headroom. */
  drSite: Partial<Capacity> & { id: string };
  protected: boolean;
  agentsInstalled: boolean;
  drillsEnabled: boolean;
  retentionHours: number;
  approvalRequired: boolean | null;
  managementPoolSize: number;
  vlanPoolSize: number;
  summary: boolean;
}

const MAX_VMS = 100_000;

export function parseScenario(body: unknown, defaultSeed: number): ScenarioInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('body must be a JSON object');
  const b = body as Record<string, unknown>;
  const int = (k: string, fallback: number, min = 0, max = MAX_VMS): number => {
    const v = b[k];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw badRequest(`${k} must be an integer in [${min}, ${max}]`, k);
    return v;
  };
  const flag = (k: string, fallback: boolean): boolean => {
    const v = b[k];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'boolean') throw badRequest(`${k} must be a boolean`, k);
    return v;
  };
  const vmsPerTenant = int('vmsPerTenant', 10);
  const managementVmsPerTenant = int('managementVmsPerTenant', 3, 0, 1000);
  let tenants: TenantInput[];
  if (typeof b.tenants === 'number') {
    if (!Number.isInteger(b.tenants) || b.tenants < 1 || b.tenants > 10_000) throw badRequest('tenants must be 1-10000 or a list', 'tenants');
    tenants = Array.from({ length: b.tenants }, (_, i) => {
      const [id, name] = KNOWN_TENANTS[i % KNOWN_TENANTS.length];
      const round = Math.floor(i / KNOWN_TENANTS.length);
      return round === 0 ? { id, name } : { id: `${id}-${round + 1}`, name: `${name} ${round + 1}` };
    });
  } else if (Array.isArray(b.tenants) && b.tenants.length > 0) {
    tenants = b.tenants.map((t, i) => {
      if (typeof t !== 'object' || t === null) throw badRequest(`tenants[${i}] must be an object`, 'tenants');
      const o = t as Record<string, unknown>;
      if (typeof o.id !== 'string' || !/^[a-z0-9][a-z0-9-]{0,39}$/.test(o.id)) {
        throw badRequest(`tenants[${i}].id must be lower-case letters, digits and dashes`, 'tenants');
      }
      if (o.tier !== undefined && !TIERS.includes(o.tier as Tier)) throw badRequest(`tenants[${i}].tier must be one of ${TIERS.join(', ')}`, 'tenants');
      for (const k of ['vms', 'managementVms']) {
        if (o[k] !== undefined && (typeof o[k] !== 'number' || !Number.isInteger(o[k]) || (o[k] as number) < 0)) {
          throw badRequest(`tenants[${i}].${k} must be a non-negative integer`, 'tenants');
        }
      }
      if (o.name !== undefined && typeof o.name !== 'string') throw badRequest(`tenants[${i}].name must be a string`, 'tenants');
      if (o.primarySite !== undefined && (typeof o.primarySite !== 'string' || !/^[a-z0-9][a-z0-9-]{0,39}$/.test(o.primarySite))) {
        throw badRequest(`tenants[${i}].primarySite must be lower-case letters, digits and dashes`, 'tenants');
      }
      return {
        id: o.id, name: o.name as string | undefined, tier: o.tier as Tier | undefined, vms: o.vms as number | undefined, managementVms: o.managementVms as number | undefined,
        primarySite: o.primarySite as string | undefined,
      };
    });
  } else {
    throw badRequest('tenants must be a number or a non-empty list', 'tenants');
  }
  const ids = new Set<string>();
  let total = 0;
  for (const t of tenants) {
    if (ids.has(t.id)) throw badRequest(`tenant ${t.id} is listed twice`, 'tenants');
    ids.add(t.id);
    total += (t.vms ?? vmsPerTenant) + (t.managementVms ?? managementVmsPerTenant);
  }
  if (total > MAX_VMS) throw badRequest(`at most ${MAX_VMS} VMs per scenario`, 'tenants');
  const dr = b.drSite === undefined ? {} : b.drSite;
  if (typeof dr !== 'object' || dr === null || Array.isArray(dr)) throw badRequest('drSite must be an object', 'drSite');
  const d = dr as Record<string, unknown>;
  const cap = (k: string, fallback: number): number => {
    const v = d[k];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'number' || v < 0) throw badRequest(`drSite.${k} must be a non-negative number`, 'drSite');
    return v;
  };
  if (d.id !== undefined && (typeof d.id !== 'string' || d.id === '')) throw badRequest('drSite.id must be a string', 'drSite');
  const protect = flag('protected', true);
  const retentionHours = b.retentionHours === undefined ? 24 : b.retentionHours;
  if (typeof retentionHours !== 'number' || retentionHours <= 0 || retentionHours > 24 * 90) throw badRequest('retentionHours must be in (0, 2160]', 'retentionHours');
  const seed = b.seed === undefined ? defaultSeed : b.seed;
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw badRequest('seed must be a number', 'seed');
  if (b.approvalRequired !== undefined && typeof b.approvalRequired !== 'boolean') throw badRequest('approvalRequired must be a boolean', 'approvalRequired');
  return {
    tenants,
    vmsPerTenant,
    managementVmsPerTenant,
    seed,
    drSite: {
      id: (d.id as string | undefined) ?? 'dr-1',
      vcpu: cap('vcpu', NaN),
      memoryGb: cap('memoryGb', NaN),
      storageGb: cap('storageGb', NaN),
      masterTargetSlots: cap('masterTargetSlots', NaN),
    },
    protected: protect,
    agentsInstalled: flag('agentsInstalled', protect),
    drillsEnabled: flag('drillsEnabled', true),
    retentionHours,
    approvalRequired: (b.approvalRequired as boolean | undefined) ?? null,
    managementPoolSize: int('managementPoolSize', 1024, 4, 65_000),
    vlanPoolSize: int('vlanPoolSize', 1000, 1, 4000),
    summary: flag('summary', false),
  };
}

interface Packed {
  vms: SourceVm[];
  vmdks: number;
  rate: number;
}

/** Groups a tenant's VMs into protection plans, one per master target, within the MT and PS limits. */
function pack(vms: SourceVm[], drills: boolean): Packed[] {
  const maxVmdks = drills ? MT_MAX_VMDKS_WITH_DRILLS : MT_MAX_VMDKS_WITHOUT_DRILLS;
  const groups: Packed[] = [];
  let cur: Packed | null = null;
  for (const vm of vms) {
    const d = vm.disks.length;
    if (!cur || cur.vmdks + d > maxVmdks || cur.rate + vm.changeRateGbPerDay > PS_MAX_CHANGE_RATE_GB_PER_DAY) {
      cur = { vms: [], vmdks: 0, rate: 0 };
      groups.push(cur);
    }
    cur.vms.push(vm);
    cur.vmdks += d;
    cur.rate += vm.changeRateGbPerDay;
  }
  return groups;
}

export function seedScenario(sim: Sim, input: ScenarioInput): Record<string, unknown> {
  const st = sim.state;
  const rng = new Random(input.seed);
  for (const t of input.tenants) {
    if (st.tenants.has(t.id)) throw new SimError(409, 'ALREADY_EXISTS', `tenant ${t.id} already exists; reset first`);
  }
  if (input.approvalRequired !== null) st.clm.approvalRequiredByDefault = input.approvalRequired;

  // Build every tenant's machines first (pure), then check master-target slots before writing anything.
  const usedPrefixes = new Set([...st.tenants.values()].map((t) => t.prefix));
  const tenantIndexBase = st.tenants.size;
  const drId = input.drSite.id;
  const plans: { tenant: Tenant; vms: SourceVm[]; groups: Packed[] }[] = [];
  let mtsNeeded = 0;
  input.tenants.forEach((ti, i) => {
    const idx = tenantIndexBase + i;
    const known = KNOWN_TENANTS.find((k) => ti.id === k[0] || ti.id.startsWith(`${k[0]}-`));
    let prefix = known ? known[2] : ti.id.split('-').map((p) => p[0]).join('').slice(0, 3).padEnd(2, ti.id[1] ?? 'x');
    const round = /-(\d+)$/.exec(ti.id)?.[1];
    if (known && round) prefix = `${prefix}${round}`;
    let n = 2;
    const base = prefix;
    while (usedPrefixes.has(prefix)) prefix = `${base}${n++}`;
    usedPrefixes.add(prefix);
    const octet = 1 + (idx % 120);
    const tenant: Tenant = {
      id: ti.id,
      name: ti.name ?? known?.[1] ?? ti.id,
      prefix,
      tier: ti.tier ?? TIERS[idx % TIERS.length],
      primarySite: ti.primarySite ?? `${ti.id}-dc`,
      drSite: drId,
      dnsZone: `${ti.id}.example.com`,
      primarySubnet: `10.${octet}.0.0/16`,
      createdAt: sim.clock.iso(),
    };
    const vms = buildVms(tenant, octet, ti.managementVms ?? input.managementVmsPerTenant, ti.vms ?? input.vmsPerTenant, rng, input.agentsInstalled);
    const groups = input.protected ? pack(vms, input.drillsEnabled) : [];
    mtsNeeded += groups.length;
    plans.push({ tenant, vms, groups });
  });

  // DR site, its VLAN pool and the management set-aside IP pool (shared by tenants).
  let dr = st.sites.get(drId);
  const all = plans.flatMap((p) => p.vms);
  const sized = (given: number | undefined, need: number): number => (given === undefined || Number.isNaN(given) ? Math.ceil(need * 1.25) : given);
  const capacity: Capacity = {
    vcpu: sized(input.drSite.vcpu, Math.max(64, all.reduce((s, v) => s + v.vcpu, 0))),
    memoryGb: sized(input.drSite.memoryGb, Math.max(256, all.reduce((s, v) => s + v.memoryGb, 0))),
    storageGb: sized(input.drSite.storageGb, Math.max(10_000, all.reduce((s, v) => s + v.disks.reduce((a, d) => a + d.sizeGb, 0), 0))),
    masterTargetSlots: sized(input.drSite.masterTargetSlots, Math.max(16, mtsNeeded + (dr?.used.masterTargets ?? 0))),
  };
  if (!dr) {
    dr = { id: drId, kind: 'dr', tenant: null, capacity, used: { vcpu: 0, memoryGb: 0, storageGb: 0, masterTargets: 0 }, down: false, downSince: null };
    st.sites.set(drId, dr);
    createVlanPool(sim, { id: `vlans-${drId}`, site: drId, from: 2000, to: 2000 + input.vlanPoolSize - 1 });
    createIpPool(sim, { id: `mgmt-${drId}`, name: `mgmt-${drId}`, tenant: null, site: drId, purpose: 'management', cidr: `192.168.0.0/${prefixFor(input.managementPoolSize)}` });
    for (const [service, name] of [
      ['monitoring', `${drId}-mon-1`],
      ['event-policy', `${drId}-evt-1`],
      ['backup', `${drId}-tsm-1`],
      ['patch', `${drId}-tem-1`],
      ['ldap', `${drId}-ad-1`],
      ['dns', `${drId}-dns-1`],
    ]) {
      st.mgmt.servers.insert({ id: st.mgmt.servers.nextId(), tenant: null, service, name, site: drId, ip: intToIp(ipToInt('192.168.255.0') + st.mgmt.servers.size + 10) });
    }
  } else if (dr.capacity) {
    // A second scenario on the same site grows it by what the new VMs need unless told otherwise.
    for (const k of ['vcpu', 'memoryGb', 'storageGb', 'masterTargetSlots'] as const) {
      const given = input.drSite[k];
      dr.capacity[k] = given === undefined || Number.isNaN(given) ? dr.capacity[k] + capacity[k] : given;
    }
  }

  const freeSlots = (dr.capacity?.masterTargetSlots ?? Infinity) - dr.used.masterTargets;
  if (mtsNeeded > freeSlots) {
    throw new SimError(422, 'MT_SLOTS_EXHAUSTED', `the scenario needs ${mtsNeeded} master targets; ${drId} has ${freeSlots} free slots`);
  }

  const out: Record<string, unknown>[] = [];
  for (const [i, { tenant, vms, groups }] of plans.entries()) {
    const idx = tenantIndexBase + i;
    st.tenants.set(tenant.id, tenant);
    // A shared primary site belongs to no one tenant.
    const shared = input.tenants.some((x) => x.id !== tenant.id && x.primarySite !== undefined && x.primarySite === tenant.primarySite);
    const primary: Site = { id: tenant.primarySite, kind: 'primary', tenant: shared ? null : tenant.id, capacity: null, used: { vcpu: 0, memoryGb: 0, storageGb: 0, masterTargets: 0 }, down: false, downSince: null };
    st.sites.set(primary.id, primary);
    const names: string[] = [];
    for (const vm of vms) {
      st.vms.set(vmKey(tenant.id, vm.name), vm);
      names.push(vm.name);
      createVm(sim, {
        site: primary.id,
        tenant: tenant.id,
        name: vm.name,
        guestOs: vm.os,
        vcpu: vm.vcpu,
        memoryGb: vm.memoryGb,
        disks: vm.disks,
        nics: vm.nics,
        hostname: vm.hostname,
        origin: 'primary',
        power: 'POWERED_ON',
      });
    }
    st.vmsByTenant.set(tenant.id, names);

    const drOctet = 128 + (idx % 120);
    createIpPool(sim, {
      id: `dr-${tenant.id}`,
      name: `dr-${tenant.id}`,
      tenant: tenant.id,
      site: drId,
      purpose: 'dr-data',
      cidr: `10.${drOctet}.0.0/${prefixFor(Math.ceil(vms.length * 1.25) + 16)}`,
    });

    if (input.protected) seedProtection(sim, tenant, groups, input);
    seedManagement(sim, tenant, vms, rng);

    out.push(input.summary ? tenantSummary(sim, tenant, vms) : tenantDetail(sim, tenant, vms));
  }
  return { drSite: dr, tenants: out };
}

function buildVms(tenant: Tenant, octet: number, mgmtCount: number, workloadCount: number, rng: Random, agents: boolean): SourceVm[] {
  const counters = new Map<string, number>();
  const kinds: { kind: string; role: SourceVm['role'] }[] = [];
  for (let i = 0; i < mgmtCount; i++) kinds.push({ kind: MANAGEMENT_KINDS[i % MANAGEMENT_KINDS.length], role: 'management' });
  for (let i = 0; i < workloadCount; i++) kinds.push({ kind: WORKLOAD_PATTERN[i % WORKLOAD_PATTERN.length], role: 'workload' });
  return kinds.map(({ kind, role }, i) => {
    const n = (counters.get(kind) ?? 0) + 1;
    counters.set(kind, n);
    const name = `${tenant.prefix}-${kind}-${n}`;
    const profile = PROFILES[kind];
    const os = kind === 'db' && rng.next() < 0.3 ? RHEL : profile.os();
    const windows = os === WIN;
    const dataDisks = profile.dataDisks(rng);
    const disks: Disk[] = [
      { name: 'Hard disk 1', volume: windows ? 'C:' : '/', sizeGb: windows ? 60 : 40 },
      ...dataDisks.map((sizeGb, d) => ({
        name: `Hard disk ${d + 2}`,
        volume: windows ? `${String.fromCharCode(69 + d)}:` : d === 0 ? '/data' : `/data${d + 1}`,
        sizeGb,
      })),
    ];
    const third = 1 + Math.floor(i / 240);
    const ip = `10.${octet}.${third}.${10 + (i % 240)}`;
    return {
      tenant: tenant.id,
      name,
      role,
      kind,
      os,
      osFamily: windows ? 'windows' : 'linux',
      vcpu: profile.vcpu,
      memoryGb: profile.memoryGb,
      disks,
      hostname: name,
      fqdn: `${name}.${tenant.dnsZone}`,
      ip,
      nics: [{ name: 'Network adapter 1', ip, prefixLength: 24, gateway: `10.${octet}.${third}.1`, network: `${tenant.id}-vlan-${third}` }],
      changeRateGbPerDay: rng.int(profile.changeRate[0], profile.changeRate[1]),
      physical: kind === 'db' && rng.next() < 0.1,
      agentInstalled: agents,
      labels: { application: profile.app, tier: kind, environment: 'production', role },
    };
  });
}

function seedProtection(sim: Sim, tenant: Tenant, groups: Packed[], input: ScenarioInput): void {
  const p = tenant.prefix;
  registerControlServer(sim, { tenant: tenant.id, role: 'cx', name: `${p}-cx-1`, site: tenant.drSite });
  const processServers: { id: string; rate: number }[] = [];
  const backdateMs =
    input.retentionHours * 3_600_000 + sim.latency.scaledMs('inmage.resyncStep1') + sim.latency.scaledMs('inmage.resyncStep2') + 10 * 60_000;
  groups.forEach((g, k) => {
    let ps = processServers.find((x) => x.rate + g.rate <= PS_MAX_CHANGE_RATE_GB_PER_DAY);
    if (!ps) {
      const cs = registerControlServer(sim, { tenant: tenant.id, role: 'ps', name: `${p}-ps-${processServers.length + 1}`, site: tenant.primarySite });
      ps = { id: cs.id, rate: 0 };
      processServers.push(ps);
    }
    ps.rate += g.rate;
    const mt = registerControlServer(sim, { tenant: tenant.id, role: 'mt', name: `${p}-mt-${k + 1}`, site: tenant.drSite, drillsEnabled: input.drillsEnabled });
    createPlan(sim, {
      tenant: tenant.id,
      name: `${p}-pp-${k + 1}`,
      type: g.vms.some((v) => v.physical) ? 'P2V' : 'V2V',
      direction: 'forward',
      masterTargetId: mt.id,
      processServerId: ps.id,
      servers: g.vms.map((v) => v.name),
      drillsEnabled: input.drillsEnabled,
      retentionHours: input.retentionHours,
      backdateMs,
    });
  });
}

function seedManagement(sim: Sim, tenant: Tenant, vms: SourceVm[], rng: Random): void {
  const m = sim.state.mgmt;
  const byKind = (kind: string): SourceVm | undefined => vms.find((v) => v.kind === kind);
  const mon = byKind('mon');
  const evt = byKind('evt');
  const bkp = byKind('bkp');
  const ptch = byKind('ptch');
  const ad = byKind('ad');
  const monitoringServer = mon?.name ?? 'provider-mon-1';
  const eventDestination = evt?.ip ?? '10.0.0.20';
  const backupServer = bkp?.name ?? 'provider-tsm-1';
  const patchServer = ptch?.name ?? 'provider-tem-1';
  const now = sim.clock.iso();
  const add = (c: typeof m.agents, r: Record<string, unknown> & { tenant: string }): void => {
    c.insert({ ...r, id: c.nextId(), createdAt: now, updatedAt: now } as MgmtRecord);
  };
  const upper = tenant.prefix.toUpperCase();
  vms.forEach((vm, i) => {
    const osAgent = vm.osFamily === 'windows' ? 'NT' : 'LZ';
    const agentTypes = [osAgent, ...(vm.kind === 'db' ? [vm.osFamily === 'windows' ? 'OQ' : 'RZ'] : []), ...(vm.kind === 'app' ? ['YN'] : [])];
    for (const agentType of agentTypes) {
      add(m.agents, {
        tenant: tenant.id,
        server: vm.name,
        serverIp: vm.ip,
        agentType,
        agentId: `${vm.hostname}:${agentType}`,
        monitoringServer,
        eventDestination,
        managementGroup: `${tenant.id}-${vm.role}`,
        status: 'ONLINE',
        rules: rulesFor(agentType, vm),
      });
    }
    add(m.serverMap, { tenant: tenant.id, server: vm.name, serverIp: vm.ip, customerId: tenant.id });
    if (i % 5 === 0) {
      add(m.events, { tenant: tenant.id, server: vm.name, source: vm.ip, eventId: rng.pick(EVENTS), severity: rng.pick(SEVERITIES)[0], at: now });
    }
    add(m.backupNodes, {
      tenant: tenant.id,
      server: vm.name,
      nodeName: vm.name.toUpperCase(),
      ip: vm.ip,
      backupServer,
      policyDomain: `${upper}_PD`,
      schedule: vm.kind === 'db' ? 'DAILY_2300_FULL' : 'DAILY_2200_INCR',
      lastBackupAt: new Date(sim.clock.now() - rng.int(1, 20) * 3_600_000).toISOString(),
    });
    add(m.patchAgents, {
      tenant: tenant.id,
      server: vm.name,
      ip: vm.ip,
      patchServer,
      patchLevel: vm.osFamily === 'windows' ? '2026-10 Cumulative' : 'RHSA-2026-10',
      patchGroup: `${tenant.id}-${vm.kind}`,
      priority: vm.role === 'management' ? 1 : vm.kind === 'db' ? 2 : 3,
      schedule: 'SUN 02:00',
      patchingEnabled: true,
    });
    const ciId = `ci-${tenant.id}-${vm.name}`;
    add(m.cis, {
      tenant: tenant.id,
      server: vm.name,
      name: vm.name,
      className: vm.osFamily === 'windows' ? 'cmdb_ci_win_server' : 'cmdb_ci_linux_server',
      ip: vm.ip,
      site: tenant.primarySite,
      status: 'operational',
      attributes: { os: vm.os, vcpu: vm.vcpu, memoryGb: vm.memoryGb, ciId },
    });
    add(m.assets, {
      tenant: tenant.id,
      server: vm.name,
      assetTag: `${upper}-A${String(1000 + i)}`,
      ciId,
      location: tenant.primarySite,
      status: 'in use',
      owner: tenant.name,
    });
    add(m.resources, { tenant: tenant.id, server: vm.name, ip: vm.ip, customerId: tenant.id, supportGroup: `${tenant.id}-ops`, site: tenant.primarySite });
    add(m.dnsRecords, { tenant: tenant.id, server: vm.name, zone: tenant.dnsZone, name: vm.name, type: 'A', values: [vm.ip], ttl: 300 });
    add(m.ldapEntries, {
      tenant: tenant.id,
      server: vm.name,
      dn: `cn=${vm.name},ou=Computers,dc=${tenant.id},dc=example,dc=com`,
      cn: vm.name,
      objectClass: 'computer',
      ip: vm.ip,
      dnsHostName: vm.fqdn,
      operatingSystem: vm.os,
      site: tenant.primarySite,
    });
    if (vm.osFamily === 'linux') {
      add(m.ldapClients, { tenant: tenant.id, server: vm.name, ldapServer: ad?.name ?? 'provider-ad-1', baseDn: `dc=${tenant.id},dc=example,dc=com` });
    }
    if (vm.kind === 'db') {
      add(m.firewallRules, {
        tenant: tenant.id,
        server: vm.name,
        name: `app-to-${vm.name}`,
        source: tenant.primarySubnet,
        destination: vm.ip,
        protocol: 'tcp',
        port: vm.osFamily === 'windows' ? '1433' : '1521',
        action: 'permit',
        direction: 'inbound',
      });
    }
  });
  for (const event of EVENTS) {
    for (const [severity, ticketSeverity] of SEVERITIES) {
      add(m.routing, {
        tenant: tenant.id,
        customerId: tenant.id,
        eventId: event,
        eventSeverity: severity,
        ticketSeverity,
        handlerPool: `${tenant.id}-${ticketSeverity === 1 ? 'oncall' : 'ops'}`,
        ticketingSystem: tenant.tier === 'Gold' || tenant.tier === 'Silver' ? 'ism' : 'netcool',
      });
    }
  }
  if (mon) {
    add(m.firewallRules, { tenant: tenant.id, server: mon.name, name: 'monitoring-to-agents', source: mon.ip, destination: tenant.primarySubnet, protocol: 'tcp', port: '1918', action: 'permit', direction: 'outbound' });
  }
  if (bkp) {
    add(m.firewallRules, { tenant: tenant.id, server: bkp.name, name: 'backup-clients', source: tenant.primarySubnet, destination: bkp.ip, protocol: 'tcp', port: '1500', action: 'permit', direction: 'inbound' });
  }
}

function rulesFor(agentType: string, vm: SourceVm): Record<string, unknown>[] {
  const base = [
    { metric: 'cpu_busy_pct', operator: '>', threshold: 90, severity: 'CRITICAL', samplingIntervalSec: 60, persistence: 3, eventId: 'CPU_HIGH' },
    { metric: 'disk_free_pct', operator: '<', threshold: 10, severity: 'MAJOR', samplingIntervalSec: 300, persistence: 1, eventId: 'DISK_FULL' },
    { metric: 'memory_used_pct', operator: '>', threshold: 95, severity: 'WARNING', samplingIntervalSec: 60, persistence: 5, eventId: 'CPU_HIGH' },
  ];
  if (agentType === 'OQ' || agentType === 'RZ') {
    return [
      { metric: 'db_status', operator: '==', threshold: 'down', severity: 'CRITICAL', samplingIntervalSec: 30, persistence: 2, eventId: 'DB_DOWN' },
      { metric: 'tx_log_used_pct', operator: '>', threshold: 80, severity: 'MAJOR', samplingIntervalSec: 300, persistence: 1, eventId: 'DISK_FULL' },
    ];
  }
  if (agentType === 'YN') {
    return [{ metric: 'jvm_heap_used_pct', operator: '>', threshold: 90, severity: 'MAJOR', samplingIntervalSec: 60, persistence: 3, eventId: 'SERVICE_DOWN' }];
  }
  return vm.role === 'management' ? [...base, { metric: 'service_status', operator: '==', threshold: 'stopped', severity: 'CRITICAL', samplingIntervalSec: 60, persistence: 1, eventId: 'SERVICE_DOWN' }] : base;
}

function tenantSummary(sim: Sim, tenant: Tenant, vms: SourceVm[]): Record<string, unknown> {
  return {
    ...tenant,
    vmCount: vms.length,
    managementVmCount: vms.filter((v) => v.role === 'management').length,
    vmNames: vms.map((v) => v.name),
    plans: [...sim.state.inmage.plans.values()].filter((p) => p.tenant === tenant.id).length,
  };
}

function tenantDetail(sim: Sim, tenant: Tenant, vms: SourceVm[]): Record<string, unknown> {
  const m = sim.state.mgmt;
  const im = sim.state.inmage;
  const only = <T>(list: T[]): T | null => list[0] ?? null;
  return {
    ...tenant,
    inmage: {
      controlServers: [...im.controlServers.values()].filter((c) => c.tenant === tenant.id),
      plans: [...im.plans.values()].filter((p) => p.tenant === tenant.id),
    },
    eventRouting: m.routing.list({ tenant: tenant.id }),
    firewallRules: m.firewallRules.list({ tenant: tenant.id }),
    bnaPool: `dr-${tenant.id}`,
    vms: vms.map((vm) => {
      const s = im.servers.get(vmKey(tenant.id, vm.name));
      let protection: Record<string, unknown> | null = null;
      if (s?.forwardPlanId) {
        const report = tagsReport(sim, vm, { direction: 'forward', type: 'application', limit: 1, before: Infinity });
        protection = {
          planId: s.forwardPlanId,
          retentionHours: report.retentionHours,
          volumes: (report.volumes as Record<string, unknown>[]).map((v) => ({
            volume: v.volume,
            pairId: v.pairId,
            state: v.state,
            retentionWindowStart: v.retentionWindowStart,
            latestTime: v.latestTime,
            latestApplicationTag: (v.tags as { name: string }[])[0]?.name ?? null,
          })),
          common: report.common,
        };
      }
      return {
        ...vm,
        protection,
        management: {
          monitoringAgents: m.agents.list({ tenant: tenant.id, server: vm.name }),
          serverMapping: only(m.serverMap.list({ tenant: tenant.id, server: vm.name })),
          backupNode: only(m.backupNodes.list({ tenant: tenant.id, server: vm.name })),
          patchAgent: only(m.patchAgents.list({ tenant: tenant.id, server: vm.name })),
          ci: only(m.cis.list({ tenant: tenant.id, server: vm.name })),
          asset: only(m.assets.list({ tenant: tenant.id, server: vm.name })),
          ticketingResource: only(m.resources.list({ tenant: tenant.id, server: vm.name })),
          dnsRecords: m.dnsRecords.list({ tenant: tenant.id, server: vm.name }),
          ldapEntry: only(m.ldapEntries.list({ tenant: tenant.id, server: vm.name })),
        },
      };
    }),
  };
}
