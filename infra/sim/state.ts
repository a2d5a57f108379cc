import { Clock, Scheduler } from './clock';
import { Faults } from './faults';
import type { Reply } from './http';
import { LatencyModel } from './latency';
import { OpsLog } from './ops-log';
import { Random } from './random';

/**
 * The simulated estate's state: plain records in Maps indexed for O(1) lookups by tenant and VM name
 * (a 5,000-VM failover must not scan), plus `Sim`, the services every system shares.
 */

export type Tier = 'Gold' | 'Silver' | 'Bronze' | 'Copper';
export const TIERS: readonly Tier[] = ['Gold', 'Silver', 'Bronze', 'Copper'];

export interface Tenant {
  id: string;
  name: string;
  /** Short prefix of the tenant's VM names (`nw` for northwind). */
  prefix: string;
  tier: Tier;
  primarySite: string;
  drSite: string;
  dnsZone: string;
  primarySubnet: string;
  createdAt: string;
}

export interface Disk {
  name: string;
  /** Guest volume (`C:`, `/data`). */
  volume: string;
  sizeGb: number;
}

export interface Nic {
  name: string;
  ip: string;
  prefixLength: number;
  gateway: string;
  network: string;
}

/** A protected machine at the primary site (the InMage "source server"). */
export interface SourceVm {
  tenant: string;
  name: string;
  role: 'management' | 'workload';
  /** Function within the estate: db, app, web, file, mon, evt, bkp... */
  kind: string;
  os: string;
  osFamily: 'windows' | 'linux';
  vcpu: number;
  memoryGb: number;
  disks: Disk[];
  hostname: string;
  fqdn: string;
  ip: string;
  nics: Nic[];
  changeRateGbPerDay: number;
  physical: boolean;
  agentInstalled: boolean;
  labels: Record<string, string>;
}

export interface Capacity {
  vcpu: number;
  memoryGb: number;
  storageGb: number;
  masterTargetSlots: number;
}

export interface Site {
  id: string;
  kind: 'primary' | 'dr';
  tenant: string | null;
  /** null = not limited (a customer data centre is not modelled as shared capacity). */
  capacity: Capacity | null;
  used: { vcpu: number; memoryGb: number; storageGb: number; masterTargets: number };
  down: boolean;
  downSince: number | null;
}

// ---- compute ----

export type PowerState = 'POWERED_ON' | 'POWERED_OFF';

export interface ComputeVm {
  id: string;
  site: string;
  tenant: string;
  name: string;
  guestOs: string;
  vcpu: number;
  memoryGb: number;
  disks: Disk[];
  nics: Nic[];
  hostname: string;
  power: PowerState;
  poweredOnAt: number | null;
  /** Guest heartbeat turns green at this simulator time; null = never (stuck). */
  bootDoneAt: number | null;
  origin: 'primary' | 'recovered' | 'drill' | 'control-server';
  recoveryPoint: RecoveryPointResolved | null;
  createdAt: string;
}

export interface RecoveryPointResolved {
  type: string;
  time: string;
  tag: string | null;
  tagType: string | null;
}

// ---- CLM ----

export interface ClmTask {
  guid: string;
  className: string;
  operationName: string;
  tenant: string | null;
  targetGuid: string | null;
  creationTime: number;
  completionTime: number;
  taskState: 'RUNNING' | 'COMPLETED' | 'FAILED';
  taskSubState: string;
  isError: boolean;
  isSuccess: boolean;
  errors: { errorID: string; errorCause: string }[];
  results: unknown[];
  stuck: boolean;
  durationMs: number;
  startedAt: number | null;
  dueAt: number | null;
  changeRequestGuid: string | null;
}

export interface ClmChangeRequest {
  guid: string;
  tenant: string | null;
  taskGuid: string;
  summary: string;
  state: 'PENDING' | 'APPROVED' | 'REJECTED';
  createdAt: number;
  decidedAt: number | null;
  decidedBy: string | null;
}

