import type { ApplicationFailure } from '@temporalio/common';
import { SystemHttpClient, type SystemEndpoint, type SystemRequest, type SystemResponse } from './http-client';
import { Session, callInSession, headerValue, isCapacityCode, requireKey } from './session';
import { systemFailure, type SystemErrorKind } from './system-error';

/**
 * BMC Cloud Lifecycle Management: network containers by tier, change approval, network paths (firewall
 * policies), load-balancer VIPs, service-offering instances for the InMage control plane, async tasks.
 *
 * Session: `POST /csm/login` → `Authentication-Token` header, cached and sent on every call; one re-login on
 * a 401. Bodies use CLM's `operationParams` envelope; answers are JSON arrays; errors an array holding a
 * `CloudError`. Long operations answer a task: poll it with `getTask` from an activity that heartbeats.
 */

export type Tier = 'Gold' | 'Silver' | 'Bronze' | 'Copper';

export type ClmTaskState = 'running' | 'waiting-approval' | 'completed' | 'failed';

export interface ClmTask {
  guid: string;
  className: string;
  operationName: string;
  state: ClmTaskState;
  /** 0-100 while running. */
  progress: number;
  /** The change request the task waits on, when it needs approval. */
  changeRequestGuid: string | null;
  /** The guid of the first result (the created resource) once completed. */
  resourceGuid: string | null;
  results: Record<string, unknown>[];
  errors: { code: string; message: string }[];
}

export interface ContainerVlan {
  name: string;
  role: string;
  vlanId: number;
  subnet: string;
}

export interface NetworkContainer {
  guid: string;
  name: string;
  tenant: string;
  tier: Tier;
  blueprint: string;
  site: string;
  state: 'PENDING_APPROVAL' | 'PROVISIONING' | 'ACTIVE' | 'FAILED' | 'DELETING' | string;
  vlans: ContainerVlan[];
  services: { type: string; name: string }[];
  networkPathGuids: string[];
  loadBalancerVipGuids: string[];
  /** The task that created (or is creating) it. */
  taskGuid: string;
}

export interface ChangeRequest {
  guid: string;
  tenant: string;
  taskGuid: string;
  summary: string;
  state: 'PENDING' | 'APPROVED' | 'REJECTED' | string;
  decidedBy: string | null;
}

export interface NetworkPath {
  guid: string;
  name: string;
  tenant: string;
  containerGuid: string;
  source: string;
  destination: string;
  protocol: string;
  port: string;
  action: 'permit' | 'deny' | string;
  state: string;
}

export interface LoadBalancerVip {
  guid: string;
  name: string;
  tenant: string;
  containerGuid: string;
  virtualIp: string;
  port: number;
  /** IP protocol number (6 = TCP). */
  transportProtocol: number;
  members: string[];
  state: string;
}

export type ControlServerOffering = 'cx' | 'ps' | 'mt-windows' | 'mt-linux';

export interface ServiceOfferingInstance {
  guid: string;
  name: string;
  tenant: string;
  offering: string;
  hostname: string;
  role: 'cx' | 'ps' | 'mt';
  site: string;
  /** The InMage control-server id, once the instance is active. */
  controlServerId: string | null;
  state: string;
  drillsEnabled: boolean;
}

export interface ServiceOffering {
  guid: string;
  name: string;
  kind: string;
  tier?: Tier;
  role?: string;
  changePolicy: string;
}

export interface Organization {
  guid: string;
  name: string;
  tenant: string;
}

/**
 * What a create answers: the task to poll, or, when the resource already existed (created earlier under
 * another key), that resource and no task.
 */
export type ClmSubmission<T> = { alreadyExisted: false; task: ClmTask } | { alreadyExisted: true; resource: T };

export interface ContainerRequest {
  container: NetworkContainer;
  /** The creation task (for an existing container, the one that created it). */
  task: ClmTask;
  alreadyExisted: boolean;
}

