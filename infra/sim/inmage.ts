import {
  SimError,
  accepted,
  alreadyExists,
  asObject,
  badRequest,
  basicAuth,
  bool,
  created,
  jsonErrorStyle,
  noContent,
  notFound,
  num,
  ok,
  read,
  refused,
  str,
  strArray,
  type Req,
  type SystemDef,
} from './http';
import { createVm, findVm, parseNics, powerOn, removeVm } from './compute';
import {
  vmKey,
  type ComputeVm,
  type ControlServer,
  type DrillSnapshot,
  type InmageJob,
  type Nic,
  type Pair,
  type ProtectedServerState,
  type ProtectionPlan,
  type RecoveryPointResolved,
  type Sim,
  type SourceVm,
} from './state';

/**
 * InMage ScoutCloud CX, `/inmage/api/v1`.
 *
 * DESIGN ASSUMPTION: InMage publishes no CX API reference (its CX speaks an undocumented XML-over-HTTP
 * protocol), so this JSON REST API is ours. Its model follows the product's documented concepts (Cisco
 * DRaaS guide; Azure Site Recovery's InMage provider fields): control servers (CX configuration server,
 * process servers, master targets), protection plans (V2V/P2V) of source servers, one pair per protected
 * volume moving through Resyncing (Step I) → Resyncing (Step II) → Differential Sync, per-pair RPO lag,
 * application and file-system consistency tags on a retention window, readiness checks, recovery to a
 * tag or a time (Latest Tag, Latest Time, Tag at Specified Time, Specific Time) with new IPs and optional
 * power-on, DR-drill snapshots, failback protection and resume protection.
 *
 * Limits (Cisco DRaaS guide): a master target serves one protection plan and at most 40 VMDKs when DR
 * drills are used (57 without); a process server carries at most 1 TB/day of change rate; a DR site has a
 * fixed number of master-target slots. Refusals are 422 with codes MT_ALREADY_HAS_PLAN, MT_VMDK_LIMIT,
 * PS_CHANGE_RATE_LIMIT, MT_SLOTS_EXHAUSTED. Auth: HTTP Basic on every call. Errors `{ error: { code,
 * message } }`. Recoveries, drill snapshots and agent pushes are jobs (202 + Location of `/jobs/{id}`).
 *
 * Time: resync phases last `inmage.resyncStep1` / `inmage.resyncStep2` × timeScale on the simulator
 * clock. Tags, retention windows and RPO lag are properties of the replicated data, in real-world
 * units on the simulator clock (not scaled): use `POST /_sim/clock` to move them.
 */

export const MT_MAX_VMDKS_WITH_DRILLS = 40;
export const MT_MAX_VMDKS_WITHOUT_DRILLS = 57;
export const PS_MAX_CHANGE_RATE_GB_PER_DAY = 1024;

const STEP1 = 'Resyncing (Step I)';
const STEP2 = 'Resyncing (Step II)';
const DIFF = 'Differential Sync';
const STAGE_ORDER = [STEP1, STEP2, DIFF];

// ---- control servers ----

export function registerControlServer(
  sim: Sim,
  spec: { tenant: string; role: ControlServer['role']; name: string; site: string; ip?: string; os?: string; drillsEnabled?: boolean },
): ControlServer {
  const im = sim.state.inmage;
  const key = vmKey(spec.tenant, spec.name);
  const existingId = im.controlServersByName.get(key);
  if (existingId) throw alreadyExists(`control server ${spec.name} already registered`, { controlServer: im.controlServers.get(existingId) });
  if (!['cx', 'ps', 'mt'].includes(spec.role)) throw badRequest('role must be cx, ps or mt', 'role');
  const site = sim.state.sites.get(spec.site);
  if (!site) throw notFound(`site ${spec.site}`);
  if (spec.role === 'mt' && site.capacity && site.used.masterTargets >= site.capacity.masterTargetSlots) {
    throw refused('MT_SLOTS_EXHAUSTED', `site ${site.id} has no free master-target slot (${site.capacity.masterTargetSlots} in use)`);
  }
  const n = ++sim.state.seq;
  const cs: ControlServer = {
    id: `${spec.role}-${n}`,
    tenant: spec.tenant,
    role: spec.role,
    name: spec.name,
    site: spec.site,
    ip: spec.ip ?? `10.250.${Math.floor(n / 250) % 250}.${(n % 250) + 2}`,
    os: spec.os ?? (spec.role === 'mt' ? 'Windows Server 2008 R2' : 'CentOS 6.4'),
    drillsEnabled: spec.role === 'mt' ? spec.drillsEnabled ?? true : false,
    planId: null,
    vmdks: 0,
    changeRateGbPerDay: 0,
    createdAt: sim.clock.iso(),
  };
  im.controlServers.set(cs.id, cs);
  im.controlServersByName.set(key, cs.id);
  if (cs.role === 'mt') site.used.masterTargets++;
  return cs;
}

export function deregisterControlServer(sim: Sim, cs: ControlServer): void {
  if (cs.planId) throw refused('CONTROL_SERVER_IN_USE', `${cs.name} still serves protection plan ${cs.planId}`);
  if (cs.role === 'ps') {
    for (const p of sim.state.inmage.plans.values()) {
      if (p.processServerId === cs.id) throw refused('CONTROL_SERVER_IN_USE', `${cs.name} still serves protection plan ${p.id}`);
    }
  }
  sim.state.inmage.controlServers.delete(cs.id);
  sim.state.inmage.controlServersByName.delete(vmKey(cs.tenant, cs.name));
  const site = sim.state.sites.get(cs.site);
  if (cs.role === 'mt' && site) site.used.masterTargets--;
}

function controlServerView(cs: ControlServer): Record<string, unknown> {
  const base = { ...cs };
  if (cs.role === 'mt') {
    const max = cs.drillsEnabled ? MT_MAX_VMDKS_WITH_DRILLS : MT_MAX_VMDKS_WITHOUT_DRILLS;
    return { ...base, maxVmdks: max, freeVmdks: max - cs.vmdks };
  }
  if (cs.role === 'ps') {
    return { ...base, maxChangeRateGbPerDay: PS_MAX_CHANGE_RATE_GB_PER_DAY, freeChangeRateGbPerDay: PS_MAX_CHANGE_RATE_GB_PER_DAY - cs.changeRateGbPerDay };
  }
  return base;
}

// ---- pairs and their progression ----

export function serverState(sim: Sim, tenant: string, name: string): ProtectedServerState {
  const key = vmKey(tenant, name);
  let s = sim.state.inmage.servers.get(key);
  if (!s) {
    s = { tenant, name, forwardPlanId: null, failbackPlanId: null, pairIds: [], failbackPairIds: [], userTags: [], recovered: null };
    sim.state.inmage.servers.set(key, s);
  }
  return s;
}

interface PairStatus {
  state: string;
  resyncProgressPercentage: number | null;
  differentialSyncSince: number | null;
  rpoSeconds: number | null;
}

