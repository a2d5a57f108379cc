import type { Role } from '../../infra/persistence/enums';
import type { NewAuditEvent } from '../../infra/persistence/repositories';
import { auditDetails } from '../common/audit-digest';
import { NotVisibleError } from '../common/errors';

/** Who is calling: the bearer token's identity and role. */
export interface Principal {
  tokenId: string;
  name: string;
  role: Role;
  /** The one tenant a tenant admin may see; null for provider roles. */
  tenantId: string | null;
}

/** Tenant admins see only their own tenant: any other id is reported as not found, never as forbidden. */
export function assertTenantVisible(p: Principal, tenantId: string, resource = 'tenant', id = tenantId): void {
  if (p.role === 'tenant-admin' && p.tenantId !== tenantId) throw new NotVisibleError(resource, id);
}

export function isTenantScoped(p: Principal): boolean {
  return p.role === 'tenant-admin';
}

export function auditEvent(
  p: Principal,
  action: string,
  resource: { type: string; id: string; tenantId?: string | null },
  details: Record<string, unknown> | null = null,
): NewAuditEvent {
  return {
    actorTokenId: p.tokenId, actorName: p.name, actorRole: p.role, action, resourceType: resource.type, resourceId: resource.id,
    tenantId: resource.tenantId ?? null, at: new Date(), details: details && auditDetails(details),
  };
}
