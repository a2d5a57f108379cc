import type { IncomingHttpHeaders } from 'node:http';
import { randomUUID } from 'node:crypto';

/**
 * The small HTTP layer every emulated system shares: requests, replies, errors, routes and the error
 * body styles of each real product. Plain node:http underneath, so latency and held requests cost a
 * timer, never a busy wait.
 */

/** An error answered in the system's own error style. `code` is machine-readable (e.g. ALREADY_EXISTS). */
export class SimError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly context?: string,
  ) {
    super(message);
  }
}

/**
 * Status conventions shared by every system in the simulator (adapters classify on them):
 * 400 bad input, 401 no/expired session, 404 unknown resource, 409 ALREADY EXISTS / already in the
 * desired state (an idempotent create or action may treat it as success), 422 a rule or limit refused it
 * (pool exhausted, MT full, capacity short, wrong state), 503 session limit or injected unavailability.
 */
export const badRequest = (message: string, context?: string): SimError =>
  new SimError(400, 'INVALID_ARGUMENT', message, {}, context);
export const notFound = (what: string): SimError => new SimError(404, 'NOT_FOUND', `${what} not found`);
export const alreadyExists = (message: string, extra: Record<string, unknown> = {}): SimError =>
  new SimError(409, 'ALREADY_EXISTS', message, extra);
export const refused = (code: string, message: string, extra: Record<string, unknown> = {}): SimError =>
  new SimError(422, code, message, extra);

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Req {
  method: string;
  /** Path below the system's mount, e.g. `/csm/NetworkContainer/abc`. */
  path: string;
  fullPath: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** Absolute URL of the system's mount (for Location headers and selfLinks). */
  base: string;
}

/** Faults that the operation itself must honour. */
export interface RunFlags {
  stuck: boolean;
  idempotencyKey: string | null;
}

/**
 * What a route resolved before anything happens: who it is about (for the ops log and fault targeting)
 * and the work to do. `jobs` says the operation has a job that can get stuck.
 */
export interface Action {
  tenant?: string | null;
  target?: string | null;
  /** The operation starts a job or a timed phase (a `stuck` fault sticks there, not in the answer). */
  jobs?: boolean;
  /**
   * A job operation answers at once and its job takes the operation's time; set this when the answer
   * itself takes the operation's time as well (a power-on answers after 45 s, then the guest boots).
   */
  answersAfterLatency?: boolean;
  run(flags: RunFlags): Reply | Promise<Reply>;
}

export interface Route {
  method: string;
  path: string;
  /** Operation name without the system, e.g. `powerOn`. */
  op: string;
  /** Side-effecting: needs an Idempotency-Key, replays, is logged. */
  effect?: boolean;
  /** No session needed (login endpoints). */
  public?: boolean;
  handle(req: Req): Action;
}

export interface SystemDef {
  /** Name used in op names and the ops log (`compute`, `dns`...). */
  system: string;
  /** URL prefix, e.g. `/compute` or `/mgmt/dns`. */
  mount: string;
  errorStyle: (err: SimError) => Reply;
  /** Throws a 401 SimError if the request carries no valid session. */
  authenticate?: (req: Req) => void;
  routes: Route[];
}

interface Compiled {
  route: Route;
  segments: string[];
}

/** Matches `/a/:b/c` style paths. Routes are few, so a linear match per system is cheap. */
export class RouteTable {
  private byMethod = new Map<string, Compiled[]>();
  private paths = new Set<string>();

  constructor(routes: Route[]) {
    for (const route of routes) {
      const list = this.byMethod.get(route.method) ?? [];
      list.push({ route, segments: split(route.path) });
      this.byMethod.set(route.method, list);
      this.paths.add(route.path);
    }
  }

  match(method: string, path: string): { route: Route; params: Record<string, string> } | 'method' | null {
    const segs = split(path);
    const found = this.find(this.byMethod.get(method) ?? [], segs);
    if (found) return found;
    for (const [m, list] of this.byMethod) {
      if (m !== method && this.find(list, segs)) return 'method';
    }
    return null;
  }