export function pairStatus(sim: Sim, pair: Pair): PairStatus {
  const now = sim.clock.now();
  if (pair.fixedState) return { state: pair.fixedState, resyncProgressPercentage: null, differentialSyncSince: null, rpoSeconds: null };
  const elapsed = now - pair.resyncStartedAt;
  const sinceStart = Math.round(elapsed / 1000);
  if (pair.stuck) return { state: STEP1, resyncProgressPercentage: 0, differentialSyncSince: null, rpoSeconds: sinceStart };
  if (elapsed < pair.step1Ms) {
    return { state: STEP1, resyncProgressPercentage: round2((elapsed / pair.step1Ms) * 100), differentialSyncSince: null, rpoSeconds: sinceStart };
  }
  if (elapsed < pair.step1Ms + pair.step2Ms) {
    return {
      state: STEP2,
      resyncProgressPercentage: round2(((elapsed - pair.step1Ms) / pair.step2Ms) * 100),
      differentialSyncSince: null,
      rpoSeconds: sinceStart,
    };
  }
  const since = pair.resyncStartedAt + pair.step1Ms + pair.step2Ms;
  const frozenLag = pair.frozenAt !== null ? Math.max(0, (now - pair.frozenAt) / 1000) : 0;
  return { state: DIFF, resyncProgressPercentage: null, differentialSyncSince: since, rpoSeconds: Math.round(pair.lagSeconds + frozenLag) };
}

/** The recoverable span of one volume: [window start, latest consistent data]. */
function volumeWindow(sim: Sim, pair: Pair, plan: ProtectionPlan): { start: number; end: number } | null {
  const st = pairStatus(sim, pair);
  if (st.state !== DIFF || st.differentialSyncSince === null) return null;
  const now = sim.clock.now();
  const head = pair.frozenAt ?? now;
  const end = Math.max(st.differentialSyncSince, head - replicationLagMs(sim, pair));
  const start = Math.max(st.differentialSyncSince, head - plan.retentionHours * 3_600_000);
  return { start, end: Math.max(start, end) };
}

function pairView(sim: Sim, pair: Pair): Record<string, unknown> {
  const st = pairStatus(sim, pair);
  const plan = sim.state.inmage.plans.get(pair.planId);
  const w = plan ? volumeWindow(sim, pair, plan) : null;
  return {
    id: pair.id,
    tenant: pair.tenant,
    server: pair.server,
    planId: pair.planId,
    direction: pair.direction,
    sourceVolume: pair.volume,
    diskName: pair.diskName,
    sizeGb: pair.sizeGb,
    targetVolume: pair.targetVolume,
    state: st.state,
    resyncRequired: st.state === STEP1 || st.state === STEP2,
    resyncProgressPercentage: st.resyncProgressPercentage,
    resyncStartTime: iso(pair.resyncStartedAt),
    differentialSyncSince: st.differentialSyncSince === null ? null : iso(st.differentialSyncSince),
    rpoSeconds: st.rpoSeconds,
    retentionWindowStart: w ? iso(w.start) : null,
    retentionWindowEnd: w ? iso(w.end) : null,
  };
}

function worstStage(states: string[]): string | null {
  if (states.length === 0) return null;
  let worst = states[0];
  for (const s of states) {
    const a = STAGE_ORDER.indexOf(s);
    const b = STAGE_ORDER.indexOf(worst);
    if (a !== -1 && (b === -1 || a < b)) worst = s;
  }
  return worst;
}

function protectionSummary(sim: Sim, pairIds: string[]): Record<string, unknown> | null {
  if (pairIds.length === 0) return null;
  const pairs = pairIds.map((id) => sim.state.inmage.pairs.get(id)).filter((p): p is Pair => p !== undefined);
  const statuses = pairs.map((p) => pairStatus(sim, p));
  const rpos = statuses.map((s) => s.rpoSeconds).filter((x): x is number => x !== null);
  const progress = statuses.map((s) => s.resyncProgressPercentage).filter((x): x is number => x !== null);
  return {
    planId: pairs[0]?.planId ?? null,
    state: worstStage(statuses.map((s) => s.state)),
    rpoSeconds: rpos.length ? Math.max(...rpos) : null,
    resyncProgressPercentage: progress.length ? Math.min(...progress) : null,
    pairs: pairs.map((p) => pairView(sim, p)),
  };
}

function serverView(sim: Sim, vm: SourceVm): Record<string, unknown> {
  const s = sim.state.inmage.servers.get(vmKey(vm.tenant, vm.name));
  return {
    tenant: vm.tenant,
    name: vm.name,
    hostname: vm.hostname,
    ip: vm.ip,
    os: vm.os,
    machineType: vm.physical ? 'PhysicalMachine' : 'VirtualMachine',
    disks: vm.disks,
    changeRateGbPerDay: vm.changeRateGbPerDay,
    agentInstalled: vm.agentInstalled,
    protection: s ? protectionSummary(sim, s.pairIds) : null,
    failbackProtection: s ? protectionSummary(sim, s.failbackPairIds) : null,
    recovered: s?.recovered ?? null,
  };
}

// ---- consistency tags and recovery points ----

const TAG_PREFIX: Record<string, string> = { application: 'APP', filesystem: 'FS' };

function tagName(type: 'application' | 'filesystem', t: number): string {
  return `${TAG_PREFIX[type]}-${new Date(t).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`;
}

function parseTagName(name: string): { type: 'application' | 'filesystem'; time: number } | null {
  const m = /^(APP|FS)-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(name);
  if (!m) return null;
  const time = Date.UTC(+m[2], +m[3] - 1, +m[4], +m[5], +m[6], +m[7]);
  return { type: m[1] === 'APP' ? 'application' : 'filesystem', time };
}

interface Span {
  start: number;
  end: number;
  plan: ProtectionPlan;
  server: ProtectedServerState;
  pairs: Pair[];
}

/** The span common to every volume of a server, or a 422 naming why there is none. */
function commonSpan(sim: Sim, server: ProtectedServerState, direction: 'forward' | 'failback'): Span {
  const planId = direction === 'forward' ? server.forwardPlanId : server.failbackPlanId;
  const plan = planId ? sim.state.inmage.plans.get(planId) : undefined;
  const pairIds = direction === 'forward' ? server.pairIds : server.failbackPairIds;
  if (!plan || pairIds.length === 0) {
    throw refused('NOT_PROTECTED', `${server.name} has no ${direction === 'forward' ? 'protection' : 'failback protection'} plan`);
  }
  const pairs = pairIds.map((id) => sim.state.inmage.pairs.get(id) as Pair);
  let start = -Infinity;
  let end = Infinity;
  for (const p of pairs) {
    const w = volumeWindow(sim, p, plan);
    if (!w) {
      throw refused('NOT_IN_DIFFERENTIAL_SYNC', `volume ${p.volume} of ${server.name} is in ${pairStatus(sim, p).state}, not ${DIFF}`);
    }
    start = Math.max(start, w.start);
    end = Math.min(end, w.end);
  }
  if (start > end) throw refused('NO_COMMON_RECOVERY_POINT', `the volumes of ${server.name} share no point in their retention windows`);
  return { start, end, plan, server, pairs };
}

function tagsIn(span: Span, type: 'application' | 'filesystem', from: number, to: number, limit: number): { name: string; type: string; time: string }[] {
  const interval = (type === 'application' ? span.plan.appTagIntervalMin : span.plan.fsTagIntervalMin) * 60_000;
  const out: { name: string; type: string; time: string }[] = [];
  for (let t = Math.floor(to / interval) * interval; t >= from && out.length < limit; t -= interval) {
    out.push({ name: tagName(type, t), type, time: iso(t) });
  }
  return out;
}