export interface NetworkContainerSpec {
  name: string;
  tenant: string;
  tier: Tier;
  /** DR site; the sim defaults to the tenant's DR site. */
  site?: string;
  blueprint?: string;
  /** Overrides the offering's change policy. */
  requiresApproval?: boolean;
}

export interface NetworkPathSpec {
  /** Container guid or name. */
  container: string;
  name: string;
  source: string;
  destination: string;
  protocol?: string;
  port?: string;
  action?: 'permit' | 'deny';
}

export interface LoadBalancerVipSpec {
  container: string;
  name: string;
  virtualIp: string;
  port?: number;
  transportProtocol?: number;
  members?: string[];
}

export interface ServiceOfferingSpec {
  tenant: string;
  offering: ControlServerOffering;
  hostnamePrefix: string;
  quantity?: number;
  site?: string;
  drillsEnabled?: boolean;
}

const OFFERING_IDS: Record<ControlServerOffering, string> = {
  cx: 'so-inmage-cx',
  ps: 'so-inmage-ps',
  'mt-windows': 'so-inmage-mt-windows',
  'mt-linux': 'so-inmage-mt-linux',
};

interface CloudError {
  errorID?: string;
  errorCause?: string;
  existingGuid?: string;
}

type Raw = Record<string, unknown>;

function cloudError(body: unknown): CloudError | undefined {
  const first = Array.isArray(body) ? body[0] : body;
  return first && typeof first === 'object' ? (first as CloudError) : undefined;
}

function describe(body: unknown): string | undefined {
  const e = cloudError(body);
  if (!e?.errorCause) return undefined;
  return e.errorID ? `${e.errorID}: ${e.errorCause}` : e.errorCause;
}

function classify(status: number, body: unknown): SystemErrorKind | undefined {
  return status === 422 && isCapacityCode(cloudError(body)?.errorID) ? 'exhausted' : undefined;
}

function params(values: Record<string, unknown>): { timeout: number; operationParams: Raw[] } {
  return {
    timeout: 0,
    operationParams: Object.entries(values)
      .filter(([, v]) => v !== undefined)
      .map(([name, value]) => ({ name, type: typeof value === 'string' ? 'java.lang.String' : 'java.lang.Object', multiplicity: '1', value })),
  };
}

function one(body: unknown): Raw {
  return (Array.isArray(body) ? body[0] : body) as Raw;
}

function toTask(raw: Raw): ClmTask {
  const taskState = String(raw.taskState);
  let state: ClmTaskState;
  if (taskState === 'COMPLETED') state = raw.isError ? 'failed' : 'completed';
  else if (taskState === 'FAILED' || raw.isError === true) state = 'failed';
  else state = raw.taskSubState === 'waiting_for_approval' ? 'waiting-approval' : 'running';
  const results = Array.isArray(raw.results) ? (raw.results as Raw[]) : [];
  const errors = Array.isArray(raw.errors) ? (raw.errors as CloudError[]) : [];
  return {
    guid: String(raw.guid),
    className: String(raw.className ?? ''),
    operationName: String(raw.operationName ?? ''),
    state,
    progress: typeof raw.taskProgress === 'number' ? raw.taskProgress : 0,
    changeRequestGuid: typeof raw.changeRequestGuid === 'string' ? raw.changeRequestGuid : null,
    resourceGuid: typeof results[0]?.guid === 'string' ? (results[0].guid as string) : null,
    results,
    errors: errors.map((e) => ({ code: e.errorID ?? 'ERROR', message: e.errorCause ?? '' })),
  };
}

function toContainer(raw: Raw): NetworkContainer {
  return {
    guid: String(raw.guid),
    name: String(raw.name),
    tenant: String(raw.tenant),
    tier: raw.tier as Tier,
    blueprint: String(raw.containerBlueprint ?? ''),
    site: String(raw.site),
    state: String(raw.state),
    vlans: (raw.networks as ContainerVlan[] | undefined) ?? [],
    services: (raw.services as { type: string; name: string }[] | undefined) ?? [],
    networkPathGuids: (raw.networkPaths as string[] | undefined) ?? [],
    loadBalancerVipGuids: (raw.loadBalancerPools as string[] | undefined) ?? [],
    taskGuid: String(raw.taskGuid ?? ''),
  };
}

