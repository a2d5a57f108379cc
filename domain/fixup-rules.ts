/**
 * The fix-up rules (patent FIG. 10, items 1008 and 1010, generalised to every management service): each
 * captured record of a moved VM is re-addressed to the VM's new identity and pointed at the target side's
 * servers; on failback the changes made at the DR site are reverse-merged into the primary-side records.
 * Pure: records in, records out; the activities read and write the services.
 */
import type { ManagementServiceKind } from './fixup-plan';

export type MgmtRec = Record<string, unknown>;

/** How one collection of a management service is keyed, addressed and compared. */
export interface CollectionModel {
  /** `<service kind>.<collection>`, the name in snapshots. */
  id: string;
  kind: ManagementServiceKind;
  /** The record's identity, independent of addresses (so old and new versions of a record meet). */
  key: (r: MgmtRec) => string;
  /** Fields holding IPv4 addresses, CIDRs, or arrays of them. */
  addressFields: string[];
  /** Fields holding host names (or `host:suffix` ids such as monitoring agent ids). */
  hostFields: string[];
  /** Fields naming the site the record lives at. */
  siteFields: string[];
  /** Fields naming a management server, by the service it belongs to. */
  serverRefs: Record<string, ManagementServiceKind>;
  /** The configuration: what a change during the DR period, or a difference to the target, is made of. */
  fields: string[];
  /** Values the DR side always has (e.g. no patching at the DR site). */
  drOverrides?: MgmtRec;
  /** Values a live record must show to count as restored (e.g. the agent is ONLINE). */
  expectLive?: MgmtRec;
  /** Array fields whose order means nothing (a DNS record set: a server answers it in any order). */
  unordered?: string[];
}

const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

export const COLLECTIONS: CollectionModel[] = [
  {
    id: 'dns.records', kind: 'dns', key: (r) => `${str(r.zone)}|${str(r.name)}|${str(r.type)}`,
    addressFields: ['values'], hostFields: [], siteFields: [], serverRefs: {}, fields: ['values', 'ttl'], unordered: ['values'],
  },
  {
    id: 'ldap.entries', kind: 'ldap', key: (r) => str(r.cn),
    addressFields: ['ip'], hostFields: ['dnsHostName'], siteFields: ['site'], serverRefs: {}, fields: ['ip', 'dnsHostName', 'operatingSystem', 'site'],
  },
  {
    id: 'ldap.clients', kind: 'ldap', key: (r) => str(r.server),
    addressFields: [], hostFields: [], siteFields: [], serverRefs: { ldapServer: 'ldap' }, fields: ['ldapServer', 'baseDn'],
  },
  {
    id: 'firewall.rules', kind: 'firewall', key: (r) => str(r.name),
    addressFields: ['source', 'destination'], hostFields: [], siteFields: [], serverRefs: {},
    fields: ['source', 'destination', 'protocol', 'port', 'action', 'direction'],
  },
  {
    id: 'backup.nodes', kind: 'backup', key: (r) => str(r.nodeName),
    addressFields: ['ip'], hostFields: [], siteFields: [], serverRefs: { backupServer: 'backup' }, fields: ['server', 'ip', 'backupServer', 'policyDomain', 'schedule'],
  },
  {
    id: 'monitoring.agents', kind: 'monitoring', key: (r) => `${str(r.server)}|${str(r.agentType)}`,
    addressFields: ['serverIp'], hostFields: ['agentId'], siteFields: [], serverRefs: { monitoringServer: 'monitoring', eventDestination: 'event-policy' },
    fields: ['serverIp', 'agentId', 'monitoringServer', 'eventDestination', 'managementGroup', 'rules'], expectLive: { status: 'ONLINE' },
  },
  {
    id: 'event-policy.serverMap', kind: 'event-policy', key: (r) => `${str(r.customerId)}|${str(r.server ?? r.serverIp)}`,
    addressFields: ['serverIp'], hostFields: [], siteFields: [], serverRefs: {}, fields: ['serverIp', 'customerId'],
  },
  {
    id: 'event-policy.routing', kind: 'event-policy', key: (r) => `${str(r.customerId)}|${str(r.eventId)}|${str(r.eventSeverity)}`,
    addressFields: [], hostFields: [], siteFields: [], serverRefs: {}, fields: ['ticketSeverity', 'handlerPool', 'ticketingSystem'],
  },
  {
    id: 'patching.agents', kind: 'patching', key: (r) => str(r.server),
    addressFields: ['ip'], hostFields: [], siteFields: [], serverRefs: { patchServer: 'patching' },
    fields: ['ip', 'patchServer', 'patchLevel', 'patchGroup', 'priority', 'schedule', 'patchingEnabled'], drOverrides: { patchingEnabled: false },
  },
  {
    id: 'cmdb.cis', kind: 'cmdb', key: (r) => str(r.name),
    addressFields: ['ip'], hostFields: [], siteFields: ['site'], serverRefs: {}, fields: ['ip', 'site', 'className', 'status', 'attributes'],
  },
  {
    id: 'asset.assets', kind: 'asset', key: (r) => str(r.assetTag),
    addressFields: [], hostFields: [], siteFields: ['location'], serverRefs: {}, fields: ['server', 'ciId', 'location', 'status', 'owner'],
  },
  {
    id: 'ticketing.resources', kind: 'ticketing', key: (r) => str(r.server),
    addressFields: ['ip'], hostFields: [], siteFields: ['site'], serverRefs: {}, fields: ['ip', 'customerId', 'supportGroup', 'site'],
  },
];