function resolvePoint(sim: Sim, span: Span, raw: unknown): RecoveryPointResolved {
  const rp = raw === undefined ? { type: 'latestTag' } : asObject(raw, 'recoveryPoint');
  const type = str(rp, 'type') ?? 'latestTag';
  const tagType = (str(rp, 'tagType') ?? 'application') as 'application' | 'filesystem';
  if (!['application', 'filesystem'].includes(tagType)) throw badRequest('recoveryPoint.tagType must be application or filesystem', 'tagType');
  const timeArg = (): number => {
    const t = str(rp, 'time', true);
    const ms = Date.parse(t);
    if (Number.isNaN(ms)) throw badRequest('recoveryPoint.time must be an ISO-8601 time', 'time');
    return ms;
  };
  const latestTagUpTo = (limit: number): RecoveryPointResolved => {
    const generated = tagsIn(span, tagType, span.start, Math.min(limit, span.end), 1)[0];
    const user = span.server.userTags.filter((u) => u.time >= span.start && u.time <= Math.min(limit, span.end)).sort((a, b) => b.time - a.time)[0];
    if (user && (!generated || user.time > Date.parse(generated.time))) {
      return { type, time: iso(user.time), tag: user.name, tagType: 'user' };
    }
    if (!generated) throw refused('NO_TAG_IN_WINDOW', `no ${tagType} tag common to all volumes of ${span.server.name} in the retention window`);
    return { type, time: generated.time, tag: generated.name, tagType };
  };
  switch (type) {
    case 'latestTag':
      return latestTagUpTo(span.end);
    case 'latestTime':
      return { type, time: iso(span.end), tag: null, tagType: null };
    case 'tagBefore':
      return latestTagUpTo(timeArg());
    case 'specificTime': {
      const t = timeArg();
      if (t < span.start || t > span.end) {
        throw refused('OUTSIDE_RETENTION_WINDOW', `${iso(t)} is outside the common retention window ${iso(span.start)} … ${iso(span.end)}`);
      }
      return { type, time: iso(t), tag: null, tagType: null };
    }
    case 'tag': {
      const name = str(rp, 'tag', true);
      const user = span.server.userTags.find((u) => u.name === name);
      const parsed = parseTagName(name);
      const time = user?.time ?? parsed?.time;
      const interval = parsed ? (parsed.type === 'application' ? span.plan.appTagIntervalMin : span.plan.fsTagIntervalMin) * 60_000 : 0;
      if (time === undefined || (!user && time % interval !== 0)) throw refused('TAG_NOT_FOUND', `tag ${name} does not exist for ${span.server.name}`);
      if (time < span.start || time > span.end) throw refused('OUTSIDE_RETENTION_WINDOW', `tag ${name} is no longer (or not yet) in the retention window`);
      return { type, time: iso(time), tag: name, tagType: user ? 'user' : parsed?.type ?? null };
    }
    default:
      throw badRequest('recoveryPoint.type must be latestTag, latestTime, tagBefore, specificTime or tag', 'type');
  }
}

// ---- protection plans ----

export interface PlanSpec {
  tenant: string;
  name: string;
  type: 'V2V' | 'P2V';
  direction: 'forward' | 'failback';
  masterTargetId: string;
  processServerId: string;
  servers: string[];
  drillsEnabled?: boolean;
  retentionHours?: number;
  appTagIntervalMin?: number;
  fsTagIntervalMin?: number;
  stuck?: boolean;
  /** Seeding only: start replication this long ago so the pairs are in Differential Sync with a full window. */
  backdateMs?: number;
}

export function createPlan(sim: Sim, spec: PlanSpec): ProtectionPlan {
  const im = sim.state.inmage;
  const tenant = sim.state.tenants.get(spec.tenant);
  if (!tenant) throw notFound(`tenant ${spec.tenant}`);
  const existing = im.plansByName.get(vmKey(spec.tenant, spec.name));
  if (existing) throw alreadyExists(`protection plan ${spec.name} already exists`, { plan: im.plans.get(existing) });
  const mt = im.controlServers.get(spec.masterTargetId);
  if (!mt || mt.role !== 'mt' || mt.tenant !== spec.tenant) throw refused('UNKNOWN_MASTER_TARGET', `${spec.masterTargetId} is not a master target of ${spec.tenant}`);
  const ps = im.controlServers.get(spec.processServerId);
  if (!ps || ps.role !== 'ps' || ps.tenant !== spec.tenant) throw refused('UNKNOWN_PROCESS_SERVER', `${spec.processServerId} is not a process server of ${spec.tenant}`);
  if (mt.planId) throw refused('MT_ALREADY_HAS_PLAN', `master target ${mt.name} already serves plan ${mt.planId}; one protection plan per master target`);
  if (spec.servers.length === 0) throw badRequest('servers must name at least one source server', 'servers');
  const targetSite = spec.direction === 'forward' ? tenant.drSite : tenant.primarySite;
  const sourceSite = spec.direction === 'forward' ? tenant.primarySite : tenant.drSite;
  if (mt.site !== targetSite) throw refused('MT_WRONG_SITE', `master target ${mt.name} is at ${mt.site}, the plan replicates to ${targetSite}`);
  const drills = spec.drillsEnabled ?? mt.drillsEnabled;
  const seen = new Set<string>();
  let vmdks = 0;
  let changeRate = 0;
  const vms: SourceVm[] = [];
  for (const name of spec.servers) {
    if (seen.has(name)) throw badRequest(`server ${name} is listed twice`, 'servers');
    seen.add(name);
    const vm = sim.state.vms.get(vmKey(spec.tenant, name));
    if (!vm) throw notFound(`source server ${name}`);
    const s = sim.state.inmage.servers.get(vmKey(spec.tenant, name));
    if (spec.direction === 'forward') {
      if (!vm.agentInstalled) throw refused('AGENT_NOT_INSTALLED', `the Scout agent is not installed on ${name}`);
      if (s?.forwardPlanId) throw refused('SERVER_ALREADY_PROTECTED', `${name} is already protected by plan ${s.forwardPlanId}`);
    } else {
      if (!s?.recovered) throw refused('NOT_RECOVERED', `${name} has not been recovered at the DR site; nothing to fail back`);
      if (s.failbackPlanId) throw refused('SERVER_ALREADY_PROTECTED', `${name} already has failback plan ${s.failbackPlanId}`);
    }
    vmdks += vm.disks.length;
    changeRate += vm.changeRateGbPerDay;
    vms.push(vm);
  }
  const maxVmdks = drills ? MT_MAX_VMDKS_WITH_DRILLS : MT_MAX_VMDKS_WITHOUT_DRILLS;
  if (mt.vmdks + vmdks > maxVmdks) {
    throw refused(
      'MT_VMDK_LIMIT',
      `master target ${mt.name} would hold ${mt.vmdks + vmdks} VMDKs; at most ${maxVmdks} ${drills ? 'with' : 'without'} DR drills`,
      { maxVmdks, requested: vmdks, inUse: mt.vmdks },
    );
  }
  if (ps.changeRateGbPerDay + changeRate > PS_MAX_CHANGE_RATE_GB_PER_DAY) {
    throw refused(
      'PS_CHANGE_RATE_LIMIT',
      `process server ${ps.name} would carry ${round2(ps.changeRateGbPerDay + changeRate)} GB/day; at most ${PS_MAX_CHANGE_RATE_GB_PER_DAY} GB/day (1 TB)`,
      { maxGbPerDay: PS_MAX_CHANGE_RATE_GB_PER_DAY, requested: changeRate, inUse: ps.changeRateGbPerDay },
    );
  }
  const plan: ProtectionPlan = {
    id: sim.nextId('plan'),
    tenant: spec.tenant,
    name: spec.name,
    type: spec.type,
    direction: spec.direction,
    masterTargetId: mt.id,
    processServerId: ps.id,
    sourceSite,
    targetSite,
    drillsEnabled: drills,
    retentionHours: spec.retentionHours ?? 24,
    appTagIntervalMin: spec.appTagIntervalMin ?? 15,
    fsTagIntervalMin: spec.fsTagIntervalMin ?? 5,
    servers: [...spec.servers],
    createdAt: sim.clock.iso(),
  };
  im.plans.set(plan.id, plan);
  im.plansByName.set(vmKey(spec.tenant, spec.name), plan.id);
  mt.planId = plan.id;
  mt.vmdks += vmdks;
  ps.changeRateGbPerDay = round2(ps.changeRateGbPerDay + changeRate);
  const start = sim.clock.now() - (spec.backdateMs ?? 0);
  for (const vm of vms) {
    const s = serverState(sim, spec.tenant, vm.name);
    if (spec.direction === 'forward') s.forwardPlanId = plan.id;
    else s.failbackPlanId = plan.id;
    const ids = vm.disks.map((d, i) => {
      const pair: Pair = {
        id: sim.nextId('pair'),
        tenant: spec.tenant,
        server: vm.name,
        planId: plan.id,
        direction: spec.direction,
        volume: d.volume,
        diskName: d.name,
        sizeGb: d.sizeGb,
        targetVolume: `${mt.name}:\\ESX\\${vm.name}\\disk${i}`,
        resyncStartedAt: start,
        step1Ms: sim.latency.scaledMs('inmage.resyncStep1'),
        step2Ms: sim.latency.scaledMs('inmage.resyncStep2'),
        stuck: spec.stuck === true,
        lagSeconds: lagFor(vm.name, i),
        fixedState: null,
        frozenAt: null,
      };
      sim.state.inmage.pairs.set(pair.id, pair);
      return pair.id;
    });
    if (spec.direction === 'forward') s.pairIds = ids;
    else s.failbackPairIds = ids;
  }
  return plan;
}