function toChange(raw: Raw): ChangeRequest {
  return {
    guid: String(raw.guid),
    tenant: String(raw.tenant),
    taskGuid: String(raw.taskGuid),
    summary: String(raw.summary ?? ''),
    state: String(raw.state),
    decidedBy: typeof raw.decidedBy === 'string' ? raw.decidedBy : null,
  };
}

function toPath(raw: Raw): NetworkPath {
  const { cloudClass: _c, ...rest } = raw;
  return rest as unknown as NetworkPath;
}

function toVip(raw: Raw): LoadBalancerVip {
  return {
    guid: String(raw.guid),
    name: String(raw.name),
    tenant: String(raw.tenant),
    containerGuid: String(raw.containerGuid),
    virtualIp: String(raw.virtualIPAddress),
    port: Number(raw.clientPortNumber),
    transportProtocol: Number(raw.transportProtocol),
    members: (raw.entries as string[] | undefined) ?? [],
    state: String(raw.state),
  };
}

function toSoi(raw: Raw): ServiceOfferingInstance {
  const { cloudClass: _c, ...rest } = raw;
  return rest as unknown as ServiceOfferingInstance;
}

export class ClmClient {
  private readonly http: SystemHttpClient;
  readonly session: Session;

  constructor(endpoint: SystemEndpoint) {
    this.http = new SystemHttpClient('clm', endpoint, describe, classify);
    this.session = new Session(
      async () => {
        const res = await this.http.call({
          op: 'login',
          method: 'POST',
          path: '/csm/login',
          body: { username: endpoint.username ?? '', password: endpoint.password ?? '' },
        });
        const token = headerValue(res.headers, 'authentication-token');
        if (!token) throw systemFailure('clm', 'login', 'unauthorized', 'login answered without an Authentication-Token');
        return token;
      },
      async (token) => {
        await this.http.call({ op: 'logout', method: 'POST', path: '/csm/logout', headers: { 'Authentication-Token': token } });
      },
    );
  }

  private call<T = unknown>(req: SystemRequest): Promise<SystemResponse<T>> {
    return callInSession<T>(this.http, this.session, (token) => ({ 'Authentication-Token': token }), req);
  }

  private effect<T = unknown>(req: SystemRequest & { idempotencyKey: string }): Promise<SystemResponse<T>> {
    requireKey('clm', req.op, req.idempotencyKey);
    return this.call<T>(req);
  }

  // ---- tasks and change approval ----

  async getTask(guid: string): Promise<ClmTask> {
    const res = await this.call({ op: 'getTask', method: 'GET', path: `/csm/task/${encodeURIComponent(guid)}` });
    return toTask(one(res.body));
  }

  /** The failure for a failed task, classified like an HTTP error (capacity codes → `exhausted`). */
  taskFailure(task: ClmTask): ApplicationFailure {
    const first = task.errors[0];
    const kind: SystemErrorKind = isCapacityCode(first?.code) ? 'exhausted' : 'invalid';
    const message = first ? `${first.code}: ${first.message}` : `task ${task.guid} failed`;
    return systemFailure('clm', `${task.className}.${task.operationName}`, kind, message);
  }

  async getChangeRequest(guid: string): Promise<ChangeRequest> {
    const res = await this.call({ op: 'getChange', method: 'GET', path: `/csm/ChangeRequest/${encodeURIComponent(guid)}` });
    return toChange(one(res.body));
  }

  async listChangeRequests(filter: { tenant?: string; state?: string } = {}): Promise<ChangeRequest[]> {
    const res = await this.call<{ results: Raw[] }>({ op: 'searchChanges', method: 'POST', path: '/csm/ChangeRequest/search', body: params(filter) });
    return res.body.results.map(toChange);
  }