export const collectionsOf = (kind: ManagementServiceKind): CollectionModel[] => COLLECTIONS.filter((c) => c.kind === kind);
export const collectionById = (id: string): CollectionModel | undefined => COLLECTIONS.find((c) => c.id === id);

/** One move's identities as the rules use them: from one side to the other. */
export interface IdentityMap {
  /** Old → new IPv4 addresses, and old → new CIDRs (subnet rules). */
  addresses: Record<string, string>;
  /** Old → new host names (full and short). */
  hosts: Record<string, string>;
  /** Old → new site names. */
  sites: Record<string, string>;
  /** The target side's server of each service, where known. */
  servers: Partial<Record<ManagementServiceKind, string>>;
  /**
   * The target side's server of a service as its provider lists it (no endpoint configured): used for a
   * reference that is not a replica moving with the tenant (a replica keeps serving at its new address).
   */
  fallbackServers?: Partial<Record<ManagementServiceKind, string>>;
  /** The VMs that moved: only their records (and tenant-wide ones) are touched. */
  vms: string[];
  /** Values the target side always has (set on failover, left to the merge on failback). */
  applyDrOverrides: boolean;
}

export interface IdentityChangeLike {
  vm: string;
  from: { hostname: string; ips: string[] };
  to: { hostname: string; ips: string[] };
}

const shortName = (host: string): string => host.split('.')[0];

/** Builds the map of one move: addresses pairwise by position, host names full and short, subnets, sites. */
export function identityMap(input: {
  identities: IdentityChangeLike[];
  subnets?: { from: string; to: string }[];
  sites?: Record<string, string>;
  servers?: Partial<Record<ManagementServiceKind, string>>;
  fallbackServers?: Partial<Record<ManagementServiceKind, string>>;
  applyDrOverrides: boolean;
}): IdentityMap {
  const addresses: Record<string, string> = {};
  const hosts: Record<string, string> = {};
  for (const change of input.identities) {
    change.from.ips.forEach((ip, i) => {
      const to = change.to.ips[i];
      if (to !== undefined && to !== ip) addresses[ip] = to;
    });
    if (change.from.hostname && change.to.hostname && change.from.hostname !== change.to.hostname) {
      hosts[change.from.hostname] = change.to.hostname;
      if (shortName(change.from.hostname) !== shortName(change.to.hostname)) hosts[shortName(change.from.hostname)] = shortName(change.to.hostname);
    }
  }
  for (const s of input.subnets ?? []) if (s.from !== s.to) addresses[s.from] = s.to;
  return {
    addresses,
    hosts,
    sites: { ...(input.sites ?? {}) },
    servers: { ...(input.servers ?? {}) },
    ...(input.fallbackServers ? { fallbackServers: { ...input.fallbackServers } } : {}),
    vms: input.identities.map((c) => c.vm),
    applyDrOverrides: input.applyDrOverrides,
  };
}

/** An address, a CIDR or `ip/len` re-addressed by the map; anything else unchanged. */
export function mapAddress(value: string, addresses: Record<string, string>): string {
  const whole = addresses[value];
  if (whole !== undefined) return whole;
  const [ip, suffix] = value.split('/');
  if (suffix !== undefined && addresses[ip] !== undefined) return `${addresses[ip]}/${suffix}`;
  return value;
}

function mapValue(v: unknown, f: (s: string) => string): unknown {
  if (typeof v === 'string') return f(v);
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' ? f(x) : x));
  return v;
}

const renameHost = (value: string, hosts: Record<string, string>): string =>
  value
    .split(':')
    .map((part) => hosts[part] ?? part)
    .join(':');

/** Is this record about one of the moved VMs, or tenant-wide (no VM)? Records of VMs that stay are left alone. */
export function inScope(r: MgmtRec, vms: ReadonlySet<string>): boolean {
  return typeof r.server === 'string' && r.server !== '' ? vms.has(r.server) : true;
}

