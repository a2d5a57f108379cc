import type { ApplicationFailure } from '@temporalio/common';
import { SystemHttpClient, type SystemEndpoint, type SystemRequest, type SystemResponse } from './http-client';
import { Session, callInSession, isCapacityCode, requireKey } from './session';
import { systemFailure, type SystemErrorKind } from './system-error';

/**
 * BMC (TrueSight) Network Automation: IP pools (reserve / release DR addresses), VLANs and their jobs.
 *
 * Session: `POST /token` with form fields (grant_type=password) → `Authorization: Bearer`, cached; one
 * re-login on a 401. Pages: `offset` is the 1-based page number. An empty pool answers 422 POOL_EXHAUSTED
 * (→ non-retryable `exhausted`).
 */

export interface IpPool {
  id: string;
  name: string;
  tenant: string | null;
  site: string;
  purpose: string;
  cidr: string;
  gateway: string;
  prefixLength: number;
  capacity: number;
  allocated: number;
  available: number;
}

export interface IpReservation {
  address: string;
  poolId: string;
  tenant: string | null;
  owner: string;
  purpose: string | null;
  reservedAt: string;
  prefixLength: number;
  gateway: string;
  /** The owner already held this address (reserved earlier under another key). */
  alreadyExisted: boolean;
}

export interface VlanPool {
  id: string;
  site: string;
  range: string;
  capacity: number;
  allocated: number;
  available: number;
}

export interface Vlan {
  id: string;
  vlanId: number;
  name: string;
  tenant: string | null;
  poolId: string;
  owner: string;
  state: 'PROVISIONING' | 'ACTIVE' | 'DELETING' | string;
  jobId: number;
}

export type BnaJobState = 'running' | 'completed' | 'failed';

export interface BnaJob {
  jobId: number;
  action: string;
  state: BnaJobState;
  tenant: string | null;
  target: string | null;
  createdAt: string;
  completedAt: string | null;
  result: Record<string, unknown> | null;
  error: { code?: string; message?: string } | null;
}

export interface VlanRequest {
  vlan: Vlan;
  /** The job to poll; null when the VLAN already existed. */
  job: BnaJob | null;
  alreadyExisted: boolean;
}

interface BnaError {
  errorCode?: string;
  message?: string;
}

type Raw = Record<string, unknown>;

const JOB_STATES: Record<number, BnaJobState> = { 1: 'running', 2: 'completed', 3: 'failed' };

function errorOf(body: unknown): BnaError | undefined {
  return body && typeof body === 'object' ? (body as BnaError) : undefined;
}

function describe(body: unknown): string | undefined {
  const e = errorOf(body);
  if (!e?.message) return typeof body === 'string' && body ? body.slice(0, 500) : undefined;
  return e.errorCode ? `${e.errorCode}: ${e.message}` : e.message;
}

function classify(status: number, body: unknown): SystemErrorKind | undefined {
  return status === 422 && isCapacityCode(errorOf(body)?.errorCode) ? 'exhausted' : undefined;
}

function toJob(raw: Raw): BnaJob {
  return {
    jobId: Number(raw.jobID),
    action: String(raw.action),
    state: JOB_STATES[Number(raw.status)] ?? 'running',
    tenant: (raw.tenant as string | null) ?? null,
    target: (raw.target as string | null) ?? null,
    createdAt: String(raw.createTime),
    completedAt: (raw.completionTime as string | null) ?? null,
    result: (raw.result as Raw | null) ?? null,
    error: (raw.error as BnaJob['error']) ?? null,
  };
}

const PAGE = 500;

export class BnaClient {
  private readonly http: SystemHttpClient;
  readonly session: Session;

  constructor(endpoint: SystemEndpoint) {
    this.http = new SystemHttpClient('bna', endpoint, describe, classify);
    this.session = new Session(
      async () => {
        const res = await this.http.call<{ access_token?: string; token?: string }>({
          op: 'login',
          method: 'POST',
          path: '/token',
          form: { grant_type: 'password', username: endpoint.username ?? '', password: endpoint.password ?? '' },
        });
        const token = res.body?.access_token ?? res.body?.token;
        if (!token) throw systemFailure('bna', 'login', 'unauthorized', 'login answered without a token');
        return token;
      },
      async (token) => {
        await this.http.call({ op: 'logout', method: 'DELETE', path: '/token', headers: { authorization: `Bearer ${token}` } });
      },
    );
  }

