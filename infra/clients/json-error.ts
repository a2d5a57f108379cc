import { isCapacityCode } from './session';
import type { SystemErrorKind } from './system-error';

/** The `{ error: { code, message, ...extra } }` error style shared by InMage CX and the management services. */
interface JsonError {
  code?: string;
  message?: string;
  [k: string]: unknown;
}

function errorOf(body: unknown): JsonError | undefined {
  const e = (body as { error?: JsonError } | undefined)?.error;
  return e && typeof e === 'object' ? e : undefined;
}

/** `CODE: message`. */
export function describeJsonError(body: unknown): string | undefined {
  const e = errorOf(body);
  if (!e?.message) return typeof body === 'string' && body ? body.slice(0, 500) : undefined;
  return e.code ? `${e.code}: ${e.message}` : e.message;
}

/** 422 with a capacity code (MT_VMDK_LIMIT, MT_SLOTS_EXHAUSTED, ...) → `exhausted`. */
export function classifyJsonError(status: number, body: unknown): SystemErrorKind | undefined {
  return status === 422 && isCapacityCode(errorOf(body)?.code) ? 'exhausted' : undefined;
}

/** The record a 409 ALREADY_EXISTS carries under `error[field]`, if any. */
export function existingFrom<T>(body: unknown, field: string): T | undefined {
  return errorOf(body)?.[field] as T | undefined;
}
