import { createHash } from 'node:crypto';

/** An audited value larger than this, as JSON, is recorded as its digest and size instead. */
export const AUDIT_VALUE_MAX_BYTES = 2048;

export interface ValueDigest {
  sha256: string;
  bytes: number;
}

function digested(value: unknown): unknown {
  const json = JSON.stringify(value) ?? 'null';
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes <= AUDIT_VALUE_MAX_BYTES) return value;
  const digest: ValueDigest = { sha256: createHash('sha256').update(json, 'utf8').digest('hex'), bytes };
  return digest;
}

/**
 * Audit details as recorded: each field (and each field of `changes`) larger than AUDIT_VALUE_MAX_BYTES
 * becomes `{ sha256, bytes }`, so the audit feed stays small and readable while a stored value can still
 * be matched to the event that wrote it.
 */
export function auditDetails(details: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(details).map(([key, value]) => [
      key,
      key === 'changes' && value && typeof value === 'object' && !Array.isArray(value)
        ? Object.fromEntries(Object.entries(value).map(([field, v]) => [field, digested(v)]))
        : digested(value),
    ]),
  );
}
