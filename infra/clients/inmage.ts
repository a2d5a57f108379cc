import type { ApplicationFailure } from '@temporalio/common';
import { SystemHttpClient, type SystemEndpoint, type SystemRequest, type SystemResponse } from './http-client';
import { classifyJsonError, describeJsonError, existingFrom } from './json-error';
import { basicAuthHeader, isCapacityCode, requireKey } from './session';
import { systemFailure, type SystemErrorKind } from './system-error';

/**
 * InMage ScoutCloud CX: control servers (CX, process servers, master targets), protection plans (V2V/P2V),
 * pairs with their state and RPO lag, consistency tags within the retention window, readiness checks,
 * recovery to a tag or a time with new IPs and power-on, DR-drill snapshots, failback protection and
 * resume protection. Recoveries, drill snapshots and agent pushes are jobs polled with `getJob`.
 *
 * DESIGN ASSUMPTION: InMage publishes no CX API reference; this speaks the simulator's JSON REST API
 * (`/api/v1`, HTTP Basic on every call, errors `{ error: { code, message } }`). Master-target and
 * process-server limits (MT_VMDK_LIMIT, PS_CHANGE_RATE_LIMIT, MT_SLOTS_EXHAUSTED) fail as `exhausted`.
 */

export type ControlServerRole = 'cx' | 'ps' | 'mt';

export interface ControlServer {
  id: string;
  tenant: string;
  role: ControlServerRole;
  name: string;
  site: string;
  ip: string;
  os: string;
  drillsEnabled: boolean;
  planId: string | null;
  vmdks: number;
  changeRateGbPerDay: number;
  maxVmdks?: number;
  freeVmdks?: number;
  maxChangeRateGbPerDay?: number;
  freeChangeRateGbPerDay?: number;
}

export type PairState = 'Resyncing (Step I)' | 'Resyncing (Step II)' | 'Differential Sync' | 'Recovered' | string;

export interface Pair {
  id: string;
  tenant: string;
  server: string;
  planId: string;
  direction: 'forward' | 'failback';
  sourceVolume: string;
  diskName: string;
  sizeGb: number;
  targetVolume: string;
  state: PairState;
  resyncRequired: boolean;
  resyncProgressPercentage: number | null;
  resyncStartTime: string;
  differentialSyncSince: string | null;
  /** RPO lag in seconds. */
  rpoSeconds: number | null;
  retentionWindowStart: string | null;
  retentionWindowEnd: string | null;
}

export interface ProtectionSummary {
  planId: string | null;
  /** The least advanced state of its pairs. */
  state: PairState | null;
  rpoSeconds: number | null;
  resyncProgressPercentage: number | null;
  pairs: Pair[];
}

export interface ProtectedServer {
  tenant: string;
  name: string;
  hostname: string;
  ip: string;
  os: string;
  machineType: 'PhysicalMachine' | 'VirtualMachine';
  disks: { name: string; volume: string; sizeGb: number }[];
  changeRateGbPerDay: number;
  agentInstalled: boolean;
  protection: ProtectionSummary | null;
  failbackProtection: ProtectionSummary | null;
  recovered: { site: string; vmId: string; at: string } | null;
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
  /** Pair count per state. */
  pairStates: Record<string, number>;
}

export interface ProtectionPlanSpec {
  name: string;
  type?: 'V2V' | 'P2V';
  masterTargetId: string;
  processServerId: string;
  servers: string[];
  drillsEnabled?: boolean;
  retentionHours?: number;
  appTagIntervalMinutes?: number;
  fsTagIntervalMinutes?: number;
}

export interface ConsistencyTag {
  name: string;
  type: 'application' | 'filesystem' | 'user' | string;
  time: string;
}

export interface VolumeTags {
  volume: string;
  pairId: string;
  state: PairState;
  retentionWindowStart: string | null;
  latestTime: string | null;
  /** Latest first. */
  tags: ConsistencyTag[];
}

export interface TagReport {
  tenant: string;
  server: string;
  direction: 'forward' | 'failback';
  retentionHours: number;
  volumes: VolumeTags[];
  /** The span and latest tags common to every volume; null when the volumes share none. */
  common: { retentionWindowStart: string; latestTime: string; latestApplicationTag: string | null; latestFilesystemTag: string | null } | null;
}

/** InMage's recovery options: Latest Tag, Latest Time, Tag before a time, Specific Time, a named tag. */
export type RecoveryPoint =
  | { type: 'latestTag'; tagType?: 'application' | 'filesystem' }
  | { type: 'latestTime' }
  | { type: 'tagBefore'; time: string; tagType?: 'application' | 'filesystem' }
  | { type: 'specificTime'; time: string }
  | { type: 'tag'; tag: string };

