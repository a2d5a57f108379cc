/**
 * How a disaster is declared for a site or a tenant (PRODUCT.md, workflow 7), stored in the inventory:
 * - `auto`: declared once `sources` distinct sources have alerted within `windowSeconds`, or, with
 *   `graceSeconds`, once that long has passed since the first alert with no all-clear;
 * - `confirm`: declared when the `approver` approves (the provider's staff, the tenant's admin, or either,
 *   as the contract says), reminded after `reminderSeconds` and escalated after `escalationSeconds`;
 * - `manual`: the alerts are recorded only; an approver may still declare.
 */
export const DECLARATION_MODES = ['auto', 'confirm', 'manual'] as const;
export type DeclarationMode = (typeof DECLARATION_MODES)[number];

export const DECLARATION_APPROVERS = ['provider', 'tenant', 'either'] as const;
export type DeclarationApprover = (typeof DECLARATION_APPROVERS)[number];

export interface DeclarationPolicy {
  mode: DeclarationMode;
  sources: number;
  windowSeconds: number;
  graceSeconds: number | null;
  approver: DeclarationApprover;
  reminderSeconds: number;
  escalationSeconds: number;
}

/** Where a policy in force comes from: the tenant's own, its site's, or the default. */
export type PolicySource = 'tenant' | 'site' | 'default';

/** Nothing is declared without a person: the provider confirms, reminded after 15 minutes, escalated after an hour. */
export const DEFAULT_DECLARATION_POLICY: DeclarationPolicy = {
  mode: 'confirm', sources: 2, windowSeconds: 300, graceSeconds: null, approver: 'provider', reminderSeconds: 900, escalationSeconds: 3600,
};

const CAUTION: Record<DeclarationMode, number> = { auto: 0, confirm: 1, manual: 2 };

/** Of several tenants' policies, the most cautious decides a declaration that names them all. */
export function mostCautious(policies: DeclarationPolicy[]): DeclarationPolicy {
  return policies.reduce((a, b) => (CAUTION[b.mode] > CAUTION[a.mode] || (b.mode === a.mode && b.sources > a.sources) ? b : a), policies[0] ?? DEFAULT_DECLARATION_POLICY);
}

/** One alert as the declaration counts it: a source and when it fired (ms since the epoch). */
export interface SourceSighting {
  source: string;
  at: number;
}

/** Distinct sources that alerted within the policy's window ending at `now`. */
export function corroboratingSources(sightings: SourceSighting[], windowSeconds: number, now: number): string[] {
  return [...new Set(sightings.filter((s) => now - s.at <= windowSeconds * 1000).map((s) => s.source))].sort();
}

/** Who may approve under a policy: provider staff, or the admin of one of the tenants concerned. */
export function mayApprove(approver: DeclarationApprover, who: { role: string; tenantId: string | null }, tenants: string[]): boolean {
  const provider = who.role === 'provider-admin' || who.role === 'provider-operator';
  const ownTenant = who.role === 'tenant-admin' && who.tenantId !== null && tenants.includes(who.tenantId);
  if (approver === 'provider') return provider;
  if (approver === 'tenant') return ownTenant;
  return provider || ownTenant;
}