/** FIG. 10: the record under the new identity, pointed at the target side's servers. */
export function transformRecord(r: MgmtRec, model: CollectionModel, map: IdentityMap): MgmtRec {
  const out: MgmtRec = { ...r };
  for (const f of model.addressFields) if (f in out) out[f] = mapValue(out[f], (s) => mapAddress(s, map.addresses));
  for (const f of model.hostFields) if (f in out) out[f] = mapValue(out[f], (s) => renameHost(s, map.hosts));
  for (const f of model.siteFields) if (typeof out[f] === 'string') out[f] = map.sites[out[f] as string] ?? out[f];
  for (const [f, kind] of Object.entries(model.serverRefs)) {
    if (typeof out[f] !== 'string') continue;
    const target = map.servers[kind];
    const fallback = map.fallbackServers?.[kind];
    // Without a configured target server, a replica of the tenant's own server keeps serving: its address
    // moves with it; any other server is replaced by the one the provider lists at the target site.
    if (target !== undefined) out[f] = target;
    else if (fallback !== undefined && !isReplicaRef(out[f] as string, map)) out[f] = fallback;
    else out[f] = mapAddress(out[f] as string, map.addresses);
  }
  if (map.applyDrOverrides && model.drOverrides) Object.assign(out, model.drOverrides);
  return out;
}

/** The record with its site fields naming `to` where they named `from` (a lost primary site and its replacement). */
export function renameSite(r: MgmtRec, model: CollectionModel, from: string, to: string): MgmtRec {
  if (!model.siteFields.some((f) => r[f] === from)) return r;
  const out: MgmtRec = { ...r };
  for (const f of model.siteFields) if (out[f] === from) out[f] = to;
  return out;
}

/**
 * Server references that the move cannot resolve: no target server is known for the service and the value
 * is not a replica that moves with the tenant (a moved VM's name or address). Named, so the report says why.
 */
export function unresolvedServers(records: MgmtRec[], model: CollectionModel, map: IdentityMap): string[] {
  const vms = new Set(map.vms);
  const out = new Set<string>();
  for (const r of records) {
    if (!inScope(r, vms)) continue;
    for (const [f, kind] of Object.entries(model.serverRefs)) {
      const v = r[f];
      if (typeof v !== 'string' || map.servers[kind] !== undefined || map.fallbackServers?.[kind] !== undefined) continue;
      if (isReplicaRef(v, map)) continue;
      out.add(`${kind} server ${v} (${model.id}.${f})`);
    }
  }
  return [...out];
}

const replicaRefs = new WeakMap<IdentityMap, { vms: Set<string>; moved: Set<string> }>();

/** A replica's name or address, before or after the move (a re-run finds the new one): it moves with the tenant. */
export function isReplicaRef(v: string, map: IdentityMap): boolean {
  let refs = replicaRefs.get(map);
  if (!refs) {
    refs = { vms: new Set(map.vms), moved: new Set(Object.values(map.addresses)) };
    replicaRefs.set(map, refs);
  }
  return refs.vms.has(v) || map.addresses[v] !== undefined || refs.moved.has(v);
}

/** Groups records by the model's key; the first of duplicates wins. */
export function byKey(records: MgmtRec[], model: CollectionModel): Map<string, MgmtRec> {
  const out = new Map<string, MgmtRec>();
  for (const r of records) {
    const k = model.key(r);
    if (!out.has(k)) out.set(k, r);
  }
  return out;
}

/**
 * The target state of a failover: every in-scope record, from the live service where it still has it (the
 * newest configuration, FIG. 7's dump) else from the captured snapshot (lost since), under the new identity.
 */
export function desiredAfterMove(model: CollectionModel, snapshot: MgmtRec[], live: MgmtRec[], map: IdentityMap): MgmtRec[] {
  const vms = new Set(map.vms);
  const out = new Map<string, MgmtRec>();
  for (const r of snapshot) if (inScope(r, vms)) out.set(model.key(r), transformRecord(r, model, map));
  for (const r of live) if (inScope(r, vms)) out.set(model.key(r), transformRecord(r, model, map));
  return [...out.values()];
}

/** Stable JSON for comparing configuration values (object key order does not matter). */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

/** The configuration fields on which two versions of a record differ. */
export function changedFields(a: MgmtRec, b: MgmtRec, model: CollectionModel): string[] {
  const value = (r: MgmtRec, f: string) => {
    const v = r[f];
    return Array.isArray(v) && model.unordered?.includes(f) ? canonical(v.map(canonical).sort()) : canonical(v);
  };
  return model.fields.filter((f) => value(a, f) !== value(b, f));
}

export interface MergeResult {
  records: MgmtRec[];
  added: string[];
  deleted: string[];
  modified: string[];
}

/**
 * Failback (patent: "reverse merge the config of the DR site's server into the primary's"): the changes
 * made at the DR site since the failover fix-up (rules added, deleted or modified), mapped back to the
 * original identities, applied to the primary-side records captured before the disaster. Only the moved
 * VMs' and tenant-wide records of this tenant take part. `drBaseline` is the DR-side state the fix-up left
 * (null when it never ran: the primary records are the baseline then).
 */