export interface ResolvedRecoveryPoint {
  type: string;
  time: string;
  tag: string | null;
  tagType: string | null;
}

export interface NicSpec {
  ip: string;
  prefixLength?: number;
  gateway?: string;
  network?: string;
  name?: string;
}

export interface RecoverSpec {
  recoveryPoint?: RecoveryPoint;
  /** New identities at the DR site. */
  nics?: NicSpec[];
  hostname?: string;
  powerOn?: boolean;
  direction?: 'forward' | 'failback';
}

export type InmageJobState = 'running' | 'completed' | 'failed';

export interface InmageJob {
  id: string;
  type: string;
  tenant: string;
  server: string | null;
  state: InmageJobState;
  createdAt: string;
  completedAt: string | null;
  result: Record<string, unknown> | null;
  error: { code: string; message: string } | null;
}

export interface RecoverSubmission {
  /** The recovery job to poll (a new one, or the one already running for this server); null when already recovered. */
  job: InmageJob | null;
  recoveryPoint: ResolvedRecoveryPoint | null;
  site: string | null;
  /** Set when the server was already recovered (earlier, under another key). */
  alreadyRecovered: { site: string; vmId: string; at: string } | null;
}

export interface DrillSnapshot {
  id: string;
  tenant: string;
  server: string;
  vmName: string;
  vmId: string | null;
  point: ResolvedRecoveryPoint;
  jobId: string;
  state: 'Creating' | 'Ready' | 'Deleting' | string;
  createdAt: string;
}

export interface ReadinessReport {
  tenant: string;
  purpose: 'protect' | 'recover' | string;
  passed: boolean;
  checks: { server: string; check: string; result: 'Passed' | 'Failed'; correctiveAction: string | null }[];
}

type Raw = Record<string, unknown>;

const JOB_STATES: Record<string, InmageJobState> = { Running: 'running', Completed: 'completed', Failed: 'failed' };

function toJob(raw: Raw): InmageJob {
  return {
    id: String(raw.id),
    type: String(raw.type),
    tenant: String(raw.tenant),
    server: (raw.server as string | null) ?? null,
    state: JOB_STATES[String(raw.state)] ?? 'running',
    createdAt: String(raw.createdAt),
    completedAt: (raw.completedAt as string | null) ?? null,
    result: (raw.result as Raw | null) ?? null,
    error: (raw.error as InmageJob['error']) ?? null,
  };
}

const seg = encodeURIComponent;

export class InmageClient {
  private readonly http: SystemHttpClient;
  private readonly auth: Record<string, string>;

  constructor(endpoint: SystemEndpoint) {
    this.http = new SystemHttpClient('inmage', endpoint, describeJsonError, classifyJsonError);
    this.auth = { authorization: basicAuthHeader(endpoint.username, endpoint.password) };
  }

  private call<T = unknown>(req: SystemRequest): Promise<SystemResponse<T>> {
    return this.http.call<T>({ ...req, path: `/api/v1${req.path}`, headers: { ...req.headers, ...this.auth } });
  }

  private effect<T = unknown>(req: SystemRequest & { idempotencyKey: string }): Promise<SystemResponse<T>> {
    requireKey('inmage', req.op, req.idempotencyKey);
    return this.call<T>(req);
  }

  private t(tenant: string): string {
    return `/tenants/${seg(tenant)}`;
  }

  // ---- control servers ----

  async listControlServers(tenant: string, role?: ControlServerRole): Promise<ControlServer[]> {
    const res = await this.call<{ items: ControlServer[] }>({ op: 'listControlServers', method: 'GET', path: `${this.t(tenant)}/control-servers`, query: { role } });
    return res.body.items;
  }

  async getControlServer(tenant: string, id: string): Promise<ControlServer | null> {
    const res = await this.call<ControlServer>({ op: 'getControlServer', method: 'GET', path: `${this.t(tenant)}/control-servers/${seg(id)}`, accept: [404] });
    return res.status === 404 ? null : res.body;
  }

