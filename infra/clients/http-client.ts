import { readFileSync } from 'node:fs';
import { Agent, errors as undiciErrors, request } from 'undici';
import { callClassOf, timeoutFor } from './call-classes';
import { kindForStatus, systemFailure, type SystemErrorKind } from './system-error';

/** Where a system is and how to reach it; production points these at the real products. */
export interface SystemEndpoint {
  baseUrl: string;
  username?: string;
  password?: string;
  /**
   * How long a read may go unanswered (default 30 s); side effects get twice that and slow synchronous calls
   * (power-on, re-IP, readiness...) six times, unless set below (see `call-classes.ts`).
   */
  timeoutMs?: number;
  /** How long a side effect may go unanswered (default 2 × `timeoutMs`). */
  sideEffectTimeoutMs?: number;
  /** How long a slow synchronous call may go unanswered (default 6 × `timeoutMs`). */
  slowTimeoutMs?: number;
  tls?: { caFile?: string; rejectUnauthorized?: boolean };
  /**
   * Open connections at most (default 512). Calls like a vCenter re-IP answer only when done, so a wave of
   * a few hundred VMs holds a few hundred calls open at once; a pool smaller than that queues them here.
   */
  maxConnections?: number;
}

export interface SystemRequest {
  /** Operation name, as logged and as shown in failures (e.g. `reserveIp`). */
  op: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Sent as `application/x-www-form-urlencoded` instead of a JSON body (e.g. OAuth-style token requests). */
  form?: Record<string, string>;
  headers?: Record<string, string>;
  /** Sent as `Idempotency-Key` with every side effect so a retry or a replay never does it twice. */
  idempotencyKey?: string;
  /** Statuses that are an answer rather than an error for this call (e.g. 404 for a lookup, 409 for an idempotent create). */
  accept?: number[];
}

export interface SystemResponse<T> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

/**
 * Refines the kind of an error answer when the status alone says too little (e.g. a 422 that means a pool
 * or a site is exhausted rather than bad input). Undefined falls back to the status.
 */
export type ErrorClassifier = (status: number, body: unknown) => SystemErrorKind | undefined;

/**
 * The one HTTP path to a provider system: keep-alive connection pool, timeouts by call class, TLS options, and error
 * classification (transient vs final) done here once. Systems differ in how they phrase errors, so each
 * client supplies `describeError` to pull the system's own message out of an error body, and optionally
 * `classify` to tell capacity errors from bad input.
 */
export class SystemHttpClient {
  private readonly agent: Agent;
  private readonly base: URL;

  constructor(
    readonly system: string,
    readonly endpoint: SystemEndpoint,
    private readonly describeError: (body: unknown) => string | undefined = defaultErrorText,
    private readonly classify: ErrorClassifier = () => undefined,
  ) {
    this.base = new URL(endpoint.baseUrl.endsWith('/') ? endpoint.baseUrl : `${endpoint.baseUrl}/`);
    const ca = endpoint.tls?.caFile ? readFileSync(endpoint.tls.caFile) : undefined;
    this.agent = new Agent({
      connections: endpoint.maxConnections ?? 512,
      keepAliveTimeout: 30_000,
      connect: { ca, rejectUnauthorized: endpoint.tls?.rejectUnauthorized ?? true },
    });
  }

  async call<T = unknown>(req: SystemRequest): Promise<SystemResponse<T>> {
    const url = new URL(req.path.replace(/^\//, ''), this.base);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
    let payload: string | undefined;
    if (req.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      payload = new URLSearchParams(req.form).toString();
    } else if (req.body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(req.body);
    }
    if (req.idempotencyKey) headers['idempotency-key'] = req.idempotencyKey;
    const timeout = timeoutFor(this.endpoint, callClassOf(this.system, req.op, req.idempotencyKey));

    let status: number;
    let responseHeaders: SystemResponse<T>['headers'];
    let text: string;
    try {
      const res = await request(url, {
        method: req.method,
        headers,
        body: payload,
        dispatcher: this.agent,
        headersTimeout: timeout,
        bodyTimeout: timeout,
        signal: AbortSignal.timeout(timeout),
      });
      status = res.statusCode;
      responseHeaders = res.headers;
      text = await res.body.text();
    } catch (err) {
      // No answer at all: refused, reset, DNS, TLS handshake or timed out. The call may or may not have
      // happened, which is why every side effect carries an idempotency key.
      throw systemFailure(this.system, req.op, 'transient', transportErrorText(err, timeout));
    }

    const body = parseBody(text);
    if (status >= 200 && status < 300) return { status, headers: responseHeaders, body: body as T };
    if (req.accept?.includes(status)) return { status, headers: responseHeaders, body: body as T };
    const message = this.describeError(body) ?? (text.slice(0, 500) || `HTTP ${status}`);
    throw systemFailure(this.system, req.op, this.classify(status, body) ?? kindForStatus(status), message, status);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function defaultErrorText(body: unknown): string | undefined {
  if (typeof body === 'string') return body.slice(0, 500) || undefined;
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    for (const key of ['message', 'error', 'detail', 'details']) if (typeof b[key] === 'string') return b[key] as string;
  }
  return undefined;
}

function transportErrorText(err: unknown, timeout: number): string {
  if (err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError) return `no answer within ${timeout} ms`;
  // By name, not instanceof: the abort reason is a DOMException, which need not share this realm's Error.
  const name = (err as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return `no answer within ${timeout} ms`;
  const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err instanceof Error ? err.message : String(err)}${cause}`;
}