  /** Approves a pending change. Already approved (409) counts as success. A rejected change is final. */
  approveChangeRequest(guid: string, idempotencyKey: string, approver?: string): Promise<ChangeRequest> {
    return this.decide(guid, 'approve', idempotencyKey, approver);
  }

  /** Rejects a pending change (its container request fails and is released). Already rejected = success. */
  rejectChangeRequest(guid: string, idempotencyKey: string, approver?: string): Promise<ChangeRequest> {
    return this.decide(guid, 'reject', idempotencyKey, approver);
  }

  private async decide(guid: string, verb: 'approve' | 'reject', idempotencyKey: string, approver?: string): Promise<ChangeRequest> {
    const res = await this.effect({
      op: `${verb}Change`,
      method: 'POST',
      path: `/csm/ChangeRequest/${encodeURIComponent(guid)}/${verb}`,
      body: params({ approver }),
      idempotencyKey,
      accept: [409],
    });
    return res.status === 409 ? this.getChangeRequest(guid) : toChange(one(res.body));
  }

  // ---- network containers ----

  /**
   * Requests the tenant's network container (VLANs, firewall and load-balancer services by tier). The task
   * waits in `waiting-approval` when the offering's change policy asks for it. A container of that name that
   * already exists counts as success: its creation task is returned instead.
   */
  async requestNetworkContainer(spec: NetworkContainerSpec, idempotencyKey: string): Promise<ContainerRequest> {
    const res = await this.effect({
      op: 'createContainer',
      method: 'POST',
      path: '/csm/NetworkContainer',
      body: params({
        name: spec.name,
        tenant: spec.tenant,
        tier: spec.tier,
        site: spec.site,
        containerBlueprint: spec.blueprint,
        requiresApproval: spec.requiresApproval,
      }),
      idempotencyKey,
      accept: [409],
    });
    const existed = res.status === 409;
    const container = await this.getNetworkContainer(existed ? cloudError(res.body)?.existingGuid ?? spec.name : spec.name);
    if (!container) throw systemFailure('clm', 'createContainer', 'not-found', `container ${spec.name} vanished right after its request`);
    const task = existed ? await this.getTask(container.taskGuid) : toTask(one(res.body));
    return { container, task, alreadyExisted: existed };
  }

  /** By guid or name; null when there is none. */
  async getNetworkContainer(ref: string): Promise<NetworkContainer | null> {
    const res = await this.call({ op: 'getContainer', method: 'GET', path: `/csm/NetworkContainer/${encodeURIComponent(ref)}`, accept: [404] });
    return res.status === 404 ? null : toContainer(one(res.body));
  }

  async listNetworkContainers(filter: { tenant?: string; name?: string } = {}): Promise<NetworkContainer[]> {
    const res = await this.call<{ results: Raw[] }>({ op: 'searchContainers', method: 'POST', path: '/csm/NetworkContainer/search', body: params(filter) });
    return res.body.results.map(toContainer);
  }

  /**
   * Deletes a container and releases its VLANs, paths and VIPs (compensation). Null when there is nothing
   * to wait for: already gone, or already being deleted (then poll `getNetworkContainer` until null).
   */
  async deleteNetworkContainer(ref: string, idempotencyKey: string): Promise<ClmTask | null> {
    const res = await this.effect({
      op: 'deleteContainer',
      method: 'DELETE',
      path: `/csm/NetworkContainer/${encodeURIComponent(ref)}`,
      idempotencyKey,
      accept: [404, 409],
    });
    return res.status === 200 ? toTask(one(res.body)) : null;
  }

  // ---- network paths (firewall policies) ----

  /** A firewall policy in the container. Same name in the container = already exists → that path. */
  async createNetworkPath(spec: NetworkPathSpec, idempotencyKey: string): Promise<ClmSubmission<NetworkPath>> {
    const res = await this.effect({
      op: 'createNetworkPath',
      method: 'POST',
      path: '/csm/NetworkPath',
      body: params({
        networkContainer: spec.container,
        name: spec.name,
        source: spec.source,
        destination: spec.destination,
        protocol: spec.protocol,
        port: spec.port,
        action: spec.action,
      }),
      idempotencyKey,
      accept: [409],
    });
    return this.submission(res, (guid) => this.getNetworkPath(guid), 'createNetworkPath');
  }