export interface ContainerVlan {
  name: string;
  role: string;
  vlanId: number;
  subnet: string;
}

export interface ClmContainer {
  guid: string;
  name: string;
  tenant: string;
  tier: Tier;
  blueprint: string;
  site: string;
  state: 'PENDING_APPROVAL' | 'PROVISIONING' | 'ACTIVE' | 'FAILED' | 'DELETING';
  vlans: ContainerVlan[];
  services: { type: 'perimeter-firewall' | 'intra-tenant-firewall' | 'load-balancer'; name: string }[];
  taskGuid: string;
  createdAt: number;
}

export interface ClmNetworkPath {
  guid: string;
  name: string;
  tenant: string;
  containerGuid: string;
  source: string;
  destination: string;
  protocol: string;
  port: string;
  action: 'permit' | 'deny';
  state: 'PROVISIONING' | 'ACTIVE' | 'DELETING';
}

export interface ClmLoadBalancerPool {
  guid: string;
  name: string;
  tenant: string;
  containerGuid: string;
  virtualIPAddress: string;
  clientPortNumber: number;
  transportProtocol: number;
  entries: string[];
  state: 'PROVISIONING' | 'ACTIVE' | 'DELETING';
}

export interface ClmServiceOfferingInstance {
  guid: string;
  name: string;
  tenant: string;
  offering: string;
  hostname: string;
  role: 'cx' | 'ps' | 'mt';
  site: string;
  controlServerId: string | null;
  state: 'PROVISIONING' | 'ACTIVE' | 'FAILED' | 'DECOMMISSIONING';
  drillsEnabled: boolean;
}

export interface ClmOrganization {
  guid: string;
  name: string;
  tenant: string;
}

// ---- BNA ----

export interface IpReservation {
  address: string;
  poolId: string;
  tenant: string | null;
  owner: string;
  purpose: string | null;
  reservedAt: string;
}

export interface IpPool {
  id: string;
  name: string;
  tenant: string | null;
  site: string;
  purpose: string;
  cidr: string;
  /** First and last assignable host as 32-bit integers (network, gateway and broadcast excluded). */
  first: number;
  last: number;
  gateway: string;
  cursor: number;
  free: number[];
  allocated: Map<number, IpReservation>;
  byOwner: Map<string, number>;
}

export interface VlanPool {
  id: string;
  site: string;
  from: number;
  to: number;
  cursor: number;
  free: number[];
  allocated: Map<number, string>;
}

export interface BnaVlan {
  id: string;
  vlanId: number;
  name: string;
  tenant: string | null;
  poolId: string;
  owner: string;
  state: 'PROVISIONING' | 'ACTIVE' | 'DELETING';
  jobId: number;
}

export interface BnaJob {
  jobId: number;
  action: string;
  tenant: string | null;
  target: string | null;
  status: number;
  createdAt: number;
  completedAt: number | null;
  dueAt: number | null;
  stuck: boolean;
  result: unknown;
  error: string | null;
}

// ---- ASA ----

export interface AsaNetworkObject {
  kind: 'object#NetworkObj';
  objectId: string;
  name: string;
  host: { kind: string; value: string };
  description?: string;
}

export interface AsaAccessRule {
  kind: 'object#ExtendedACE';
  objectId: string;
  interface: string;
  permit: boolean;
  sourceAddress: { kind: string; value: string };
  destinationAddress: { kind: string; value: string };
  sourceService: { kind: string; value: string };
  destinationService: { kind: string; value: string };
  active: boolean;
  remarks: string[];
  position: number;
  isAccessRule: true;
}

export interface AsaTunnel {
  interface: string;
  sequence: number;
  peer: string;
  localNetwork: string;
  remoteNetwork: string;
  ikeVersion: number;
  createdAt: number;
  /** Tunnel is UP from this simulator time; null = never (stuck negotiation). */
  upAt: number | null;
}

