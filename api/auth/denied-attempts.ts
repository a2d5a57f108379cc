import { Injectable } from '@nestjs/common';
import { Logger } from 'nestjs-pino';
import { hashToken } from './token-secret';
import type { Principal } from './principal';

/** Per caller (token, or presented secret, or address), at most this many denied attempts are recorded per window. */
export const DENIED_RECORDS_PER_WINDOW = 10;
const WINDOW_MS = 60_000;

interface Window {
  startedAt: number;
  recorded: number;
  suppressed: number;
  /** Left out in the caller's previous window, told on this window's first record. */
  carried: number;
}

export interface DeniedRequest {
  method: string;
  path: string;
  ip?: string;
  headers: { authorization?: string };
  route?: { path?: string };
  principal?: Principal;
}

/**
 * Who tried: the token when it authenticated, else a fingerprint of the secret presented (traceable to a
 * revoked token). Unauthenticated attempts are counted per address, as each guess brings a new secret.
 */
function actor(req: DeniedRequest): { key: string; tokenId: string | null; tokenName: string | null; role: string | null; tenantId: string | null; fingerprint: string | null } {
  const p = req.principal;
  if (p) return { key: `token:${p.tokenId}`, tokenId: p.tokenId, tokenName: p.name, role: p.role, tenantId: p.tenantId, fingerprint: null };
  const secret = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
  const fingerprint = secret ? `sha256:${hashToken(secret).slice(0, 16)}` : null;
  return { key: `address:${req.ip ?? 'unknown'}`, tokenId: null, tokenName: null, role: null, tenantId: null, fingerprint };
}

/**
 * Denied attempts (401, 403, 429, and 404 for another tenant's resources) go to the security log (the
 * `Security` context of the API's log, `security: "access.denied"`), with the token (or the presented
 * secret's fingerprint), the route and the client address. Not to the audit table: a refused request
 * writes no row, and a flood of them cannot grow the database. A caller that keeps being denied is
 * recorded DENIED_RECORDS_PER_WINDOW times a minute; its next record says how many were left out.
 */
@Injectable()
export class DeniedAttempts {
  private readonly windows = new Map<string, Window>();

  /** The API's own log (nestjs-pino), so the record goes where the request log goes. */
  constructor(private readonly logger: Logger) {}

  record(req: DeniedRequest, status: number, reason: string, now = Date.now()): void {
    const who = actor(req);
    const w = this.window(who.key, now);
    if (w.recorded >= DENIED_RECORDS_PER_WINDOW) {
      w.suppressed++;
      return;
    }
    w.recorded++;
    const route = `${req.method} ${req.route?.path ?? req.path}`.slice(0, 255);
    const earlier = w.carried;
    w.carried = 0;
    this.logger.warn({
      security: 'access.denied', status, route, path: req.path.slice(0, 500), reason: reason.slice(0, 500), address: req.ip ?? null,
      tokenId: who.tokenId, tokenName: who.tokenName, role: who.role, tenantId: who.tenantId, secretFingerprint: who.fingerprint,
      ...(earlier ? { notRecordedBefore: earlier } : {}),
    }, 'Security');
  }

  private window(key: string, now: number): Window {
    let w = this.windows.get(key);
    if (!w || now - w.startedAt >= WINDOW_MS) {
      if (this.windows.size > 10_000) this.forgetEnded(now);
      w = { startedAt: now, recorded: 0, suppressed: 0, carried: w ? w.suppressed + w.carried : 0 };
      this.windows.set(key, w);
    }
    return w;
  }

  private forgetEnded(now: number): void {
    for (const [key, w] of this.windows) if (now - w.startedAt >= WINDOW_MS) this.windows.delete(key);
  }
}
