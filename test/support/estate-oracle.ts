import type { DataSource } from 'typeorm';
import {
  DrContainerEntity, IpSubnetMappingEntity, IpVmOverrideEntity, ManagementMetadataSnapshotEntity, ManagementServiceEntity, OperationEntity, ProtectedVmEntity,
  SiteEntity, TenantEntity,
} from '../../infra/persistence/entities';
import type { SimControl } from '../clients/estate-fixture';

/**
 * The estate oracle: what the provider's estate must hold for a tenant, derived from the inventory (tenant,
 * sites, VMs, IP mapping, management services) and the management metadata Lifeline captured before the
 * disaster, never from a workflow's code or report; compared with `/_sim/state`, every difference listed.
 *
 * The product's rules it applies (PRODUCT.md, "The workflows" and "Management fix-up"):
 * - protected (and after a failback or a resume): every VM runs at the primary site under its primary
 *   identity; nothing of the tenant runs at the DR site; every management record is as captured, except that
 *   a record naming a primary site the tenant no longer has (a failback onto a new site) names the new one.
 * - failed over: every VM runs at the DR site under its DR identity: a workload VM on its mapped address (a
 *   per-VM override before the most specific subnet rule), a management VM on the address the BNA set-aside
 *   pool holds for it. DNS answers the DR address with the DR period's short TTL; each captured record is
 *   re-addressed to the DR identity and pointed at the DR site's server of its service (the tenant's own
 *   server where it is a replica that moves with the tenant); patching is off; CMDB, asset and ticketing
 *   records name the DR site; each backup node has its day-one backup scheduled at the DR backup server.
 * - the addresses: once the tenant is onboarded (or has failed over), each management VM holds one address
 *   of the DR site's set-aside pool and each workload VM its mapped addresses, reserved in BNA by owner; the
 *   tenant holds no other reservation.
 */

export type EstatePhase = 'unprotected' | 'protected' | 'failed-over' | 'failed-back';

/** The TTL a DNS record has while the tenant runs at the DR site (short, so a failback switches fast). */
export const DR_PERIOD_DNS_TTL = 60;

type Rec = Record<string, unknown>;

/** Captures a failback's fix-up leaves (whole or partial): what is judged, never the truth it is judged by. */
const AFTER_FAILBACK = new Set(['post-failback-fixup', 'post-partial-failback-fixup']);

interface Collection {
  /** The collection in Lifeline's snapshots. */
  snapshot: string;
  /** The collection in `/_sim/state`'s `mgmt`. */
  sim: string;
  key: (r: Rec) => string;
  fields: string[];
}

const s = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

const COLLECTIONS: Collection[] = [
  { snapshot: 'dns.records', sim: 'dnsRecords', key: (r) => `${s(r.zone)}|${s(r.name)}|${s(r.type)}`, fields: ['values', 'ttl'] },
  { snapshot: 'ldap.entries', sim: 'ldapEntries', key: (r) => s(r.dn), fields: ['ip', 'dnsHostName', 'operatingSystem', 'site'] },
  { snapshot: 'ldap.clients', sim: 'ldapClients', key: (r) => s(r.server), fields: ['ldapServer', 'baseDn'] },
  { snapshot: 'firewall.rules', sim: 'firewallRules', key: (r) => s(r.name), fields: ['source', 'destination', 'protocol', 'port', 'action', 'direction'] },
  { snapshot: 'backup.nodes', sim: 'backupNodes', key: (r) => s(r.nodeName), fields: ['server', 'ip', 'backupServer', 'policyDomain', 'schedule'] },
  {
    snapshot: 'monitoring.agents', sim: 'agents', key: (r) => `${s(r.server)}|${s(r.agentType)}`,
    fields: ['serverIp', 'agentId', 'monitoringServer', 'eventDestination', 'managementGroup', 'rules', 'status'],
  },
  { snapshot: 'event-policy.serverMap', sim: 'serverMap', key: (r) => `${s(r.customerId)}|${s(r.server)}`, fields: ['serverIp', 'customerId'] },
  { snapshot: 'event-policy.routing', sim: 'routing', key: (r) => `${s(r.customerId)}|${s(r.eventId)}|${s(r.eventSeverity)}`, fields: ['ticketSeverity', 'handlerPool', 'ticketingSystem'] },
  {
    snapshot: 'patching.agents', sim: 'patchAgents', key: (r) => s(r.server),
    fields: ['ip', 'patchServer', 'patchLevel', 'patchGroup', 'priority', 'schedule', 'patchingEnabled'],
  },
  { snapshot: 'cmdb.cis', sim: 'cis', key: (r) => s(r.name), fields: ['ip', 'site', 'className', 'status', 'attributes'] },
  { snapshot: 'asset.assets', sim: 'assets', key: (r) => s(r.assetTag), fields: ['server', 'ciId', 'location', 'status', 'owner'] },
  { snapshot: 'ticketing.resources', sim: 'resources', key: (r) => s(r.server), fields: ['ip', 'customerId', 'supportGroup', 'site'] },
];