export interface AsaContext {
  name: string;
  tenant: string | null;
  interfaces: { name: string; vlan: number | null; ip: string | null }[];
  createdAt: string;
  networkObjects: Map<string, AsaNetworkObject>;
  rules: Map<string, AsaAccessRule>;
  tunnels: Map<string, AsaTunnel>;
  savedAt: string | null;
}

// ---- InMage ----

export interface ControlServer {
  id: string;
  tenant: string;
  role: 'cx' | 'ps' | 'mt';
  name: string;
  site: string;
  ip: string;
  os: string;
  /** MT: sized for DR drills (40 VMDKs) or not (57). */
  drillsEnabled: boolean;
  /** MT: the one protection plan it serves. */
  planId: string | null;
  /** MT: VMDKs attached as replica disks. PS: change rate routed through it. */
  vmdks: number;
  changeRateGbPerDay: number;
  createdAt: string;
}

export interface ProtectionPlan {
  id: string;
  tenant: string;
  name: string;
  type: 'V2V' | 'P2V';
  direction: 'forward' | 'failback';
  masterTargetId: string;
  processServerId: string;
  sourceSite: string;
  targetSite: string;
  drillsEnabled: boolean;
  retentionHours: number;
  appTagIntervalMin: number;
  fsTagIntervalMin: number;
  servers: string[];
  createdAt: string;
}

export interface Pair {
  id: string;
  tenant: string;
  server: string;
  planId: string;
  direction: 'forward' | 'failback';
  volume: string;
  diskName: string;
  sizeGb: number;
  targetVolume: string;
  resyncStartedAt: number;
  step1Ms: number;
  step2Ms: number;
  stuck: boolean;
  /** Per-pair RPO lag in Differential Sync (real-world seconds). */
  lagSeconds: number;
  /** Overrides the computed stage (`Recovered`, `Stopped`). */
  fixedState: string | null;
  /** Replication stopped delivering at this time (source site down, recovered...). */
  frozenAt: number | null;
}

export interface ProtectedServerState {
  tenant: string;
  name: string;
  forwardPlanId: string | null;
  failbackPlanId: string | null;
  pairIds: string[];
  failbackPairIds: string[];
  userTags: { name: string; time: number }[];
  recovered: { site: string; vmId: string; at: string } | null;
}

export interface InmageJob {
  id: string;
  type: 'recover' | 'drillSnapshot' | 'deleteDrillSnapshot' | 'pushAgent' | 'failbackProtect' | 'resumeProtection';
  tenant: string;
  server: string | null;
  state: 'Running' | 'Completed' | 'Failed';
  createdAt: number;
  dueAt: number | null;
  completedAt: number | null;
  stuck: boolean;
  result: Record<string, unknown> | null;
  error: { code: string; message: string } | null;
}

export interface DrillSnapshot {
  id: string;
  tenant: string;
  server: string;
  vmName: string;
  vmId: string | null;
  point: RecoveryPointResolved;
  jobId: string;
  state: 'Creating' | 'Ready' | 'Failed' | 'Deleting';
  createdAt: string;
}

// ---- management services: a generic record collection ----

export interface MgmtRecord {
  id: string;
  tenant: string | null;
  server?: string | null;
  [k: string]: unknown;
}

/**
 * Records indexed by id, tenant, tenant+server and an optional natural key (for "already exists").
 */
export class Collection<T extends MgmtRecord> {
  private byId = new Map<string, T>();
  private byTenant = new Map<string, Set<string>>();
  private byServer = new Map<string, Set<string>>();
  private byKey = new Map<string, string>();
  private seq = 0;

  constructor(
    readonly idPrefix: string,
    private readonly naturalKey?: (r: T) => string,
  ) {}

  nextId(): string {
    return `${this.idPrefix}-${++this.seq}`;
  }