  /**
   * Registers a CX, process server or master target with the CX. Same name = already exists → that server.
   * No free master-target slot at the site → `exhausted`.
   */
  async registerControlServer(
    tenant: string,
    spec: { name: string; role: ControlServerRole; site?: string; ip?: string; os?: string; drillsEnabled?: boolean },
    idempotencyKey: string,
  ): Promise<{ controlServer: ControlServer; alreadyExisted: boolean }> {
    const res = await this.effect<ControlServer>({
      op: 'registerControlServer',
      method: 'POST',
      path: `${this.t(tenant)}/control-servers`,
      body: spec,
      idempotencyKey,
      accept: [409],
    });
    if (res.status !== 409) return { controlServer: res.body, alreadyExisted: false };
    const existing = existingFrom<ControlServer>(res.body, 'controlServer');
    if (!existing) throw systemFailure('inmage', 'registerControlServer', 'conflict', describeJsonError(res.body) ?? 'already exists');
    return { controlServer: (await this.getControlServer(tenant, existing.id)) ?? existing, alreadyExisted: true };
  }

  /** False when already gone. A server still serving a plan is refused (422). */
  async deregisterControlServer(tenant: string, id: string, idempotencyKey: string): Promise<boolean> {
    const res = await this.effect({ op: 'deregisterControlServer', method: 'DELETE', path: `${this.t(tenant)}/control-servers/${seg(id)}`, idempotencyKey, accept: [404] });
    return res.status !== 404;
  }

  // ---- source servers and agents ----

  async listServers(tenant: string): Promise<ProtectedServer[]> {
    const res = await this.call<{ items: ProtectedServer[] }>({ op: 'listServers', method: 'GET', path: `${this.t(tenant)}/servers` });
    return res.body.items;
  }

  async getServer(tenant: string, server: string): Promise<ProtectedServer> {
    const res = await this.call<ProtectedServer>({ op: 'getServer', method: 'GET', path: `${this.t(tenant)}/servers/${seg(server)}` });
    return res.body;
  }

  /**
   * Pushes the Scout agent to a source server (a job). Already installed → no job, `alreadyInstalled`;
   * a push already running → that job.
   */
  async pushAgent(tenant: string, server: string, idempotencyKey: string): Promise<{ job: InmageJob | null; alreadyInstalled: boolean }> {
    const res = await this.effect<{ job: Raw }>({ op: 'pushAgent', method: 'POST', path: `${this.t(tenant)}/servers/${seg(server)}/agent`, body: {}, idempotencyKey, accept: [409] });
    if (res.status !== 409) return { job: toJob(res.body.job), alreadyInstalled: false };
    const running = existingFrom<Raw>(res.body, 'job');
    return running ? { job: toJob(running), alreadyInstalled: false } : { job: null, alreadyInstalled: true };
  }

  /** Uninstalls the Scout agent (a push still running is cancelled). False when none was installed. */
  async uninstallAgent(tenant: string, server: string, idempotencyKey: string): Promise<boolean> {
    const res = await this.effect({ op: 'uninstallAgent', method: 'DELETE', path: `${this.t(tenant)}/servers/${seg(server)}/agent`, idempotencyKey, accept: [404] });
    return res.status !== 404;
  }

  /**
   * Readiness checks: `protect` (agents, MT free and within its VMDK limit, PS within 1 TB/day) or
   * `recover` (every volume in Differential Sync with a common recovery point). Read-only.
   */
  async runReadinessChecks(
    tenant: string,
    spec: { purpose: 'protect' | 'recover'; servers: string[]; masterTargetId?: string; processServerId?: string },
  ): Promise<ReadinessReport> {
    const res = await this.call<ReadinessReport>({ op: 'readinessCheck', method: 'POST', path: `${this.t(tenant)}/readiness-checks`, body: spec });
    return res.body;
  }

  // ---- protection plans ----

  /**
   * A V2V/P2V protection plan: one pair per volume, moving Resyncing (Step I) → (Step II) → Differential
   * Sync. Same name = already exists → that plan. MT VMDK limit / PS change rate → `exhausted`.
   */
  createProtectionPlan(tenant: string, spec: ProtectionPlanSpec, idempotencyKey: string): Promise<{ plan: ProtectionPlan; alreadyExisted: boolean }> {
    return this.plan(tenant, 'protection-plans', 'createPlan', spec, idempotencyKey);
  }

  /** Reverse replication from the DR site to the primary for recovered servers (same rules as a plan). */
  createFailbackProtection(tenant: string, spec: ProtectionPlanSpec, idempotencyKey: string): Promise<{ plan: ProtectionPlan; alreadyExisted: boolean }> {
    return this.plan(tenant, 'failback-plans', 'failbackProtect', spec, idempotencyKey);
  }

