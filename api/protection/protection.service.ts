import { Injectable } from '@nestjs/common';
import { ProtectionHealthRepository } from '../../infra/persistence/repositories/protection-health.repository';
import { TenantRepository } from '../../infra/persistence/repositories';
import type { Principal } from '../auth/principal';
import { requireTenant } from '../tenants/tenant-access';
import { mapProtection, type ProtectionResponseDto } from './protection.dto';

/** How many recent breaches the history shows beside the open ones. */
const RECENT_BREACHES = 50;

/** A tenant's protection health as its watch recorded it in the inventory (it survives the watch's continue-as-new). */
@Injectable()
export class ProtectionService {
  constructor(private readonly tenants: TenantRepository, private readonly health: ProtectionHealthRepository) {}

  async get(p: Principal, tenantId: string, samples: number): Promise<ProtectionResponseDto> {
    const tenant = await requireTenant(this.tenants, p, tenantId);
    const [status, open, history, recent] = await Promise.all([
      this.health.status(tenantId), this.health.openBreaches(tenantId), this.health.samples(tenantId, samples), this.health.recentBreaches(tenantId, RECENT_BREACHES),
    ]);
    return mapProtection(tenant, status, open, history, recent);
  }
}