  private call<T = unknown>(req: SystemRequest): Promise<SystemResponse<T>> {
    return callInSession<T>(this.http, this.session, (token) => ({ authorization: `Bearer ${token}` }), req);
  }

  private effect<T = unknown>(req: SystemRequest & { idempotencyKey: string }): Promise<SystemResponse<T>> {
    requireKey('bna', req.op, req.idempotencyKey);
    return this.call<T>(req);
  }

  /** Every page of a BNA collection (1-based page numbers). */
  private async all<T>(op: string, path: string, query: Record<string, string | undefined> = {}): Promise<T[]> {
    const out: T[] = [];
    for (let page = 1; ; page++) {
      const res = await this.call<{ total: number; items: T[] }>({ op, method: 'GET', path, query: { ...query, offset: page, limit: PAGE } });
      out.push(...res.body.items);
      if (res.body.items.length < PAGE || out.length >= res.body.total) return out;
    }
  }

  // ---- IP pools ----

  listIpPools(filter: { tenant?: string; site?: string; purpose?: string } = {}): Promise<IpPool[]> {
    return this.all<IpPool>('listPools', '/v4.0/ip_pools', {
      'filter.tenant': filter.tenant,
      'filter.site': filter.site,
      'filter.purpose': filter.purpose,
    });
  }

  async getIpPool(id: string): Promise<IpPool | null> {
    const res = await this.call<IpPool>({ op: 'getPool', method: 'GET', path: `/v4.0/ip_pools/${encodeURIComponent(id)}`, accept: [404] });
    return res.status === 404 ? null : res.body;
  }

  /** Same name = already exists → that pool. */
  async createIpPool(
    spec: { name: string; cidr: string; tenant?: string; site?: string; purpose?: string },
    idempotencyKey: string,
  ): Promise<{ pool: IpPool; alreadyExisted: boolean }> {
    const res = await this.effect<IpPool & { pool?: IpPool }>({ op: 'createPool', method: 'POST', path: '/v4.0/ip_pools', body: spec, idempotencyKey, accept: [409] });
    if (res.status !== 409) return { pool: res.body, alreadyExisted: false };
    const pool = res.body.pool ?? (await this.getIpPool(spec.name));
    if (!pool) throw systemFailure('bna', 'createPool', 'conflict', describe(res.body) ?? 'already exists');
    return { pool, alreadyExisted: true };
  }

  /** False when already gone. A pool with reservations is refused (422). */
  async deleteIpPool(id: string, idempotencyKey: string): Promise<boolean> {
    const res = await this.effect({ op: 'deletePool', method: 'DELETE', path: `/v4.0/ip_pools/${encodeURIComponent(id)}`, idempotencyKey, accept: [404] });
    return res.status !== 404;
  }

  /**
   * Reserves the next free address (or `address`) of a pool for an owner (the VM). The owner already
   * holding an address (409) counts as success and returns that reservation (`alreadyExisted`).
   * An empty pool fails non-retryably with kind `exhausted`.
   */
  async reserveIp(
    poolId: string,
    spec: { owner: string; tenant?: string; purpose?: string; address?: string },
    idempotencyKey: string,
  ): Promise<IpReservation> {
    const res = await this.effect<Omit<IpReservation, 'alreadyExisted'> & { reservation?: Omit<IpReservation, 'alreadyExisted' | 'prefixLength' | 'gateway'> }>({
      op: 'reserveIp',
      method: 'POST',
      path: `/v4.0/ip_pools/${encodeURIComponent(poolId)}/reservations`,
      body: spec,
      idempotencyKey,
      accept: [409],
    });
    if (res.status !== 409) return { ...res.body, alreadyExisted: false };
    const held = res.body.reservation;
    const pool = await this.getIpPool(poolId);
    if (!held || !pool) throw systemFailure('bna', 'reserveIp', 'conflict', describe(res.body) ?? 'already reserved');
    return { ...held, prefixLength: pool.prefixLength, gateway: pool.gateway, alreadyExisted: true };
  }