  async getNetworkPath(guid: string): Promise<NetworkPath | null> {
    const res = await this.call({ op: 'getNetworkPath', method: 'GET', path: `/csm/NetworkPath/${encodeURIComponent(guid)}`, accept: [404] });
    return res.status === 404 ? null : toPath(one(res.body));
  }

  /** Null when the path is already gone, or already being deleted (409 ALREADY_IN_DESIRED_STATE: no second task). */
  async deleteNetworkPath(guid: string, idempotencyKey: string): Promise<ClmTask | null> {
    const res = await this.effect({ op: 'deleteNetworkPath', method: 'DELETE', path: `/csm/NetworkPath/${encodeURIComponent(guid)}`, idempotencyKey, accept: [404, 409] });
    return res.status === 404 || res.status === 409 ? null : toTask(one(res.body));
  }

  // ---- load-balancer VIPs ----

  /** A VIP (load-balancer pool). Same name, or same VIP and port, in the container = already exists. */
  async createLoadBalancerVip(spec: LoadBalancerVipSpec, idempotencyKey: string): Promise<ClmSubmission<LoadBalancerVip>> {
    const res = await this.effect({
      op: 'createLoadBalancerPool',
      method: 'POST',
      path: '/csm/LoadBalancerPool',
      body: params({
        networkContainer: spec.container,
        name: spec.name,
        virtualIPAddress: spec.virtualIp,
        clientPortNumber: spec.port,
        transportProtocol: spec.transportProtocol,
        entries: spec.members,
      }),
      idempotencyKey,
      accept: [409],
    });
    return this.submission(res, (guid) => this.getLoadBalancerVip(guid), 'createLoadBalancerPool');
  }

  async getLoadBalancerVip(guid: string): Promise<LoadBalancerVip | null> {
    const res = await this.call({ op: 'getLoadBalancerPool', method: 'GET', path: `/csm/LoadBalancerPool/${encodeURIComponent(guid)}`, accept: [404] });
    return res.status === 404 ? null : toVip(one(res.body));
  }

  /** Replaces the VIP's real-server members (e.g. with the DR addresses). */
  async setLoadBalancerMembers(guid: string, members: string[], idempotencyKey: string): Promise<ClmTask> {
    const res = await this.effect({
      op: 'updateLoadBalancerPool',
      method: 'POST',
      path: `/csm/LoadBalancerPool/${encodeURIComponent(guid)}/update`,
      body: params({ entries: members }),
      idempotencyKey,
    });
    return toTask(one(res.body));
  }

  /** Null when the VIP is already gone. */
  async deleteLoadBalancerVip(guid: string, idempotencyKey: string): Promise<ClmTask | null> {
    const res = await this.effect({ op: 'deleteLoadBalancerPool', method: 'DELETE', path: `/csm/LoadBalancerPool/${encodeURIComponent(guid)}`, idempotencyKey, accept: [404, 409] });
    return res.status === 404 || res.status === 409 ? null : toTask(one(res.body));
  }

  // ---- service offerings (InMage CX / PS / MT servers) ----

  async listServiceOfferings(): Promise<ServiceOffering[]> {
    const res = await this.call<Raw[]>({ op: 'listServiceOfferings', method: 'GET', path: '/csm/ServiceOffering' });
    return res.body.map(({ cloudClass: _c, ...o }) => o as unknown as ServiceOffering);
  }

