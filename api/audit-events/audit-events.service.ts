import { Injectable } from '@nestjs/common';
import { AuditEventRepository, TenantRepository } from '../../infra/persistence/repositories';
import { isTenantScoped, type Principal } from '../auth/principal';
import { requireTenant } from '../tenants/tenant-access';
import { mapAuditEvent, type AuditPageDto, type AuditQueryDto } from './audit-events.dto';

@Injectable()
export class AuditEventsService {
  constructor(private readonly audit: AuditEventRepository, private readonly tenants: TenantRepository) {}

  /** Newest first. A tenant admin reads only its own tenant's events. */
  async list(p: Principal, q: AuditQueryDto): Promise<AuditPageDto> {
    const limit = q.limit ?? 100;
    const offset = q.offset ?? 0;
    let tenantId = q.tenantId;
    if (isTenantScoped(p)) {
      if (tenantId) await requireTenant(this.tenants, p, tenantId);
      tenantId = p.tenantId ?? undefined;
    }
    const { items, total } = await this.audit.list({ tenantId, limit, offset });
    return { items: items.map(mapAuditEvent), total, limit, offset };
  }
}