  private async plan(
    tenant: string,
    collection: string,
    op: string,
    spec: ProtectionPlanSpec,
    idempotencyKey: string,
  ): Promise<{ plan: ProtectionPlan; alreadyExisted: boolean }> {
    const res = await this.effect<ProtectionPlan>({ op, method: 'POST', path: `${this.t(tenant)}/${collection}`, body: spec, idempotencyKey, accept: [409] });
    if (res.status !== 409) return { plan: res.body, alreadyExisted: false };
    const existing = existingFrom<ProtectionPlan>(res.body, 'plan');
    const plan = existing ? await this.getProtectionPlan(tenant, existing.id) : null;
    if (!plan) throw systemFailure('inmage', op, 'conflict', describeJsonError(res.body) ?? 'already exists');
    return { plan, alreadyExisted: true };
  }

  async listProtectionPlans(tenant: string): Promise<ProtectionPlan[]> {
    const res = await this.call<{ items: ProtectionPlan[] }>({ op: 'listPlans', method: 'GET', path: `${this.t(tenant)}/protection-plans` });
    return res.body.items;
  }

  async getProtectionPlan(tenant: string, id: string): Promise<ProtectionPlan | null> {
    const res = await this.call<ProtectionPlan>({ op: 'getPlan', method: 'GET', path: `${this.t(tenant)}/protection-plans/${seg(id)}`, accept: [404] });
    return res.status === 404 ? null : res.body;
  }

  /** Removes a plan and its pairs (frees the MT and PS). False when already gone. */
  async deleteProtectionPlan(tenant: string, id: string, idempotencyKey: string): Promise<boolean> {
    const res = await this.effect({ op: 'deletePlan', method: 'DELETE', path: `${this.t(tenant)}/protection-plans/${seg(id)}`, idempotencyKey, accept: [404] });
    return res.status !== 404;
  }

  /** Pairs with state, resync progress and RPO lag; filter by server, plan or state. */
  async getPairs(tenant: string, filter: { server?: string; planId?: string; state?: PairState } = {}): Promise<Pair[]> {
    const res = await this.call<{ items: Pair[] }>({
      op: 'listPairs',
      method: 'GET',
      path: `${this.t(tenant)}/pairs`,
      query: { server: filter.server, plan: filter.planId, state: filter.state },
    });
    return res.body.items;
  }

  // ---- consistency tags ----

  /** Tags per volume (latest first) within the retention window and what all volumes have in common. */
  async listConsistencyTags(
    tenant: string,
    server: string,
    opts: { direction?: 'forward' | 'failback'; type?: 'application' | 'filesystem' | 'user'; limit?: number; before?: string } = {},
  ): Promise<TagReport> {
    const res = await this.call<TagReport>({ op: 'listTags', method: 'GET', path: `${this.t(tenant)}/servers/${seg(server)}/tags`, query: opts });
    return res.body;
  }

  /** Issues a user consistency tag now. Same name = already exists → that tag. */
  async issueConsistencyTag(tenant: string, server: string, name: string, idempotencyKey: string): Promise<{ tag: ConsistencyTag; alreadyExisted: boolean }> {
    const res = await this.effect<ConsistencyTag>({ op: 'issueTag', method: 'POST', path: `${this.t(tenant)}/servers/${seg(server)}/tags`, body: { name }, idempotencyKey, accept: [409] });
    if (res.status !== 409) return { tag: res.body, alreadyExisted: false };
    const existing = existingFrom<{ name: string; time: string }>(res.body, 'tag');
    return { tag: { name, type: 'user', time: existing?.time ?? '' }, alreadyExisted: true };
  }

  // ---- recovery ----

  /**
   * Recovers a server at the DR site (or, `direction: 'failback'`, at the primary) to a recovery point,
   * with new NICs/hostname and optional power-on: a job whose result holds the VM id. Already recovered →
   * `alreadyRecovered` and no job; a recovery already running → that job.
   */
  async recoverVm(tenant: string, server: string, spec: RecoverSpec, idempotencyKey: string): Promise<RecoverSubmission> {
    const res = await this.effect<{ job: Raw; recoveryPoint: ResolvedRecoveryPoint; site: string }>({
      op: 'recover',
      method: 'POST',
      path: `${this.t(tenant)}/servers/${seg(server)}/recover`,
      body: spec,
      idempotencyKey,
      accept: [409],
    });
    if (res.status !== 409) return { job: toJob(res.body.job), recoveryPoint: res.body.recoveryPoint, site: res.body.site, alreadyRecovered: null };
    const running = existingFrom<Raw>(res.body, 'job');
    if (running && running.type === 'recover') return { job: toJob(running), recoveryPoint: null, site: null, alreadyRecovered: null };
    const recovered = existingFrom<RecoverSubmission['alreadyRecovered']>(res.body, 'recovered');
    if (recovered) return { job: null, recoveryPoint: null, site: recovered.site, alreadyRecovered: recovered };
    throw systemFailure('inmage', 'recover', 'conflict', describeJsonError(res.body) ?? 'conflict', 409);
  }