  private find(list: Compiled[], segs: string[]): { route: Route; params: Record<string, string> } | null {
    outer: for (const c of list) {
      if (c.segments.length !== segs.length) continue;
      const params: Record<string, string> = {};
      for (let i = 0; i < segs.length; i++) {
        const pat = c.segments[i];
        if (pat.startsWith(':')) {
          params[pat.slice(1)] = segs[i];
        } else if (pat.toLowerCase() !== segs[i].toLowerCase()) {
          continue outer;
        }
      }
      return { route: c.route, params };
    }
    return null;
  }
}

function split(path: string): string[] {
  return path
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
}

// ---- error body styles of the real products ------------------------------------------------------------

/** BMC CLM: a JSON array holding a CloudError. */
export function clmErrorStyle(err: SimError): Reply {
  return {
    status: err.status,
    body: [
      {
        cloudClass: 'com.bmc.cloud.model.beans.CloudError',
        errorID: err.code,
        errorCause: err.message,
        guid: randomUUID(),
        ...err.extra,
      },
    ],
  };
}

/** Cisco ASA REST: `{ messages: [{ level, code, context, details }] }`. */
export function asaErrorStyle(err: SimError): Reply {
  const headers: Record<string, string> = {};
  if (typeof err.extra.location === 'string') headers.Location = err.extra.location;
  return {
    status: err.status,
    headers,
    body: {
      messages: [{ level: 'Error', code: err.code, context: err.context ?? null, details: err.message, ...err.extra }],
    },
  };
}

/** BNA: the error schema is undocumented; design assumption `{ status, errorCode, message }`. */
export function bnaErrorStyle(err: SimError): Reply {
  return { status: err.status, body: { status: err.status, errorCode: err.code, message: err.message, ...err.extra } };
}

/** vSphere Automation REST style: `{ error_type, messages: [{ id, default_message, args }] }`. */
export function vcenterErrorStyle(err: SimError): Reply {
  return {
    status: err.status,
    body: {
      error_type: err.code,
      messages: [{ id: `com.vmware.sim.${err.code.toLowerCase()}`, default_message: err.message, args: [] }],
      ...err.extra,
    },
  };
}

/** InMage CX, the management services and the control API: `{ error: { code, message, ... } }`. */
export function jsonErrorStyle(err: SimError): Reply {
  return { status: err.status, body: { error: { code: err.code, message: err.message, ...err.extra } } };
}

// ---- small input helpers -----------------------------------------------------------------------------

export function asObject(body: unknown, what = 'body'): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest(`${what} must be a JSON object`);
  }
  return body as Record<string, unknown>;
}

export function str(o: Record<string, unknown>, key: string, required: true): string;
export function str(o: Record<string, unknown>, key: string, required?: false): string | undefined;
export function str(o: Record<string, unknown>, key: string, required = false): string | undefined {
  const v = o[key];
  if (v === undefined || v === null || v === '') {
    if (required) throw badRequest(`${key} is required`, key);
    return undefined;
  }
  if (typeof v !== 'string') throw badRequest(`${key} must be a string`, key);
  return v;
}

export function num(o: Record<string, unknown>, key: string, fallback?: number): number {
  const v = o[key];
  if (v === undefined || v === null) {
    if (fallback === undefined) throw badRequest(`${key} is required`, key);
    return fallback;
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) throw badRequest(`${key} must be a number`, key);
  return v;
}

export function bool(o: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const v = o[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'boolean') throw badRequest(`${key} must be a boolean`, key);
  return v;
}

export function strArray(o: Record<string, unknown>, key: string): string[] | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw badRequest(`${key} must be an array of strings`, key);
  return v as string[];
}

export const ok = (body?: unknown, headers?: Record<string, string>): Reply => ({ status: 200, body, headers });
export const created = (body: unknown, headers?: Record<string, string>): Reply => ({ status: 201, body, headers });
export const accepted = (body: unknown, headers?: Record<string, string>): Reply => ({ status: 202, body, headers });
export const noContent = (headers?: Record<string, string>): Reply => ({ status: 204, headers });

/** An action for read-only routes. */
export function read(run: () => Reply, target?: string | null, tenant?: string | null): Action {
  return { target: target ?? null, tenant: tenant ?? null, run };
}

/** Basic credentials from an Authorization header, or null. */
export function basicAuth(headers: IncomingHttpHeaders): { user: string; password: string } | null {
  const h = headers.authorization;
  if (!h || !/^basic /i.test(h)) return null;
  const decoded = Buffer.from(h.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
