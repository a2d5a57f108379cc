import { SystemHttpClient, type SystemEndpoint, type SystemRequest, type SystemResponse } from '../http-client';
import { classifyJsonError, describeJsonError, existingFrom } from '../json-error';
import { basicAuthHeader, requireKey } from '../session';
import { systemFailure } from '../system-error';

/**
 * What the management-service clients share: HTTP Basic on every call, errors `{ error: { code, message } }`,
 * JSON REST under `/api/v1`. DESIGN ASSUMPTION: the real products (ITM/TEMS, Netcool, TSM, BigFix, CMDB,
 * TADDM, DNS, AD) are driven by agents, CLIs and assorted APIs; these speak the simulator's small REST APIs.
 *
 * Conventions for every service: a create whose natural key is taken (409 ALREADY_EXISTS) counts as success
 * and returns the existing record with `alreadyExisted: true` (compare and update it if its values matter);
 * a PUT upsert answers `created: true` for a new record; a delete of something already gone returns false.
 */

/** Fields every management record has. */
export interface MgmtRecord {
  id: string;
  tenant: string | null;
  server?: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Created<T> {
  record: T;
  alreadyExisted: boolean;
}

export interface Upserted<T> {
  record: T;
  /** True when the upsert created the record, false when it updated an existing one. */
  created: boolean;
}

type Query = Record<string, string | number | boolean | undefined>;

export abstract class ManagementClient {
  protected readonly http: SystemHttpClient;
  private readonly auth: Record<string, string>;

  constructor(
    readonly service: string,
    endpoint: SystemEndpoint,
  ) {
    this.http = new SystemHttpClient(service, endpoint, describeJsonError, classifyJsonError);
    this.auth = { authorization: basicAuthHeader(endpoint.username, endpoint.password) };
  }

  protected call<T = unknown>(req: SystemRequest): Promise<SystemResponse<T>> {
    return this.http.call<T>({ ...req, path: `/api/v1${req.path}`, headers: { ...req.headers, ...this.auth } });
  }

  protected effect<T = unknown>(req: SystemRequest & { idempotencyKey: string }): Promise<SystemResponse<T>> {
    requireKey(this.service, req.op, req.idempotencyKey);
    return this.call<T>(req);
  }

  protected async list<T>(op: string, path: string, query: Query = {}): Promise<T[]> {
    const res = await this.call<{ items: T[] }>({ op, method: 'GET', path, query });
    return res.body.items;
  }

  protected async get<T>(op: string, path: string): Promise<T | null> {
    const res = await this.call<T>({ op, method: 'GET', path, accept: [404] });
    return res.status === 404 ? null : res.body;
  }

  /** POST create; an existing record with the same natural key counts as success. */
  protected async create<T>(op: string, path: string, body: object, idempotencyKey: string): Promise<Created<T>> {
    const res = await this.effect<T>({ op, method: 'POST', path, body, idempotencyKey, accept: [409] });
    if (res.status !== 409) return { record: res.body, alreadyExisted: false };
    const existing = existingFrom<T>(res.body, 'existing');
    if (!existing) throw systemFailure(this.service, op, 'conflict', describeJsonError(res.body) ?? 'already exists', 409);
    return { record: existing, alreadyExisted: true };
  }

  /** PATCH; a clash with another record's natural key stays a (non-retryable) conflict. */
  protected async update<T>(op: string, path: string, change: object, idempotencyKey: string): Promise<T> {
    const res = await this.effect<T>({ op, method: 'PATCH', path, body: change, idempotencyKey });
    return res.body;
  }

  protected async put<T>(op: string, path: string, body: object, idempotencyKey: string): Promise<Upserted<T>> {
    const res = await this.effect<T>({ op, method: 'PUT', path, body, idempotencyKey });
    return { record: res.body, created: res.status === 201 };
  }

  /** False when already gone. */
  protected async remove(op: string, path: string, idempotencyKey: string): Promise<boolean> {
    const res = await this.effect({ op, method: 'DELETE', path, idempotencyKey, accept: [404] });
    return res.status !== 404;
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}

export const seg = encodeURIComponent;

/** An old IP → new IP map, as the re-address calls take it. */
export type IpMap = Record<string, string>;