/** A stable per-volume RPO lag between 15 s and 3 min (real-world seconds), derived from the name. */
/** The longest replication lag of a pair, in real-world seconds (the latency model's `inmage.replicationLag`). */
const MAX_LAG_SECONDS = 180;

/** How far the pair's replicated head trails the source, on the simulator clock. */
function replicationLagMs(sim: Sim, pair: Pair): number {
  return (pair.lagSeconds / MAX_LAG_SECONDS) * sim.latency.scaledMs('inmage.replicationLag');
}

function lagFor(name: string, volume: number): number {
  let h = 7;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  return 15 + ((h + volume * 37) % (MAX_LAG_SECONDS - 14));
}

export function deletePlan(sim: Sim, plan: ProtectionPlan): void {
  const im = sim.state.inmage;
  const mt = im.controlServers.get(plan.masterTargetId);
  const ps = im.controlServers.get(plan.processServerId);
  let vmdks = 0;
  let changeRate = 0;
  for (const name of plan.servers) {
    const s = im.servers.get(vmKey(plan.tenant, name));
    const vm = sim.state.vms.get(vmKey(plan.tenant, name));
    if (vm) {
      vmdks += vm.disks.length;
      changeRate += vm.changeRateGbPerDay;
    }
    if (!s) continue;
    if (plan.direction === 'forward' && s.forwardPlanId === plan.id) {
      for (const id of s.pairIds) im.pairs.delete(id);
      s.pairIds = [];
      s.forwardPlanId = null;
    } else if (plan.direction === 'failback' && s.failbackPlanId === plan.id) {
      for (const id of s.failbackPairIds) im.pairs.delete(id);
      s.failbackPairIds = [];
      s.failbackPlanId = null;
    }
  }
  if (mt && mt.planId === plan.id) {
    mt.planId = null;
    mt.vmdks = Math.max(0, mt.vmdks - vmdks);
  }
  if (ps) ps.changeRateGbPerDay = Math.max(0, round2(ps.changeRateGbPerDay - changeRate));
  im.plans.delete(plan.id);
  im.plansByName.delete(vmKey(plan.tenant, plan.name));
}

function planView(sim: Sim, plan: ProtectionPlan): Record<string, unknown> {
  const states: Record<string, number> = {};
  for (const name of plan.servers) {
    const s = sim.state.inmage.servers.get(vmKey(plan.tenant, name));
    const ids = plan.direction === 'forward' ? s?.pairIds : s?.failbackPairIds;
    for (const id of ids ?? []) {
      const p = sim.state.inmage.pairs.get(id);
      if (p && p.planId === plan.id) {
        const st = pairStatus(sim, p).state;
        states[st] = (states[st] ?? 0) + 1;
      }
    }
  }
  return { ...plan, pairStates: states };
}

/** Marks replication from a failed site as stopped (or resumed) so tags and latest time stop advancing. */
export function setSourceSiteDown(sim: Sim, site: string, down: boolean): void {
  const now = sim.clock.now();
  for (const pair of sim.state.inmage.pairs.values()) {
    const plan = sim.state.inmage.plans.get(pair.planId);
    if (!plan || plan.sourceSite !== site || pair.fixedState) continue;
    pair.frozenAt = down ? pair.frozenAt ?? now : null;
  }
}

/**
 * A test's hand on one VM's forward replication (`POST /_sim/tenants/{tenant}/vms/{vm}/replication/...`):
 * `freeze` stops its pairs delivering (lag grows from `sinceSeconds` ago on the simulator clock, tags stop),
 * `resync` sends them back to Resyncing (Step I) and holds them there, `resume` lets them run again (a frozen
 * pair's lag drops back to its own; a held resync starts over through its stages). Answers the pairs touched.
 */
export function holdReplication(sim: Sim, tenant: string, server: string, action: 'freeze' | 'resync' | 'resume', sinceSeconds = 0): Pair[] {
  const s = sim.state.inmage.servers.get(vmKey(tenant, server));
  const pairs = (s?.pairIds ?? []).map((id) => sim.state.inmage.pairs.get(id)).filter((p): p is Pair => p !== undefined && p.fixedState === null);
  if (pairs.length === 0) throw refused('NOT_PROTECTED', `${server} has no forward replication to hold`);
  const now = sim.clock.now();
  for (const p of pairs) {
    if (action === 'freeze') p.frozenAt = p.frozenAt ?? now - sinceSeconds * 1000;
    if (action === 'resync') {
      p.resyncStartedAt = now;
      p.stuck = true;
      p.frozenAt = null;
    }
    if (action === 'resume') {
      if (p.stuck) p.resyncStartedAt = now;
      p.stuck = false;
      p.frozenAt = null;
    }
  }
  return pairs;
}

// ---- jobs ----

function jobView(job: InmageJob): Record<string, unknown> {
  return { ...job, createdAt: iso(job.createdAt), dueAt: job.dueAt === null ? null : iso(job.dueAt), completedAt: job.completedAt === null ? null : iso(job.completedAt) };
}