  get(id: string): T | undefined {
    return this.byId.get(id);
  }

  findByKey(key: string): T | undefined {
    const id = this.byKey.get(key);
    return id === undefined ? undefined : this.byId.get(id);
  }

  keyOf(r: T): string | undefined {
    return this.naturalKey?.(r);
  }

  /** Inserts; returns the existing record instead if the natural key is taken. */
  insert(r: T): { record: T; existed: boolean } {
    const key = this.naturalKey?.(r);
    if (key !== undefined) {
      const existing = this.findByKey(key);
      if (existing) return { record: existing, existed: true };
      this.byKey.set(key, r.id);
    }
    this.byId.set(r.id, r);
    this.index(r);
    return { record: r, existed: false };
  }

  /** Applies a change; reports the existing record instead if the new natural key is taken. */
  update(id: string, change: (r: T) => void): { record: T } | { conflict: T } | undefined {
    const r = this.byId.get(id);
    if (!r) return undefined;
    const draft = { ...r };
    change(draft);
    const oldKey = this.naturalKey?.(r);
    const newKey = this.naturalKey?.(draft);
    if (newKey !== undefined && newKey !== oldKey) {
      const other = this.findByKey(newKey);
      if (other && other.id !== id) return { conflict: other };
    }
    this.unindex(r);
    if (oldKey !== undefined) this.byKey.delete(oldKey);
    Object.assign(r, draft);
    if (newKey !== undefined) this.byKey.set(newKey, id);
    this.index(r);
    return { record: r };
  }

  delete(id: string): T | undefined {
    const r = this.byId.get(id);
    if (!r) return undefined;
    this.byId.delete(id);
    this.unindex(r);
    const key = this.naturalKey?.(r);
    if (key !== undefined) this.byKey.delete(key);
    return r;
  }

  list(filter: { tenant?: string | null; server?: string | null } = {}): T[] {
    let ids: Iterable<string>;
    if (filter.tenant && filter.server) ids = this.byServer.get(`${filter.tenant}|${filter.server}`) ?? [];
    else if (filter.tenant) ids = this.byTenant.get(filter.tenant) ?? [];
    else ids = this.byId.keys();
    const out: T[] = [];
    for (const id of ids) {
      const r = this.byId.get(id) as T;
      if (filter.server && r.server !== filter.server) continue;
      out.push(r);
    }
    return out;
  }

  get size(): number {
    return this.byId.size;
  }

  private index(r: T): void {
    const t = r.tenant ?? '';
    let s = this.byTenant.get(t);
    if (!s) this.byTenant.set(t, (s = new Set()));
    s.add(r.id);
    if (r.server) {
      const k = `${t}|${r.server}`;
      let v = this.byServer.get(k);
      if (!v) this.byServer.set(k, (v = new Set()));
      v.add(r.id);
    }
  }

  private unindex(r: T): void {
    const t = r.tenant ?? '';
    this.byTenant.get(t)?.delete(r.id);
    if (r.server) this.byServer.get(`${t}|${r.server}`)?.delete(r.id);
  }
}

export const vmKey = (tenant: string, name: string): string => `${tenant}|${name}`;
export const computeKey = (site: string, tenant: string, name: string): string => `${site}|${tenant}|${name}`;

export interface StoredReply {
  fingerprint: string;
  system: string;
  op: string;
  tenant: string | null;
  target: string | null;
  reply: Reply | null;
  pending: Promise<Reply | null> | null;
}

/** Everything `POST /_sim/reset` throws away. */
export class SimState {
  tenants = new Map<string, Tenant>();
  sites = new Map<string, Site>();
  /** Protected source machines by `tenant|name`. */
  vms = new Map<string, SourceVm>();
  vmsByTenant = new Map<string, string[]>();

  compute = {
    vms: new Map<string, ComputeVm>(),
    byName: new Map<string, string>(),
    seq: 0,
  };