  /** The owner's reservation in a pool, or null. */
  async findReservation(poolId: string, owner: string, tenant?: string): Promise<Omit<IpReservation, 'alreadyExisted' | 'prefixLength' | 'gateway'> | null> {
    const res = await this.call<{ items: Omit<IpReservation, 'alreadyExisted' | 'prefixLength' | 'gateway'>[] }>({
      op: 'listReservations',
      method: 'GET',
      path: `/v4.0/ip_pools/${encodeURIComponent(poolId)}/reservations`,
      query: { 'filter.owner': owner, 'filter.tenant': tenant },
    });
    return res.body.items[0] ?? null;
  }

  /** A pool's reservations, optionally of one tenant or purpose. */
  listReservations(poolId: string, filter: { tenant?: string; purpose?: string } = {}): Promise<Omit<IpReservation, 'alreadyExisted' | 'prefixLength' | 'gateway'>[]> {
    return this.all('listReservations', `/v4.0/ip_pools/${encodeURIComponent(poolId)}/reservations`, { 'filter.tenant': filter.tenant, 'filter.purpose': filter.purpose });
  }

  /** Releases an address (compensation, failback clean-up). False when it was not reserved (already released). */
  async releaseIp(poolId: string, address: string, idempotencyKey: string): Promise<boolean> {
    const res = await this.effect({
      op: 'releaseIp',
      method: 'DELETE',
      path: `/v4.0/ip_pools/${encodeURIComponent(poolId)}/reservations/${encodeURIComponent(address)}`,
      idempotencyKey,
      accept: [404],
    });
    return res.status !== 404;
  }

  // ---- VLANs ----

  listVlanPools(): Promise<VlanPool[]> {
    return this.all<VlanPool>('listVlanPools', '/v4.0/vlan_pools');
  }

  listVlans(filter: { tenant?: string; name?: string } = {}): Promise<Vlan[]> {
    return this.all<Vlan>('listVlans', '/v4.0/vlans', { 'filter.tenant': filter.tenant, 'filter.name': filter.name });
  }

  async getVlan(id: string): Promise<Vlan | null> {
    const res = await this.call<Vlan>({ op: 'getVlan', method: 'GET', path: `/v4.0/vlans/${encodeURIComponent(id)}`, accept: [404] });
    return res.status === 404 ? null : res.body;
  }

  /**
   * Adds a DR VLAN from the site's (or the given) VLAN pool; provisioning runs as a job. A VLAN of that
   * name for the tenant = already exists → that VLAN and no job. An exhausted pool → `exhausted`.
   */
  async addVlan(spec: { name: string; tenant?: string; site?: string; poolId?: string; owner?: string }, idempotencyKey: string): Promise<VlanRequest> {
    const res = await this.effect<Raw & { vlan: Vlan }>({ op: 'createVlan', method: 'POST', path: '/v4.0/vlans', body: spec, idempotencyKey, accept: [409] });
    if (res.status === 409) return { vlan: res.body.vlan, job: null, alreadyExisted: true };
    return { vlan: res.body.vlan, job: toJob(res.body), alreadyExisted: false };
  }

  /** Removes a VLAN (a job) and returns its id to the pool. Null when already gone, or already being deleted (409: no second job). */
  async removeVlan(id: string, idempotencyKey: string): Promise<BnaJob | null> {
    const res = await this.effect<Raw>({ op: 'deleteVlan', method: 'DELETE', path: `/v4.0/vlans/${encodeURIComponent(id)}`, idempotencyKey, accept: [404, 409] });
    return res.status === 404 || res.status === 409 ? null : toJob(res.body);
  }

  // ---- jobs ----

  async getJob(jobId: number): Promise<BnaJob> {
    const res = await this.call<Raw>({ op: 'getJob', method: 'GET', path: `/v4.0/jobs/${jobId}` });
    return toJob(res.body);
  }

  /** The failure for a failed job, classified like an HTTP error. */
  jobFailure(job: BnaJob): ApplicationFailure {
    const code = job.error?.code;
    const kind: SystemErrorKind = isCapacityCode(code) ? 'exhausted' : 'invalid';
    return systemFailure('bna', job.action, kind, job.error?.message ?? `job ${job.jobId} failed`);
  }

  async close(): Promise<void> {
    await this.session.logout();
    await this.http.close();
  }
}