export function reverseMerge(model: CollectionModel, primary: MgmtRec[], drBaseline: MgmtRec[] | null, drNow: MgmtRec[], back: IdentityMap): MergeResult {
  const vms = new Set(back.vms);
  const scoped = (list: MgmtRec[]) => list.filter((r) => inScope(r, vms));
  const base = byKey(scoped(primary), model);
  const before = drBaseline === null ? base : byKey(scoped(drBaseline).map((r) => transformRecord(r, model, back)), model);
  const now = byKey(scoped(drNow).map((r) => transformRecord(r, model, back)), model);
  const result = new Map<string, MgmtRec>();
  const added: string[] = [];
  const deleted: string[] = [];
  const modified: string[] = [];
  for (const k of new Set([...base.keys(), ...before.keys(), ...now.keys()])) {
    const b = base.get(k);
    const d0 = before.get(k);
    const d1 = now.get(k);
    if (d0 && !d1) {
      deleted.push(k);
    } else if (!d0 && d1) {
      added.push(k);
      result.set(k, d1);
    } else if (d0 && d1) {
      if (changedFields(d0, d1, model).length > 0) {
        modified.push(k);
        result.set(k, b ? { ...b, ...pick(d1, model.fields.filter((f) => !(f in model.serverRefs) && !(model.drOverrides && f in model.drOverrides))) } : d1);
      } else {
        result.set(k, b ?? d1);
      }
    } else if (b) {
      result.set(k, b);
    }
  }
  return { records: [...result.values()], added, deleted, modified };
}

function pick(r: MgmtRec, fields: string[]): MgmtRec {
  const out: MgmtRec = {};
  for (const f of fields) if (f in r) out[f] = r[f];
  return out;
}

/** Addresses a record still holds from the old side (in its address fields or server references). */
export function oldAddressesIn(r: MgmtRec, model: CollectionModel, map: IdentityMap): string[] {
  const found: string[] = [];
  const check = (v: unknown) => {
    for (const s of Array.isArray(v) ? v : [v]) {
      if (typeof s !== 'string') continue;
      if (map.addresses[s] !== undefined || map.addresses[s.split('/')[0]] !== undefined) found.push(s);
    }
  };
  for (const f of model.addressFields) check(r[f]);
  for (const f of Object.keys(model.serverRefs)) check(r[f]);
  return found;
}

export interface VerifiedVm {
  vm: string;
  outcome: 'restored' | 'failed' | 'skipped';
  reason?: string;
}

/**
 * Checks the live service against the target records: each present with the target values (and the live
 * values a working record shows, e.g. agent ONLINE), and no in-scope record left with an old address.
 * Per VM: restored, failed with the problems, or skipped when the service holds nothing about it.
 */
export function verifyCollection(model: CollectionModel, expected: MgmtRec[], live: MgmtRec[], map: IdentityMap): { vms: Map<string, string[]>; tenantWide: string[]; covered: Set<string> } {
  const vms = new Set(map.vms);
  const problems = new Map<string, string[]>();
  const tenantWide: string[] = [];
  const covered = new Set<string>();
  const note = (r: MgmtRec, text: string) => {
    const vm = typeof r.server === 'string' && vms.has(r.server) ? r.server : null;
    if (vm === null) tenantWide.push(text);
    else problems.set(vm, [...(problems.get(vm) ?? []), text]);
  };
  const liveByKey = new Map<string, MgmtRec[]>();
  for (const r of live) {
    if (!inScope(r, vms)) continue;
    const k = model.key(r);
    liveByKey.set(k, [...(liveByKey.get(k) ?? []), r]);
  }
  for (const want of expected) {
    if (typeof want.server === 'string') covered.add(want.server);
    const k = model.key(want);
    const have = liveByKey.get(k) ?? [];
    const match = have.find((h) => changedFields(h, want, model).length === 0);
    if (!match) {
      if (have.length === 0) note(want, `${model.id} ${k} is missing`);
      else for (const f of changedFields(have[0], want, model)) note(want, `${model.id} ${k}: ${f} is ${canonical(have[0][f])}, expected ${canonical(want[f])}`);
      continue;
    }
    for (const [f, v] of Object.entries(model.expectLive ?? {})) {
      if (canonical(match[f]) !== canonical(v)) note(want, `${model.id} ${k}: ${f} is ${canonical(match[f])}, expected ${canonical(v)}`);
    }
  }
  for (const [k, list] of liveByKey) {
    for (const r of list) {
      const old = oldAddressesIn(r, model, map);
      if (old.length > 0) note(r, `${model.id} ${k} still has the old address ${old.join(', ')}`);
    }
  }
  return { vms: problems, tenantWide, covered };
}