  clm = {
    tasks: new Map<string, ClmTask>(),
    changes: new Map<string, ClmChangeRequest>(),
    containers: new Map<string, ClmContainer>(),
    containersByName: new Map<string, string>(),
    networkPaths: new Map<string, ClmNetworkPath>(),
    lbPools: new Map<string, ClmLoadBalancerPool>(),
    offeringInstances: new Map<string, ClmServiceOfferingInstance>(),
    organizations: new Map<string, ClmOrganization>(),
    approvalRequiredByDefault: false,
  };

  bna = {
    pools: new Map<string, IpPool>(),
    vlanPools: new Map<string, VlanPool>(),
    vlans: new Map<string, BnaVlan>(),
    vlansByName: new Map<string, string>(),
    jobs: new Map<number, BnaJob>(),
    jobSeq: 1000,
    vlanSeq: 0,
  };

  asa = {
    contexts: new Map<string, AsaContext>(),
  };

  inmage = {
    controlServers: new Map<string, ControlServer>(),
    controlServersByName: new Map<string, string>(),
    plans: new Map<string, ProtectionPlan>(),
    plansByName: new Map<string, string>(),
    pairs: new Map<string, Pair>(),
    servers: new Map<string, ProtectedServerState>(),
    jobs: new Map<string, InmageJob>(),
    drills: new Map<string, DrillSnapshot>(),
    /** The running job per `tenant|server` (one recovery/push at a time). */
    activeJobs: new Map<string, string>(),
  };

  mgmt = {
    agents: new Collection<MgmtRecord>('agent', (r) => `${r.tenant}|${r.server}|${r.agentType}`),
    serverMap: new Collection<MgmtRecord>('srvmap', (r) => `${r.customerId}|${r.serverIp}`),
    routing: new Collection<MgmtRecord>('route', (r) => `${r.customerId}|${r.eventId}|${r.eventSeverity}`),
    events: new Collection<MgmtRecord>('evt'),
    firewallRules: new Collection<MgmtRecord>('fwr', (r) => `${r.tenant}|${r.name}`),
    backupNodes: new Collection<MgmtRecord>('node', (r) => `${r.nodeName}`),
    /** Scheduled backups: one of a kind per node at a backup server (the day-one storage-pool backup after failover). */
    backupSchedules: new Collection<MgmtRecord>('bsched', (r) => `${r.node}|${r.backupServer}|${r.kind}`),
    patchAgents: new Collection<MgmtRecord>('patch', (r) => `${r.tenant}|${r.server}`),
    cis: new Collection<MgmtRecord>('ci', (r) => `${r.tenant}|${r.name}`),
    assets: new Collection<MgmtRecord>('asset', (r) => `${r.assetTag}`),
    resources: new Collection<MgmtRecord>('res', (r) => `${r.tenant}|${r.server}`),
    tickets: new Collection<MgmtRecord>('tkt'),
    discoveryRuns: new Collection<MgmtRecord>('disc'),
    dnsRecords: new Collection<MgmtRecord>('dns', (r) => `${r.zone}|${r.name}|${r.type}`),
    ldapEntries: new Collection<MgmtRecord>('ldap', (r) => `${r.dn}`),
    ldapClients: new Collection<MgmtRecord>('ldapc', (r) => `${r.tenant}|${r.server}`),
    /** Shared provider-side servers of each service (the DR site's monitoring server, TSM server...). */
    servers: new Collection<MgmtRecord>('msrv', (r) => `${r.service}|${r.name}`),
  };

  /** Idempotency-Key → stored response, scoped per system. */
  idempotency = new Map<string, StoredReply>();

  /** Counter behind generated ids (`pair-12`, `job-40`...). */
  seq = 0;
}

/** Idle timeout of every system's sessions, on the simulator clock (BNA advertises it at login). */
export const SESSION_IDLE_MS = 30 * 60_000;