function startJob(
  sim: Sim,
  type: InmageJob['type'],
  tenant: string,
  server: string | null,
  stuck: boolean,
  complete: (job: InmageJob) => void,
): InmageJob {
  const job: InmageJob = {
    id: sim.nextId('job'),
    type,
    tenant,
    server,
    state: 'Running',
    createdAt: sim.clock.now(),
    dueAt: stuck ? null : sim.dueIn(`inmage.${type}`),
    completedAt: null,
    stuck,
    result: null,
    error: null,
  };
  sim.state.inmage.jobs.set(job.id, job);
  const state = sim.state;
  if (job.dueAt !== null) {
    sim.scheduler.at(job.dueAt, () => {
      if (sim.state !== state || job.state !== 'Running') return;
      job.completedAt = job.dueAt;
      try {
        complete(job);
        job.state = 'Completed';
      } catch (err) {
        job.state = 'Failed';
        job.error = err instanceof SimError ? { code: err.code, message: err.message } : { code: 'INTERNAL', message: String(err) };
      }
    });
  }
  return job;
}

// ---- the HTTP surface ----

export function inmageSystem(sim: Sim): SystemDef {
  const im = (): Sim['state']['inmage'] => sim.state.inmage;
  const tenantOf = (req: Req): string => {
    if (!sim.state.tenants.has(req.params.tenant)) throw notFound(`tenant ${req.params.tenant}`);
    return req.params.tenant;
  };
  const sourceVm = (req: Req): SourceVm => {
    const vm = sim.state.vms.get(vmKey(tenantOf(req), req.params.name));
    if (!vm) throw notFound(`source server ${req.params.name}`);
    return vm;
  };
  const jobReply = (req: Req, job: InmageJob, extra: Record<string, unknown> = {}) =>
    accepted({ job: jobView(job), ...extra }, { Location: `${req.base}/api/v1/jobs/${job.id}` });
  const nicsFrom = (body: Record<string, unknown>, vm: SourceVm): Nic[] | null =>
    body.nics === undefined ? null : parseNics(body.nics, vm.nics);
  const busy = (tenant: string, server: string): InmageJob | undefined => {
    const id = im().activeJobs.get(vmKey(tenant, server));
    const job = id ? im().jobs.get(id) : undefined;
    return job && job.state === 'Running' ? job : undefined;
  };

  const v1 = '/api/v1';
  return {
    system: 'inmage',
    mount: '/inmage',
    errorStyle: jsonErrorStyle,
    authenticate(req) {
      if (!basicAuth(req.headers)) throw new SimError(401, 'UNAUTHORIZED', 'HTTP Basic credentials required');
    },
    routes: [
      {
        method: 'GET',
        path: `${v1}/tenants/:tenant/control-servers`,
        op: 'listControlServers',
        handle: (req) =>
          read(() => {
            const t = tenantOf(req);
            const role = req.query.get('role');
            const items = [...im().controlServers.values()].filter((c) => c.tenant === t && (!role || c.role === role));
            return ok({ items: items.map(controlServerView) });
          }),
      },
      {
        method: 'POST',
        path: `${v1}/tenants/:tenant/control-servers`,
        op: 'registerControlServer',
        effect: true,
        handle: (req) => {
          const tenant = tenantOf(req);
          const body = asObject(req.body);
          const name = str(body, 'name', true);
          return {
            tenant,
            target: name,
            run: () => {
              const t = sim.state.tenants.get(tenant);
              const role = str(body, 'role', true) as ControlServer['role'];
              const cs = registerControlServer(sim, {
                tenant,
                role,
                name,
                site: str(body, 'site') ?? (role === 'mt' ? t?.drSite ?? '' : role === 'ps' ? t?.primarySite ?? '' : t?.drSite ?? ''),
                ip: str(body, 'ip'),
                os: str(body, 'os'),
                drillsEnabled: bool(body, 'drillsEnabled', true),
              });
              return created(controlServerView(cs), { Location: `${req.base}${v1}/tenants/${tenant}/control-servers/${cs.id}` });
            },
          };
        },
      },
      {
        method: 'GET',
        path: `${v1}/tenants/:tenant/control-servers/:id`,
        op: 'getControlServer',
        handle: (req) =>
          read(() => {
            const cs = im().controlServers.get(req.params.id);
            if (!cs || cs.tenant !== tenantOf(req)) throw notFound(`control server ${req.params.id}`);
            return ok(controlServerView(cs));
          }, req.params.id),
      },
      {
        method: 'DELETE',
        path: `${v1}/tenants/:tenant/control-servers/:id`,
        op: 'deregisterControlServer',
        effect: true,
        handle: (req) => {
          const tenant = tenantOf(req);
          const cs = im().controlServers.get(req.params.id);
          if (!cs || cs.tenant !== tenant) throw notFound(`control server ${req.params.id}`);
          return {
            tenant,
            target: cs.name,
            run: () => {
              deregisterControlServer(sim, cs);
              return noContent();
            },
          };
        },
      },
      {
        method: 'GET',
        path: `${v1}/tenants/:tenant/servers`,
        op: 'listServers',
        handle: (req) =>
          read(() => {
            const t = tenantOf(req);
            const names = sim.state.vmsByTenant.get(t) ?? [];
            return ok({ items: names.map((n) => serverView(sim, sim.state.vms.get(vmKey(t, n)) as SourceVm)) });
          }),
      },
      {
        method: 'GET',
        path: `${v1}/tenants/:tenant/servers/:name`,
        op: 'getServer',
        handle: (req) => read(() => ok(serverView(sim, sourceVm(req))), req.params.name, req.params.tenant),
      },
      {
        method: 'POST',
        path: `${v1}/tenants/:tenant/servers/:name/agent`,
        op: 'pushAgent',
        effect: true,
        handle: (req) => {
          const vm = sourceVm(req);
          return {
            tenant: vm.tenant,
            target: vm.name,
            jobs: true,
            run: ({ stuck }) => {
              if (vm.agentInstalled) throw alreadyExists(`the Scout agent is already installed on ${vm.name}`);
              const running = busy(vm.tenant, vm.name);
              if (running?.type === 'pushAgent') throw alreadyExists(`an agent push to ${vm.name} is running`, { job: jobView(running) });
              const job = startJob(sim, 'pushAgent', vm.tenant, vm.name, stuck, (j) => {
                vm.agentInstalled = true;
                j.result = { agentInstalled: true };
              });
              im().activeJobs.set(vmKey(vm.tenant, vm.name), job.id);
              return jobReply(req, job);
            },
          };
        },
      },
      {
        // Uninstall (a push undone): a push still running is cancelled; a server still replicating refuses.
        method: 'DELETE',
        path: `${v1}/tenants/:tenant/servers/:name/agent`,
        op: 'uninstallAgent',
        effect: true,
        handle: (req) => {
          const vm = sourceVm(req);
          return {
            tenant: vm.tenant,
            target: vm.name,
            run: () => {
              for (const p of im().pairs.values()) {
                if (p.tenant === vm.tenant && p.server === vm.name) throw refused('SERVER_PROTECTED', `${vm.name} still replicates; remove its protection plan first`);
              }
              const running = busy(vm.tenant, vm.name);
              if (running?.type === 'pushAgent') {
                running.state = 'Failed';
                running.completedAt = sim.clock.now();
                running.error = { code: 'CANCELLED', message: `agent push to ${vm.name} cancelled by an uninstall` };
              } else if (!vm.agentInstalled) throw notFound(`the Scout agent on ${vm.name}`);
              vm.agentInstalled = false;
              // With its agent gone the CX forgets a server it no longer protects or recovered.
              const known = im().servers.get(vmKey(vm.tenant, vm.name));
              if (known && !known.forwardPlanId && !known.failbackPlanId && !known.recovered) im().servers.delete(vmKey(vm.tenant, vm.name));
              return noContent();
            },
          };
        },
      },
      {
        method: 'POST',
        path: `${v1}/tenants/:tenant/readiness-checks`,
        op: 'readinessCheck',
        handle: (req) => {
          const tenant = tenantOf(req);
          const body = asObject(req.body);
          return read(() => ok(readiness(sim, tenant, body)), null, tenant);
        },
      },
      {
        method: 'GET',
        path: `${v1}/tenants/:tenant/protection-plans`,
        op: 'listPlans',
        handle: (req) =>
          read(() => {
            const t = tenantOf(req);
            return ok({ items: [...im().plans.values()].filter((p) => p.tenant === t).map((p) => planView(sim, p)) });
          }),
      },
      {
        method: 'POST',
        path: `${v1}/tenants/:tenant/protection-plans`,
        op: 'createPlan',
        effect: true,
        handle: (req) => planRoute(req, 'forward'),
      },
      {
        method: 'POST',
        path: `${v1}/tenants/:tenant/failback-plans`,
        op: 'failbackProtect',
        effect: true,
        handle: (req) => planRoute(req, 'failback'),
      },
      {
        method: 'GET',
        path: `${v1}/tenants/:tenant/protection-plans/:id`,
        op: 'getPlan',
        handle: (req) =>
          read(() => {
            const plan = im().plans.get(req.params.id);
            if (!plan || plan.tenant !== tenantOf(req)) throw notFound(`protection plan ${req.params.id}`);
            return ok(planView(sim, plan));
          }, req.params.id),
      },
      {
        method: 'DELETE',
        path: `${v1}/tenants/:tenant/protection-plans/:id`,
        op: 'deletePlan',
        effect: true,
        handle: (req) => {
          const tenant = tenantOf(req);
          const plan = im().plans.get(req.params.id);
          if (!plan || plan.tenant !== tenant) throw notFound(`protection plan ${req.params.id}`);
          return {
            tenant,
            target: plan.name,
            run: () => {
              deletePlan(sim, plan);
              return noContent();
            },
          };
        },
      },
      {
        method: 'GET',
        path: `${v1}/tenants/:tenant/pairs`,
        op: 'listPairs',
        handle: (req) =>
          read(() => {
            const t = tenantOf(req);
            const server = req.query.get('server');
            const planId = req.query.get('plan');
            const state = req.query.get('state');
            let names: string[];
            if (server) names = [server];
            else if (planId) names = im().plans.get(planId)?.servers ?? [];
            else names = sim.state.vmsByTenant.get(t) ?? [];
            const out: Record<string, unknown>[] = [];
            for (const n of names) {
              const s = im().servers.get(vmKey(t, n));
              if (!s) continue;
              for (const id of [...s.pairIds, ...s.failbackPairIds]) {
                const p = im().pairs.get(id);
                if (!p || (planId && p.planId !== planId)) continue;
                const view = pairView(sim, p);
                if (state && view.state !== state) continue;
                out.push(view);
              }
            }
            return ok({ items: out });
          }),
      },
      {
        method: 'GET',
        path: `${v1}/tenants/:tenant/servers/:name/tags`,
        op: 'listTags',
        handle: (req) =>
          read(
            () =>
              ok(
                tagsReport(sim, sourceVm(req), {
                  direction: req.query.get('direction') === 'failback' ? 'failback' : 'forward',
                  type: req.query.get('type'),
                  limit: Math.max(1, Math.min(10_000, Number(req.query.get('limit') ?? 100) || 100)),
                  before: req.query.get('before') ? Date.parse(req.query.get('before') as string) : Infinity,
                }),
              ),
            req.params.name,
            req.params.tenant,
          ),
      },
      {
        method: 'POST',
        path: `${v1}/tenants/:tenant/servers/:name/tags`,
        op: 'issueTag',
        effect: true,
        handle: (req) => {
          const vm = sourceVm(req);
          const body = asObject(req.body);
          const name = str(body, 'name', true);
          return {
            tenant: vm.tenant,
            target: vm.name,
            run: () => {
              const s = serverState(sim, vm.tenant, vm.name);
              if (!s.forwardPlanId) throw refused('NOT_PROTECTED', `${vm.name} is not protected`);
              if (parseTagName(name)) throw badRequest('user tag names must not look like APP-/FS- generated tags', 'name');
              const existing = s.userTags.find((u) => u.name === name);
              if (existing) throw alreadyExists(`tag ${name} already exists`, { tag: { name, time: iso(existing.time) } });
              const tag = { name, time: sim.clock.now() };
              s.userTags.push(tag);
              return created({ name, type: 'user', time: iso(tag.time) });
            },
          };
        },
      },
      {
        method: 'POST',
        path: `${v1}/tenants/:tenant/servers/:name/recover`,
        op: 'recover',
        effect: true,
        handle: (req) => {
          const vm = sourceVm(req);
          const body = asObject(req.body ?? {});
          return { tenant: vm.tenant, target: vm.name, jobs: true, run: ({ stuck }) => recover(req, vm, body, stuck) };
        },
      },
      {
        method: 'POST',
        path: `${v1}/tenants/:tenant/servers/:name/drill-snapshots`,
        op: 'drillSnapshot',
        effect: true,
        handle: (req) => {
          const vm = sourceVm(req);
          const body = asObject(req.body ?? {});
          return { tenant: vm.tenant, target: vm.name, jobs: true, run: ({ stuck }) => drill(req, vm, body, stuck) };
        },
      },
      {
        method: 'GET',
        path: `${v1}/tenants/:tenant/drill-snapshots`,
        op: 'listDrillSnapshots',
        handle: (req) =>
          read(() => {
            const t = tenantOf(req);
            return ok({ items: [...im().drills.values()].filter((d) => d.tenant === t) });
          }),
      },
      {
        method: 'GET',
        path: `${v1}/tenants/:tenant/drill-snapshots/:id`,
        op: 'getDrillSnapshot',
        handle: (req) =>
          read(() => {
            const d = im().drills.get(req.params.id);
            if (!d || d.tenant !== tenantOf(req)) throw notFound(`drill snapshot ${req.params.id}`);
            return ok(d);
          }, req.params.id),
      },
      {
        method: 'DELETE',
        path: `${v1}/tenants/:tenant/drill-snapshots/:id`,
        op: 'deleteDrillSnapshot',
        effect: true,
        handle: (req) => {
          const tenant = tenantOf(req);
          const d = im().drills.get(req.params.id);
          if (!d || d.tenant !== tenant) throw notFound(`drill snapshot ${req.params.id}`);
          return {
            tenant,
            target: d.vmName,
            jobs: true,
            run: ({ stuck }) => {
              if (d.state === 'Deleting') throw new SimError(409, 'ALREADY_IN_DESIRED_STATE', `drill snapshot ${d.id} is already being deleted`);
              const creating = im().jobs.get(d.jobId);
              if (creating && creating.state === 'Running') {
                creating.state = 'Failed';
                creating.error = { code: 'CANCELLED', message: 'drill snapshot deleted while being created' };
              }
              d.state = 'Deleting';
              const job = startJob(sim, 'deleteDrillSnapshot', tenant, d.server, stuck, () => {
                const vm = d.vmId ? sim.state.compute.vms.get(d.vmId) : undefined;
                if (vm) removeVm(sim, vm);
                im().drills.delete(d.id);
              });
              return jobReply(req, job);
            },
          };
        },
      },
      {
        method: 'POST',
        path: `${v1}/tenants/:tenant/servers/:name/resume-protection`,
        op: 'resumeProtection',
        effect: true,
        handle: (req) => {
          const vm = sourceVm(req);
          const body = asObject(req.body ?? {});
          return {
            tenant: vm.tenant,
            target: vm.name,
            jobs: true,
            run: ({ stuck }) => {
              const s = serverState(sim, vm.tenant, vm.name);
              const pairs = s.pairIds.map((id) => im().pairs.get(id) as Pair);
              if (pairs.length === 0) throw refused('NOT_PROTECTED', `${vm.name} has no protection plan to resume`);
              if (pairs.every((p) => p.fixedState === null)) throw new SimError(409, 'ALREADY_IN_DESIRED_STATE', `protection of ${vm.name} is already running`);
              const fast = bool(body, 'fastResync', false);
              const now = sim.clock.now();
              for (const p of pairs) {
                p.fixedState = null;
                p.frozenAt = null;
                p.stuck = stuck;
                p.resyncStartedAt = now;
                p.step1Ms = fast ? 0 : sim.latency.scaledMs('inmage.resyncStep1');
                p.step2Ms = fast ? 0 : sim.latency.scaledMs('inmage.resyncStep2');
              }
              if (s.failbackPlanId) {
                const fb = im().plans.get(s.failbackPlanId);
                if (fb) {
                  fb.servers = fb.servers.filter((n) => n !== vm.name);
                  const mt = im().controlServers.get(fb.masterTargetId);
                  const ps = im().controlServers.get(fb.processServerId);
                  for (const id of s.failbackPairIds) im().pairs.delete(id);
                  if (mt) mt.vmdks = Math.max(0, mt.vmdks - vm.disks.length);
                  if (ps) ps.changeRateGbPerDay = Math.max(0, round2(ps.changeRateGbPerDay - vm.changeRateGbPerDay));
                  if (fb.servers.length === 0) deletePlan(sim, fb);
                }
                s.failbackPlanId = null;
                s.failbackPairIds = [];
              }
              s.recovered = null;
              return ok(serverView(sim, vm));
            },
          };
        },
      },
      {
        method: 'GET',
        path: `${v1}/jobs/:id`,
        op: 'getJob',
        handle: (req) => {
          const job = im().jobs.get(req.params.id);
          return read(() => {
            if (!job) throw notFound(`job ${req.params.id}`);
            return ok(jobView(job));
          }, job?.server ?? req.params.id, job?.tenant);
        },
      },
    ],
  };

  function planRoute(req: Req, direction: 'forward' | 'failback') {
    const tenant = tenantOf(req);
    const body = asObject(req.body);
    const name = str(body, 'name', true);
    return {
      tenant,
      target: name,
      jobs: true,
      run: ({ stuck }: { stuck: boolean }) => {
        const type = (str(body, 'type') ?? 'V2V').toUpperCase();
        if (type !== 'V2V' && type !== 'P2V') throw badRequest('type must be V2V or P2V', 'type');
        const plan = createPlan(sim, {
          tenant,
          name,
          type,
          direction,
          masterTargetId: str(body, 'masterTargetId', true),
          processServerId: str(body, 'processServerId', true),
          servers: strArray(body, 'servers') ?? [],
          drillsEnabled: body.drillsEnabled === undefined ? undefined : bool(body, 'drillsEnabled', true),
          retentionHours: num(body, 'retentionHours', 24),
          appTagIntervalMin: num(body, 'appTagIntervalMinutes', 15),
          fsTagIntervalMin: num(body, 'fsTagIntervalMinutes', 5),
          stuck,
        });
        return created(planView(sim, plan), { Location: `${req.base}${v1}/tenants/${tenant}/protection-plans/${plan.id}` });
      },
    };
  }

  function recover(req: Req, vm: SourceVm, body: Record<string, unknown>, stuck: boolean) {
    const s = serverState(sim, vm.tenant, vm.name);
    const direction = (str(body, 'direction') ?? (s.recovered && s.failbackPlanId ? 'failback' : 'forward')) as 'forward' | 'failback';
    if (direction !== 'forward' && direction !== 'failback') throw badRequest('direction must be forward or failback', 'direction');
    const running = busy(vm.tenant, vm.name);
    if (running) throw alreadyExists(`a ${running.type} job for ${vm.name} is running`, { job: jobView(running) });
    if (direction === 'forward' && s.recovered) {
      throw alreadyExists(`${vm.name} is already recovered at ${s.recovered.site}`, { recovered: s.recovered });
    }
    const span = commonSpan(sim, s, direction);
    const point = resolvePoint(sim, span, body.recoveryPoint);
    const nics = nicsFrom(body, vm);
    const hostname = str(body, 'hostname');
    const wantPowerOn = bool(body, 'powerOn', false);
    const site = span.plan.targetSite;
    const job = startJob(sim, 'recover', vm.tenant, vm.name, stuck, (j) => {
      const existing = findVm(sim, site, vm.tenant, vm.name);
      let target: ComputeVm;
      if (existing) {
        if (existing.power === 'POWERED_ON') throw refused('TARGET_VM_RUNNING', `${vm.name} at ${site} is powered on`);
        target = existing;
        if (nics) target.nics = nics;
      } else {
        target = createVm(sim, {
          site,
          tenant: vm.tenant,
          name: vm.name,
          guestOs: vm.os,
          vcpu: vm.vcpu,
          memoryGb: vm.memoryGb,
          disks: vm.disks,
          nics: nics ?? vm.nics,
          hostname: hostname ?? vm.hostname,
          origin: direction === 'forward' ? 'recovered' : 'primary',
        });
      }
      if (hostname) target.hostname = hostname;
      target.recoveryPoint = point;
      const now = sim.clock.now();
      for (const p of span.pairs) {
        p.fixedState = 'Recovered';
        p.frozenAt = now;
      }
      s.recovered = direction === 'forward' ? { site, vmId: target.id, at: iso(now) } : null;
      let powerOnError: string | null = null;
      if (wantPowerOn) {
        try {
          powerOn(sim, target, false);
        } catch (err) {
          powerOnError = err instanceof SimError ? `${err.code}: ${err.message}` : String(err);
        }
      }
      j.result = { vmId: target.id, vmName: target.name, site, recoveryPoint: point, poweredOn: target.power === 'POWERED_ON', powerOnError };
    });
    im().activeJobs.set(vmKey(vm.tenant, vm.name), job.id);
    return jobReply(req, job, { recoveryPoint: point, site });
  }

  function drill(req: Req, vm: SourceVm, body: Record<string, unknown>, stuck: boolean) {
    const s = serverState(sim, vm.tenant, vm.name);
    const span = commonSpan(sim, s, 'forward');
    if (!span.plan.drillsEnabled) {
      throw refused('DRILLS_NOT_ENABLED', `plan ${span.plan.name} was not sized for DR drills (its master target allows ${MT_MAX_VMDKS_WITHOUT_DRILLS} VMDKs)`);
    }
    const vmName = str(body, 'vmName') ?? `${vm.name}-drill`;
    for (const d of im().drills.values()) {
      if (d.tenant === vm.tenant && d.vmName === vmName) throw alreadyExists(`drill snapshot ${d.id} for ${vmName} already exists`, { snapshot: d });
    }
    const point = resolvePoint(sim, span, body.recoveryPoint);
    const nics = nicsFrom(body, vm);
    const site = span.plan.targetSite;
    const snapshot: DrillSnapshot = {
      id: sim.nextId('drill'),
      tenant: vm.tenant,
      server: vm.name,
      vmName,
      vmId: null,
      point,
      jobId: '',
      state: 'Creating',
      createdAt: sim.clock.iso(),
    };
    const job = startJob(sim, 'drillSnapshot', vm.tenant, vm.name, stuck, (j) => {
      const created = createVm(sim, {
        site,
        tenant: vm.tenant,
        name: vmName,
        guestOs: vm.os,
        vcpu: vm.vcpu,
        memoryGb: vm.memoryGb,
        disks: vm.disks,
        nics: nics ?? vm.nics,
        hostname: vm.hostname,
        origin: 'drill',
      });
      created.recoveryPoint = point;
      snapshot.vmId = created.id;
      snapshot.state = 'Ready';
      j.result = { snapshotId: snapshot.id, vmId: created.id, vmName, site, recoveryPoint: point };
    });
    snapshot.jobId = job.id;
    im().drills.set(snapshot.id, snapshot);
    return jobReply(req, job, { snapshot });
  }
}