/** The fields naming the site a record lives at. */
const SITE_FIELDS: Record<string, string[]> = { 'ldap.entries': ['site'], 'cmdb.cis': ['site'], 'asset.assets': ['location'], 'ticketing.resources': ['site'] };

/** The estate's name of the server of each service kind (the simulator lists `patch` for patching). */
const SERVER_SERVICE: Record<string, string> = { monitoring: 'monitoring', 'event-policy': 'event-policy', backup: 'backup', patching: 'patch', ldap: 'ldap', dns: 'dns' };
/** Services whose DR-site server replaces the tenant's own at failover, whatever it was. */
const ALWAYS_DR_SERVER = new Set(['monitoring', 'backup']);

const ipToInt = (ip: string): number | null => {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return null;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
};
const intToIp = (n: number): string => [24, 16, 8, 0].map((b) => Math.floor(n / 2 ** b) % 256).join('.');
const cidrOf = (c: string): { base: number; prefix: number } | null => {
  const [ip, len] = c.split('/');
  const base = ipToInt(ip);
  return base === null || len === undefined || !/^\d+$/.test(len) ? null : { base, prefix: Number(len) };
};
const blockOf = (prefix: number) => 2 ** (32 - prefix);
const inCidr = (n: number, c: { base: number; prefix: number }) => Math.floor(n / blockOf(c.prefix)) === Math.floor(c.base / blockOf(c.prefix));

/** The DR address of a primary address by subnet rules: the most specific covering rule, host part kept. */
function bySubnetRule(ip: string, rules: { primaryCidr: string; drCidr: string }[]): string | null {
  const n = ipToInt(ip);
  if (n === null) return null;
  let best: { p: { base: number; prefix: number }; d: { base: number; prefix: number } } | null = null;
  for (const r of rules) {
    const p = cidrOf(r.primaryCidr);
    const d = cidrOf(r.drCidr);
    if (!p || !d || !inCidr(n, p)) continue;
    if (!best || p.prefix > best.p.prefix) best = { p, d };
  }
  return best ? intToIp(best.d.base + (n % blockOf(best.p.prefix))) : null;
}

function hostOf(endpoint: string): string {
  const m = /^(?:[a-z][a-z0-9+.-]*:\/\/)?([^/:]+)/i.exec(endpoint);
  return m ? m[1] : endpoint;
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Rec)[k])}`).join(',')}}`;
  return JSON.stringify(v ?? null);
}

interface OracleVm { name: string; role: string; fqdn: string; primaryIps: string[]; drIps: string[] | null }
interface SimState {
  compute: { vms: { name: string; site: string; power_state: string; hostname: string; origin: string; nics: { ip_address: string }[] }[] };
  bna: { pools: { id: string; site: string; purpose: string; tenant: string | null; reservations: { address: string; owner: string; tenant: string | null }[] }[] };
  inmage: { plans: { name: string; direction: string }[]; drillSnapshots: unknown[] };
  mgmt: Record<string, Rec[]>;
}