/**
 * Session tokens of one system with idle expiry measured on the simulator clock, so `POST /_sim/clock`
 * can expire them: a token unused for longer than `idleMs` is gone; every authenticated call renews it.
 */
export class IdleSessions {
  private lastUsed = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    readonly idleMs = SESSION_IDLE_MS,
  ) {}

  /** Registers a fresh token (and forgets the expired ones, so abandoned sessions do not pile up). */
  open(token: string): void {
    const now = this.clock.now();
    for (const [t, at] of this.lastUsed) if (now - at > this.idleMs) this.lastUsed.delete(t);
    this.lastUsed.set(token, now);
  }

  /** True when the token is live, and renews it; an expired token is forgotten. */
  touch(token: string): boolean {
    const at = this.lastUsed.get(token);
    if (at === undefined) return false;
    const now = this.clock.now();
    if (now - at > this.idleMs) {
      this.lastUsed.delete(token);
      return false;
    }
    this.lastUsed.set(token, now);
    return true;
  }

  close(token: string): boolean {
    return this.lastUsed.delete(token);
  }
}

/**
 * Sessions survive `reset` so a client's cached tokens keep working across test cases, but not idleness:
 * every system's tokens expire after `SESSION_IDLE_MS` without use on the simulator clock.
 */
export class Sessions {
  readonly clm: IdleSessions;
  readonly bna: IdleSessions;
  readonly compute: IdleSessions;
  /** ASA token → context it was issued for and last use (idle expiry, `SESSION_IDLE_MS`). */
  readonly asa = new Map<string, { context: string; lastUsed: number; user: string }>();

  constructor(clock: Clock) {
    this.clm = new IdleSessions(clock);
    this.bna = new IdleSessions(clock);
    this.compute = new IdleSessions(clock);
  }
}

/**
 * `store`: the simulator keeps the first answer of every Idempotency-Key and replays it (a help the real
 * products do not give); `none`: keys are ignored as the real CLM, BNA, ASA, InMage and vCenter ignore them,
 * so a repeated call really runs again.
 */
export type IdempotencyMode = 'store' | 'none';

export interface SimOptions {
  timeScale: number;
  seed: number;
  requireIdempotencyKey: boolean;
  /** The mode the simulator starts in and `POST /_sim/reset` returns to. */
  idempotency: IdempotencyMode;
}

/** The services shared by every emulated system. */
export class Sim {
  readonly clock = new Clock();
  readonly scheduler = new Scheduler(this.clock);
  readonly log = new OpsLog();
  readonly faults: Faults;
  readonly latency: LatencyModel;
  readonly sessions = new Sessions(this.clock);
  state = new SimState();
  seed: number;
  /** Whether side effects are replayed by Idempotency-Key (see IdempotencyMode). */
  idempotency: IdempotencyMode;

  constructor(readonly options: SimOptions) {
    this.seed = options.seed;
    this.idempotency = options.idempotency;
    this.faults = new Faults(new Random(options.seed ^ 0x5eed));
    this.latency = new LatencyModel(options.timeScale);
  }

  reset(): void {
    this.state = new SimState();
    this.scheduler.clear();
    this.log.clear();
    this.faults.clear();
    this.faults.reseed(new Random(this.seed ^ 0x5eed));
    this.latency.resetOverrides();
    this.latency.timeScale = this.options.timeScale;
    this.idempotency = this.options.idempotency;
  }

  /** Switches the idempotency mode; stored answers are forgotten, so a later `store` starts empty. */
  setIdempotency(mode: IdempotencyMode): void {
    this.idempotency = mode;
    this.state.idempotency.clear();
  }

  /** Simulator time at which a job for `<system>.<op>` started now completes. */
  dueIn(key: string): number {
    return this.clock.now() + this.latency.scaledMs(key);
  }

  nextId(prefix: string): string {
    return `${prefix}-${++this.state.seq}`;
  }
}