  /**
   * Provisions InMage control-plane servers (`quantity` of them, hostnames `<prefix>` or `<prefix>-<n>`);
   * when the task completes each is registered with the CX (`controlServerId`). A hostname that already
   * has an instance = already exists → that instance.
   */
  async provisionServiceOffering(spec: ServiceOfferingSpec, idempotencyKey: string): Promise<ClmSubmission<ServiceOfferingInstance>> {
    const res = await this.effect({
      op: 'provisionServiceOffering',
      method: 'POST',
      path: '/csm/ServiceOfferingInstance/bulkCreate',
      body: params({
        serviceOfferingID: OFFERING_IDS[spec.offering],
        tenant: spec.tenant,
        hostnamePrefix: spec.hostnamePrefix,
        quantity: spec.quantity,
        site: spec.site,
        drillsEnabled: spec.drillsEnabled,
      }),
      idempotencyKey,
      accept: [409],
    });
    return this.submission(res, (guid) => this.getServiceOfferingInstance(guid), 'provisionServiceOffering');
  }

  async getServiceOfferingInstance(guid: string): Promise<ServiceOfferingInstance | null> {
    const res = await this.call({ op: 'getServiceOfferingInstance', method: 'GET', path: `/csm/ServiceOfferingInstance/${encodeURIComponent(guid)}`, accept: [404] });
    return res.status === 404 ? null : toSoi(one(res.body));
  }

  /** The tenant's instances of that hostname (an order whose answer was lost is found this way). */
  async findServiceOfferingInstances(filter: { tenant: string; hostname: string }): Promise<ServiceOfferingInstance[]> {
    const res = await this.call<{ results: Raw[] }>({
      op: 'searchServiceOfferingInstances', method: 'POST', path: '/csm/ServiceOfferingInstance/search', body: params(filter),
    });
    return res.body.results.map(toSoi);
  }

  /** Decommissions an instance (deregisters it from the CX). Null when already gone, or already being decommissioned (409). */
  async decommissionServiceOffering(guid: string, idempotencyKey: string): Promise<ClmTask | null> {
    const res = await this.effect({
      op: 'decommissionServiceOffering',
      method: 'DELETE',
      path: `/csm/ServiceOfferingInstance/${encodeURIComponent(guid)}`,
      idempotencyKey,
      accept: [404, 409],
    });
    return res.status === 404 || res.status === 409 ? null : toTask(one(res.body));
  }

  // ---- organizations (tenants in CLM) ----

  /** The tenant's organization. Same name = already exists → that organization. */
  async createOrganization(spec: { name: string; tenant?: string }, idempotencyKey: string): Promise<{ organization: Organization; alreadyExisted: boolean }> {
    const res = await this.effect({ op: 'createOrganization', method: 'POST', path: '/csm/Organization', body: params(spec), idempotencyKey, accept: [409] });
    if (res.status !== 409) return { organization: stripClass(one(res.body)) as unknown as Organization, alreadyExisted: false };
    const guid = cloudError(res.body)?.existingGuid ?? '';
    const got = await this.call({ op: 'getOrganization', method: 'GET', path: `/csm/Organization/${encodeURIComponent(guid)}` });
    return { organization: stripClass(one(got.body)) as unknown as Organization, alreadyExisted: true };
  }

  /** False when already gone. */
  async deleteOrganization(guid: string, idempotencyKey: string): Promise<boolean> {
    const res = await this.effect({ op: 'deleteOrganization', method: 'DELETE', path: `/csm/Organization/${encodeURIComponent(guid)}`, idempotencyKey, accept: [404] });
    return res.status !== 404;
  }

  private async submission<T>(res: SystemResponse<unknown>, lookup: (guid: string) => Promise<T | null>, op: string): Promise<ClmSubmission<T>> {
    if (res.status !== 409) return { alreadyExisted: false, task: toTask(one(res.body)) };
    const guid = cloudError(res.body)?.existingGuid;
    const resource = guid ? await lookup(guid) : null;
    if (!resource) throw systemFailure('clm', op, 'conflict', describe(res.body) ?? 'already exists');
    return { alreadyExisted: true, resource };
  }

  async close(): Promise<void> {
    await this.session.logout();
    await this.http.close();
  }
}

function stripClass(raw: Raw): Raw {
  const { cloudClass: _c, ...rest } = raw;
  return rest;
}
