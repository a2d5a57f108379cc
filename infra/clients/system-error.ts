import { ApplicationFailure } from '@temporalio/common';

/**
 * Errors from the provider's systems, classified once at the client boundary:
 * connection errors, timeouts, 429 and 5xx are transient (Temporal retries them by policy);
 * bad input, auth and not-found are final (non-retryable failures carrying the system's message).
 */
export type SystemErrorKind = 'transient' | 'invalid' | 'unauthorized' | 'forbidden' | 'not-found' | 'conflict' | 'exhausted';

const FAILURE_TYPES: Record<SystemErrorKind, string> = {
  transient: 'SystemUnavailable',
  invalid: 'SystemRejectedRequest',
  unauthorized: 'SystemUnauthorized',
  forbidden: 'SystemForbidden',
  'not-found': 'SystemNotFound',
  conflict: 'SystemConflict',
  exhausted: 'SystemCapacityExhausted',
};

export function kindForStatus(status: number): SystemErrorKind {
  if (status === 429 || status >= 500) return 'transient';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  if (status === 409) return 'conflict';
  return 'invalid';
}

export function isRetryable(kind: SystemErrorKind): boolean {
  return kind === 'transient';
}

/** The Temporal failure for a system error: retryable or not, named by kind, with the system's message. */
export function systemFailure(system: string, op: string, kind: SystemErrorKind, message: string, status?: number): ApplicationFailure {
  const text = `${system}.${op}${status ? ` (${status})` : ''}: ${message}`;
  const details = [{ system, op, kind, status: status ?? null, message }];
  return isRetryable(kind)
    ? ApplicationFailure.retryable(text, FAILURE_TYPES[kind], ...details)
    : ApplicationFailure.nonRetryable(text, FAILURE_TYPES[kind], ...details);
}

/** The failure's kind, when it came from a system client. */
export function systemErrorKind(err: unknown): SystemErrorKind | undefined {
  if (!(err instanceof ApplicationFailure)) return undefined;
  const entry = Object.entries(FAILURE_TYPES).find(([, type]) => type === err.type);
  return entry?.[0] as SystemErrorKind | undefined;
}