/**
 * Consistency tags of a server's volumes (latest first) and the recovery points common to all volumes.
 */
export function tagsReport(
  sim: Sim,
  vm: SourceVm,
  opts: { direction: 'forward' | 'failback'; type: string | null; limit: number; before: number },
): Record<string, unknown> {
  const im = sim.state.inmage;
  const s = im.servers.get(vmKey(vm.tenant, vm.name));
  const { direction, type: typeFilter, limit, before } = opts;
  const planId = direction === 'forward' ? s?.forwardPlanId : s?.failbackPlanId;
  const plan = planId ? im.plans.get(planId) : undefined;
  if (!s || !plan) throw refused('NOT_PROTECTED', `${vm.name} is not protected`);
  const ids = direction === 'forward' ? s.pairIds : s.failbackPairIds;
  const volumes = ids.map((id) => {
    const p = im.pairs.get(id) as Pair;
    const w = volumeWindow(sim, p, plan);
    if (!w) return { volume: p.volume, pairId: p.id, state: pairStatus(sim, p).state, retentionWindowStart: null, latestTime: null, tags: [] };
    const span: Span = { start: w.start, end: w.end, plan, server: s, pairs: [p] };
    const to = Math.min(w.end, before);
    const tags: { name: string; type: string; time: string }[] = [];
    if (!typeFilter || typeFilter === 'user') {
      for (const u of s.userTags) if (u.time >= w.start && u.time <= to) tags.push({ name: u.name, type: 'user', time: iso(u.time) });
    }
    if (!typeFilter || typeFilter === 'application') tags.push(...tagsIn(span, 'application', w.start, to, limit));
    if (!typeFilter || typeFilter === 'filesystem') tags.push(...tagsIn(span, 'filesystem', w.start, to, limit));
    tags.sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0));
    return {
      volume: p.volume,
      pairId: p.id,
      state: pairStatus(sim, p).state,
      retentionWindowStart: iso(w.start),
      latestTime: iso(w.end),
      tags: tags.slice(0, limit),
    };
  });
  let common: Record<string, unknown> | null = null;
  try {
    const span = commonSpan(sim, s, direction);
    const latest = (tagType: string): string | null => {
      try {
        return resolvePoint(sim, span, { type: 'latestTag', tagType }).tag;
      } catch {
        return null;
      }
    };
    common = {
      retentionWindowStart: iso(span.start),
      latestTime: iso(span.end),
      latestApplicationTag: latest('application'),
      latestFilesystemTag: latest('filesystem'),
    };
  } catch {
    common = null;
  }
  return { tenant: vm.tenant, server: vm.name, direction, retentionHours: plan.retentionHours, volumes, common };
}