export interface OracleOptions {
  /** The lifecycle point to expect; by default the tenant's state, and whether it has completed a failover before. */
  phase?: EstatePhase;
  /**
   * Management collections read from real servers instead of the simulator (`dnsRecords`, `ldapEntries`,
   * `ldapClients`, named as in `/_sim/state`'s `mgmt`), where DNS or the directory is not simulated.
   */
  mgmt?: Record<string, Rec[]>;
  /**
   * What is judged: the whole estate (by default), or `fixup`: what the management fix-up restores, for suites
   * that run it on a seeded tenant whose VMs do not move (the management records, event sources and day-one
   * backups; not compute, addresses, or the DR period's DNS TTL, which the waves set). A management VM's DR
   * address is then the one the inventory records for it, as no set-aside pool is held.
   */
  scope?: 'estate' | 'fixup';
  /**
   * Changes made at the DR site during the DR period that a failback keeps (merged back), by collection and
   * key, under the primary identities: the fields changed (a whole record when added), or null when removed.
   */
  drPeriodChanges?: Record<string, Record<string, Rec | null>>;
}

/**
 * Every difference between the estate and what the inventory and the captured metadata say it must hold for
 * the tenant; empty when they agree.
 */
export async function estateDifferences(ds: DataSource, sim: SimControl, tenantId: string, opts: OracleOptions = {}): Promise<string[]> {
  const em = ds.manager;
  const tenant = await em.findOneByOrFail(TenantEntity, { id: tenantId });
  const [primarySite, drSite] = await Promise.all([em.findOneByOrFail(SiteEntity, { id: tenant.primarySiteId }), em.findOneByOrFail(SiteEntity, { id: tenant.drSiteId })]);
  const vmRows = await em.find(ProtectedVmEntity, { where: { tenantId }, order: { name: 'ASC' } });
  const vms: OracleVm[] = vmRows.map((v) => ({ name: v.name, role: v.role, fqdn: v.primaryHostname, primaryIps: v.primaryIps, drIps: v.drIps }));
  const byId = new Map(vmRows.map((v) => [v.id, v.name]));
  const rules = await em.find(IpSubnetMappingEntity, { where: { tenantId } });
  const overrides = (await em.find(IpVmOverrideEntity, { where: { tenantId } })).map((o) => ({ vm: byId.get(o.vmId) as string, primaryIp: o.primaryIp, drIp: o.drIp }));
  const services = await em.find(ManagementServiceEntity, { where: [{ tenantId }, { tenantId: null as unknown as string }] });
  const container = await em.findOneBy(DrContainerEntity, { tenantId });
  const ops = await em.find(OperationEntity, { where: { tenantId }, order: { startedAt: 'DESC' } });
  const lastFailover = ops.find((o) => o.kind === 'failover');
  const snapshots = await em.find(ManagementMetadataSnapshotEntity, { where: { tenantId, side: 'primary' }, order: { version: 'DESC' } });
  // The metadata as captured on the primary side up to the last failover (the failover's own capture before the
  // first VM moves included): a capture since would record what the failback left, which is what is judged.
  const until = lastFailover ? (lastFailover.closedAt ?? new Date()).getTime() : Infinity;
  const baseline = snapshots.find((x) => !AFTER_FAILBACK.has(x.reason) && x.capturedAt.getTime() <= until) ?? null;

  // A primary site the tenant no longer has (lost, and replaced by a new one): its records name the new one.
  const formerPrimaries = new Set((await em.find(SiteEntity, { where: { kind: 'primary' } })).filter((x) => x.id !== primarySite.id).map((x) => x.name));

  const failedOverBefore = ops.some((o) => o.kind === 'failover' && o.status === 'completed');
  const phase: EstatePhase =
    opts.phase ?? (tenant.state === 'failed-over' ? 'failed-over' : tenant.state === 'protected' ? (failedOverBefore ? 'failed-back' : 'protected') : 'unprotected');
  const atDr = phase === 'failed-over';
  const fixupOnly = opts.scope === 'fixup';
  const holdsAddresses = !fixupOnly && (container !== null || phase === 'failed-over' || phase === 'failed-back');

  const state = (await sim.state(tenant.name)) as SimState;
  const diffs: string[] = [];
  const t = tenant.name;

  // ---- addresses: the set-aside pool for management VMs, the mapping for workload VMs ----
  const reservations = state.bna.pools.flatMap((p) => p.reservations.filter((r) => r.tenant === t).map((r) => ({ ...r, pool: p })));
  const mgmtAddress = new Map<string, string>();
  const drAddresses = new Map<string, (string | null)[]>();
  const expectedReservations = new Set<string>();
  for (const vm of vms) {
    if (vm.role === 'management' && fixupOnly) {
      drAddresses.set(vm.name, vm.drIps ?? [null]);
      continue;
    }
    if (vm.role === 'management') {
      const held = reservations.filter((r) => r.owner === vm.name && r.pool.purpose === 'management' && r.pool.site === drSite.name);
      if (held.length > 1) diffs.push(`bna: ${vm.name} holds ${held.length} set-aside addresses (${held.map((r) => r.address).join(', ')})`);
      if (held[0]) mgmtAddress.set(vm.name, held[0].address);
      drAddresses.set(vm.name, [held[0]?.address ?? null]);
      if (holdsAddresses) {
        if (held.length === 0) diffs.push(`bna: management VM ${vm.name} holds no address of ${drSite.name}'s set-aside pool`);
        else expectedReservations.add(`${held[0].pool.id}|${held[0].address}`);
      }
      continue;
    }
    const mapped = vm.primaryIps.map((ip) => overrides.find((o) => o.vm === vm.name && o.primaryIp === ip)?.drIp ?? bySubnetRule(ip, rules));
    drAddresses.set(vm.name, mapped);
    mapped.forEach((address, i) => {
      if (address === null) {
        if (holdsAddresses) diffs.push(`mapping: ${vm.name} ${vm.primaryIps[i]} has neither an override nor a subnet rule`);
        return;
      }
      if (!holdsAddresses) return;
      const held = reservations.filter((r) => r.address === address);
      if (held.length === 0) diffs.push(`bna: ${address}, the mapped address of ${vm.name}, is not reserved`);
      for (const r of held) {
        if (!r.owner.startsWith(vm.name)) diffs.push(`bna: ${address}, the mapped address of ${vm.name}, is reserved by ${r.owner}`);
        expectedReservations.add(`${r.pool.id}|${r.address}`);
      }
    });
  }
  for (const vip of container?.vips ?? []) expectedReservations.add(`${vip.poolId}|${vip.virtualIp}`);
  for (const r of fixupOnly ? [] : reservations) {
    if (!expectedReservations.has(`${r.pool.id}|${r.address}`)) diffs.push(`bna: ${r.address} in pool ${r.pool.id} is left reserved for ${r.owner}`);
  }

  // ---- compute: where each VM runs, powered on, under which identity ----
  const short = (fqdn: string) => fqdn.split('.')[0];
  const computeVms = state.compute.vms;
  for (const vm of fixupOnly ? [] : vms) {
    const site = atDr ? drSite.name : primarySite.name;
    const ips = atDr ? (drAddresses.get(vm.name) ?? []) : vm.primaryIps;
    const running = computeVms.filter((c) => c.name === vm.name && c.site === site);
    if (running.length !== 1) {
      diffs.push(`compute: ${vm.name} has ${running.length} VMs at ${site}, expected 1`);
      continue;
    }
    const c = running[0];
    if (c.power_state !== 'POWERED_ON') diffs.push(`compute: ${vm.name} at ${site} is ${c.power_state}, expected POWERED_ON`);
    if (c.hostname !== short(vm.fqdn)) diffs.push(`compute: ${vm.name} at ${site} has hostname ${c.hostname}, expected ${short(vm.fqdn)}`);
    if (canonical(c.nics.map((n) => n.ip_address)) !== canonical(ips)) diffs.push(`compute: ${vm.name} at ${site} has IPs ${c.nics.map((n) => n.ip_address).join(', ')}, expected ${ips.join(', ')}`);
  }
  const known = new Set(vms.map((v) => v.name));
  for (const c of computeVms.filter((x) => !fixupOnly && x.site === drSite.name)) {
    if (!atDr || !known.has(c.name)) diffs.push(`compute: ${c.name} is left at ${drSite.name} (${c.power_state})`);
  }
  if (!atDr && !fixupOnly) {
    if (state.inmage.plans.some((p) => p.direction === 'failback')) diffs.push(`inmage: failback plans left: ${state.inmage.plans.filter((p) => p.direction === 'failback').map((p) => p.name).join(', ')}`);
    if (state.inmage.drillSnapshots.length > 0) diffs.push(`inmage: ${state.inmage.drillSnapshots.length} drill snapshots left`);
  }

  // ---- management services: the captured records, moved to the DR identities while failed over ----
  if (!baseline) {
    if (phase !== 'unprotected' && phase !== 'protected') diffs.push('metadata: no management metadata was captured before the failover');
    return diffs;
  }
  const address = new Map<string, string>();
  const replicaNames = new Set<string>();
  for (const vm of vms) {
    replicaNames.add(vm.name);
    vm.primaryIps.forEach((ip, i) => {
      const to = drAddresses.get(vm.name)?.[i];
      if (to) address.set(ip, to);
    });
  }
  const moveAddress = (v: string): string => {
    const whole = address.get(v);
    if (whole) return whole;
    const [ip, len] = v.split('/');
    if (len === undefined) return v;
    if (address.has(ip)) return `${address.get(ip)}/${len}`;
    const c = cidrOf(v);
    if (!c) return v;
    for (const r of rules) {
      const p = cidrOf(r.primaryCidr);
      const d = cidrOf(r.drCidr);
      if (p && d && p.prefix <= c.prefix && inCidr(c.base, p)) return `${intToIp(d.base + (c.base % blockOf(p.prefix)))}/${len}`;
    }
    return v;
  };
  const moveValue = (v: unknown): unknown => (typeof v === 'string' ? moveAddress(v) : Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? moveAddress(x) : x)) : v);
  const ordered = [...services].sort((a, b) => Number(a.tenantId === null) - Number(b.tenantId === null));
  const listed = state.mgmt.servers ?? [];
  const drServer = (kind: string, current: unknown): unknown => {
    const row = ordered.find((x) => x.kind === kind && x.drEndpoint);
    if (row?.drEndpoint) return hostOf(row.drEndpoint);
    const atSite = listed.find((x) => x.service === SERVER_SERVICE[kind] && x.site === drSite.name);
    const replica = typeof current === 'string' && (replicaNames.has(current) || address.has(current));
    if (!ALWAYS_DR_SERVER.has(kind) && replica) return moveAddress(current as string);
    return atSite ? atSite.name : current;
  };
  const eventPolicy = ordered.map((x) => (x.kind === 'event-policy' ? ((x.metadata?.fixup as Rec | undefined)?.eventPolicy as string | undefined) : undefined)).find(Boolean) ?? 'rewrite';
  const moved = (c: Collection, r: Rec): Rec | null => {
    const out: Rec = { ...r };
    const withIp = (f: string) => {
      if (f in out) out[f] = moveValue(out[f]);
    };
    switch (c.snapshot) {
      case 'dns.records':
        withIp('values');
        if (!fixupOnly && typeof r.server === 'string' && known.has(r.server)) out.ttl = DR_PERIOD_DNS_TTL;
        break;
      case 'ldap.entries':
        withIp('ip');
        if (r.site === primarySite.name) out.site = drSite.name;
        break;
      case 'ldap.clients':
        out.ldapServer = drServer('ldap', r.ldapServer);
        break;
      case 'firewall.rules':
        withIp('source');
        withIp('destination');
        break;
      case 'backup.nodes':
        withIp('ip');
        out.backupServer = drServer('backup', r.backupServer);
        break;
      case 'monitoring.agents':
        withIp('serverIp');
        out.monitoringServer = drServer('monitoring', r.monitoringServer);
        if (r.eventDestination !== undefined) out.eventDestination = drServer('event-policy', r.eventDestination);
        break;
      case 'event-policy.serverMap':
        if (eventPolicy === 'drop' && typeof r.server === 'string' && known.has(r.server)) return null;
        withIp('serverIp');
        break;
      case 'patching.agents':
        withIp('ip');
        out.patchServer = drServer('patching', r.patchServer);
        out.patchingEnabled = false;
        break;
      case 'cmdb.cis':
        withIp('ip');
        if (r.site === primarySite.name) out.site = drSite.name;
        break;
      case 'asset.assets':
        if (r.location === primarySite.name) out.location = drSite.name;
        break;
      case 'ticketing.resources':
        withIp('ip');
        if (r.site === primarySite.name) out.site = drSite.name;
        break;
      default:
        break;
    }
    return out;
  };
  const atHome = (c: Collection, r: Rec): Rec => {
    const out: Rec = { ...r };
    for (const f of SITE_FIELDS[c.snapshot] ?? []) if (formerPrimaries.has(s(r[f]))) out[f] = primarySite.name;
    return out;
  };
  const live = { ...state.mgmt, ...opts.mgmt };
  for (const c of COLLECTIONS) {
    const captured = baseline.records[c.snapshot] ?? [];
    const want = new Map<string, Rec>();
    for (const r of captured) {
      const e = atDr ? moved(c, r) : atHome(c, r);
      if (e) want.set(c.key(e), e);
    }
    if (!atDr) {
      for (const [k, change] of Object.entries(opts.drPeriodChanges?.[c.snapshot] ?? {})) {
        if (change === null) want.delete(k);
        else want.set(k, { ...(want.get(k) ?? {}), ...change });
      }
    }
    if (c.snapshot === 'monitoring.agents') for (const [k, e] of want) want.set(k, { ...e, status: 'ONLINE' });
    const have = new Map<string, Rec[]>();
    for (const r of live[c.sim] ?? []) have.set(c.key(r), [...(have.get(c.key(r)) ?? []), r]);
    for (const [k, e] of want) {
      const list = have.get(k) ?? [];
      if (list.length === 0) {
        diffs.push(`${c.snapshot} ${k}: missing`);
        continue;
      }
      if (list.length > 1) diffs.push(`${c.snapshot} ${k}: ${list.length} records, expected 1`);
      for (const f of c.fields) {
        if (!(f in e) && !(f in list[0])) continue;
        if (canonical(list[0][f]) !== canonical(e[f])) diffs.push(`${c.snapshot} ${k}: ${f} is ${canonical(list[0][f])}, expected ${canonical(e[f])}`);
      }
    }
    for (const k of have.keys()) if (!want.has(k)) diffs.push(`${c.snapshot} ${k}: left over`);
  }

  // Event sources follow the addresses (FIG. 8); the day-one backup lives where the nodes are registered.
  const oldSources = new Set(atDr ? [...address.keys()] : [...address.values()]);
  for (const ev of live.events ?? []) {
    if (oldSources.has(s(ev.source))) diffs.push(`event-policy.events ${s(ev.id)}: source ${s(ev.source)} is ${atDr ? 'a primary' : 'a DR'} address`);
  }
  const drBackupServers = new Set(listed.filter((x) => x.service === 'backup' && x.site === drSite.name).map((x) => s(x.name)));
  const backupRow = ordered.find((x) => x.kind === 'backup' && x.drEndpoint);
  if (backupRow?.drEndpoint) drBackupServers.add(hostOf(backupRow.drEndpoint));
  const schedules = (live.backupSchedules ?? []).filter((x) => x.kind === 'storage-pool');
  if (atDr) {
    for (const node of baseline.records['backup.nodes'] ?? []) {
      const server = drServer('backup', node.backupServer);
      if (!schedules.some((x) => x.node === node.nodeName && x.backupServer === server)) diffs.push(`backup.schedules ${s(node.nodeName)}: no day-one backup scheduled at ${s(server)}`);
    }
  } else {
    for (const x of schedules.filter((y) => drBackupServers.has(s(y.backupServer)))) diffs.push(`backup.schedules ${s(x.node)}: left scheduled at the DR backup server ${s(x.backupServer)}`);
  }

  return diffs;
}

/** Asks Lifeline to capture the tenant's management metadata now (through the API) and waits for the version. */
export async function captureMetadata(
  http: { get(url: string): { set(h: Record<string, string>): PromiseLike<{ body: Rec }> }; post(url: string): { set(h: Record<string, string>): PromiseLike<{ status: number }> } },
  auth: Record<string, string>,
  tenantId: string,
): Promise<number> {
  const before = ((await http.get(`/v1/tenants/${tenantId}/management-metadata`).set(auth)).body.latest as { version: number } | null)?.version ?? 0;
  await http.post(`/v1/tenants/${tenantId}/management-metadata/captures`).set(auth);
  for (let i = 0; i < 300; i++) {
    const latest = (await http.get(`/v1/tenants/${tenantId}/management-metadata`).set(auth)).body.latest as { version: number } | null;
    if (latest && latest.version > before) return latest.version;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no management metadata captured for tenant ${tenantId}`);
}
