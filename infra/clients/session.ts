import type { SystemHttpClient, SystemRequest, SystemResponse } from './http-client';
import { systemErrorKind, systemFailure } from './system-error';

/**
 * A system session (CLM Authentication-Token, BNA Bearer token, ASA X-Auth-Token, vCenter session id):
 * logged in once, shared by every concurrent call (one login in flight at a time, never one per call),
 * dropped when the system answers 401 so the next call logs in again.
 */
export class Session {
  private token: string | null = null;
  private pending: Promise<string> | null = null;

  constructor(
    private readonly login: () => Promise<string>,
    private readonly logoutWith?: (token: string) => Promise<void>,
  ) {}

  /** The session token, logging in first if there is none. */
  async current(): Promise<string> {
    if (this.token !== null) return this.token;
    if (!this.pending) {
      this.pending = this.login().then(
        (token) => {
          this.token = token;
          this.pending = null;
          return token;
        },
        (err: unknown) => {
          this.pending = null;
          throw err;
        },
      );
    }
    return this.pending;
  }

  /** The cached token without logging in (null when there is none). */
  peek(): string | null {
    return this.token;
  }

  /** Forgets `token` if it is still the cached one (a concurrent call may already have replaced it). */
  invalidate(token: string): void {
    if (this.token === token) this.token = null;
  }

  /** Ends the session on the system, best effort: sessions are a limited resource on some (ASA: 25). */
  async logout(): Promise<void> {
    const token = this.token;
    this.token = null;
    if (token !== null && this.logoutWith) await this.logoutWith(token).catch(() => undefined);
  }
}

/**
 * Calls with the session's token; on a 401 logs in again once and repeats the call (the system refused it
 * before doing anything, and side effects carry idempotency keys anyway). A second 401 is final.
 */
export async function callInSession<T>(
  http: SystemHttpClient,
  session: Session,
  authHeaders: (token: string) => Record<string, string>,
  req: SystemRequest,
): Promise<SystemResponse<T>> {
  const token = await session.current();
  try {
    return await http.call<T>({ ...req, headers: { ...req.headers, ...authHeaders(token) } });
  } catch (err) {
    if (systemErrorKind(err) !== 'unauthorized') throw err;
    session.invalidate(token);
    const fresh = await session.current();
    return http.call<T>({ ...req, headers: { ...req.headers, ...authHeaders(fresh) } });
  }
}

/** Every side effect must carry a key minted by the workflow; an empty one is a programming error. */
export function requireKey(system: string, op: string, idempotencyKey: string): string {
  if (typeof idempotencyKey !== 'string' || idempotencyKey.trim() === '') {
    throw systemFailure(system, op, 'invalid', 'an idempotency key is required for every side effect');
  }
  return idempotencyKey;
}

export function basicAuthHeader(username = '', password = ''): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** Capacity refusals (pool exhausted, master-target limits, site capacity short) by their error code. */
export function isCapacityCode(code: string | undefined): boolean {
  return code !== undefined && /EXHAUSTED|_LIMIT$|UNABLE_TO_ALLOCATE/.test(code);
}

/** One response header, case-insensitively. */
export function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