function readiness(sim: Sim, tenant: string, body: Record<string, unknown>): Record<string, unknown> {
  const purpose = str(body, 'purpose') ?? 'protect';
  const servers = strArray(body, 'servers') ?? [];
  const checks: { server: string; check: string; result: 'Passed' | 'Failed'; correctiveAction: string | null }[] = [];
  const add = (server: string, check: string, pass: boolean, fix: string): void => {
    checks.push({ server, check, result: pass ? 'Passed' : 'Failed', correctiveAction: pass ? null : fix });
  };
  if (purpose === 'protect') {
    const mt = sim.state.inmage.controlServers.get(str(body, 'masterTargetId') ?? '');
    const ps = sim.state.inmage.controlServers.get(str(body, 'processServerId') ?? '');
    let vmdks = 0;
    let rate = 0;
    for (const name of servers) {
      const vm = sim.state.vms.get(vmKey(tenant, name));
      add(name, 'source server known to CX', !!vm, 'register the server or fix its name');
      if (!vm) continue;
      vmdks += vm.disks.length;
      rate += vm.changeRateGbPerDay;
      add(name, 'Scout agent installed', vm.agentInstalled, 'push the agent');
      const s = sim.state.inmage.servers.get(vmKey(tenant, name));
      add(name, 'not already protected', !s?.forwardPlanId, 'remove it from its current plan');
    }
    if (mt) {
      const max = mt.drillsEnabled ? MT_MAX_VMDKS_WITH_DRILLS : MT_MAX_VMDKS_WITHOUT_DRILLS;
      add(mt.name, 'master target free of other plans', !mt.planId, 'use another master target (one plan per MT)');
      add(mt.name, `master target VMDKs ≤ ${max}`, mt.vmdks + vmdks <= max, 'split the servers across master targets');
    } else {
      add(str(body, 'masterTargetId') ?? '(none)', 'master target registered', false, 'register a master target');
    }
    if (ps) {
      add(ps.name, 'process server change rate ≤ 1 TB/day', ps.changeRateGbPerDay + rate <= PS_MAX_CHANGE_RATE_GB_PER_DAY, 'add a process server');
    } else {
      add(str(body, 'processServerId') ?? '(none)', 'process server registered', false, 'register a process server');
    }
  } else {
    for (const name of servers) {
      const s = sim.state.inmage.servers.get(vmKey(tenant, name));
      let pass = true;
      let fix = '';
      try {
        if (!s) throw refused('NOT_PROTECTED', `${name} is not protected`);
        commonSpan(sim, s, s.recovered && s.failbackPlanId ? 'failback' : 'forward');
      } catch (err) {
        pass = false;
        fix = err instanceof Error ? err.message : String(err);
      }
      add(name, 'volumes in Differential Sync with a common recovery point', pass, fix);
    }
  }
  return { tenant, purpose, passed: checks.every((c) => c.result === 'Passed'), checks };
}

function iso(t: number): string {
  return new Date(t).toISOString();
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
