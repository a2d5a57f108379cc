import type { TenantEntity } from '../../infra/persistence/entities';
import type { TenantRepository } from '../../infra/persistence/repositories';
import { assertTenantVisible, type Principal } from '../auth/principal';
import { NotFoundError } from '../common/errors';

/** The tenant, if it exists and the caller may see it; otherwise not found (same answer either way). */
export async function requireTenant(tenants: TenantRepository, p: Principal, tenantId: string): Promise<TenantEntity> {
  assertTenantVisible(p, tenantId);
  const tenant = await tenants.findById(tenantId);
  if (!tenant) throw new NotFoundError('tenant', tenantId);
  return tenant;
}