  /**
   * A DR-drill snapshot: a copy of the chosen point booted as `vmName` (default `<server>-drill`) in an
   * isolated network, protection untouched (a job). Same VM name = already exists → that snapshot.
   */
  async createDrillSnapshot(
    tenant: string,
    server: string,
    spec: { recoveryPoint?: RecoveryPoint; vmName?: string; nics?: NicSpec[] },
    idempotencyKey: string,
  ): Promise<{ snapshot: DrillSnapshot; job: InmageJob | null; alreadyExisted: boolean }> {
    const res = await this.effect<{ job: Raw; snapshot: DrillSnapshot }>({
      op: 'drillSnapshot',
      method: 'POST',
      path: `${this.t(tenant)}/servers/${seg(server)}/drill-snapshots`,
      body: spec,
      idempotencyKey,
      accept: [409],
    });
    if (res.status !== 409) return { snapshot: res.body.snapshot, job: toJob(res.body.job), alreadyExisted: false };
    const existing = existingFrom<DrillSnapshot>(res.body, 'snapshot');
    if (!existing) throw systemFailure('inmage', 'drillSnapshot', 'conflict', describeJsonError(res.body) ?? 'already exists');
    const snapshot = (await this.getDrillSnapshot(tenant, existing.id)) ?? existing;
    const job = snapshot.state === 'Creating' && snapshot.jobId ? await this.getJob(snapshot.jobId) : null;
    return { snapshot, job, alreadyExisted: true };
  }

  async listDrillSnapshots(tenant: string): Promise<DrillSnapshot[]> {
    const res = await this.call<{ items: DrillSnapshot[] }>({ op: 'listDrillSnapshots', method: 'GET', path: `${this.t(tenant)}/drill-snapshots` });
    return res.body.items;
  }

  async getDrillSnapshot(tenant: string, id: string): Promise<DrillSnapshot | null> {
    const res = await this.call<DrillSnapshot>({ op: 'getDrillSnapshot', method: 'GET', path: `${this.t(tenant)}/drill-snapshots/${seg(id)}`, accept: [404] });
    return res.status === 404 ? null : res.body;
  }

  /** Drill clean-up: removes the snapshot and its VM (a job). Null when already gone or already being deleted. */
  async deleteDrillSnapshot(tenant: string, id: string, idempotencyKey: string): Promise<InmageJob | null> {
    const res = await this.effect<{ job: Raw }>({
      op: 'deleteDrillSnapshot',
      method: 'DELETE',
      path: `${this.t(tenant)}/drill-snapshots/${seg(id)}`,
      idempotencyKey,
      accept: [404, 409],
    });
    return res.status === 202 || res.status === 200 ? toJob(res.body.job) : null;
  }

  /**
   * Resume: discards DR-side changes and restarts replication from the primary's images (drops failback
   * protection). Protection already running (409) counts as success (`alreadyRunning`).
   */
  async resumeProtection(tenant: string, server: string, opts: { fastResync?: boolean }, idempotencyKey: string): Promise<{ server: ProtectedServer; alreadyRunning: boolean }> {
    const res = await this.effect<ProtectedServer>({
      op: 'resumeProtection',
      method: 'POST',
      path: `${this.t(tenant)}/servers/${seg(server)}/resume-protection`,
      body: opts,
      idempotencyKey,
      accept: [409],
    });
    if (res.status !== 409) return { server: res.body, alreadyRunning: false };
    return { server: await this.getServer(tenant, server), alreadyRunning: true };
  }

  // ---- jobs ----

  async getJob(id: string): Promise<InmageJob> {
    const res = await this.call<Raw>({ op: 'getJob', method: 'GET', path: `/jobs/${seg(id)}` });
    return toJob(res.body);
  }

  /** The failure for a failed job, classified like an HTTP error. */
  jobFailure(job: InmageJob): ApplicationFailure {
    const code = job.error?.code;
    const kind: SystemErrorKind = isCapacityCode(code) ? 'exhausted' : 'invalid';
    return systemFailure('inmage', job.type, kind, job.error ? `${job.error.code}: ${job.error.message}` : `job ${job.id} failed`);
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}
