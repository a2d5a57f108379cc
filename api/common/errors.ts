/**
 * Domain errors thrown by services; the global exception filter maps each to one HTTP status.
 * Services never throw HTTP exceptions, so the same services can serve another transport.
 */
export class DomainError extends Error {}

/** 404. Also what a tenant admin gets for another tenant's resources, so they cannot be probed. */
export class NotFoundError extends DomainError {
  constructor(resource: string, id: string) {
    super(`${resource} ${id} not found`);
  }
}

/** 404 for a resource of another tenant: answered as not found, and recorded as a denied attempt. */
export class NotVisibleError extends NotFoundError {}

/** 409: the request is valid but clashes with the stored state (duplicate name, resource in use). */
export class ConflictError extends DomainError {
  constructor(message: string, readonly items: string[] = [], readonly details: Record<string, unknown> = {}) {
    super(message);
  }
}

/** 422: well-formed but semantically invalid (unknown VM, dependency cycle, overlapping subnets). */
export class UnprocessableError extends DomainError {
  constructor(readonly messages: string[], readonly details: Record<string, unknown> = {}) {
    super(messages.join('; '));
  }
}

/** 403: the caller's role may not do this. */
export class ForbiddenError extends DomainError {
  constructor(message = 'Your role may not do this') {
    super(message);
  }
}

/** The message an operator should read from a Temporal failure: its innermost cause's. */
export function innermost(err: unknown): string {
  let e: unknown = err;
  while (e && typeof e === 'object' && 'cause' in e && (e as { cause?: unknown }).cause) e = (e as { cause: unknown }).cause;
  return e instanceof Error ? e.message : String(e);
}
