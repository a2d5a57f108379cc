import { Controller, Get, Injectable, Module, Query } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import type { AuditEventEntity } from '../../infra/persistence/entities';
import { AuditEventRepository, TenantRepository } from '../../infra/persistence/repositories';
import { isTenantScoped, type Principal } from '../auth/principal';
import { Allow, CurrentPrincipal } from '../auth/roles';
import { PageQueryDto, Uuid } from '../common/validation';
import { requireTenant } from '../tenants/tenant-access';

export class AuditQueryDto extends PageQueryDto {
  @Uuid({ optional: true, description: 'Only events about this tenant' }) tenantId?: string;
}

export class AuditEventResponseDto {
  @ApiProperty() id: number;
  @ApiProperty() at: string;
  @ApiProperty({ description: 'Token id, name and role of the caller' }) actor: { tokenId: string; name: string; role: string };
  @ApiProperty({ example: 'site.create' }) action: string;
  @ApiProperty() resource: { type: string; id: string };
  @ApiPropertyOptional({ type: String, nullable: true }) tenantId: string | null;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true }) details: Record<string, unknown> | null;
}

export class AuditPageDto {
  @ApiProperty({ type: AuditEventResponseDto, isArray: true }) items: AuditEventResponseDto[];
  @ApiProperty() total: number;
  @ApiProperty() limit: number;
  @ApiProperty() offset: number;
}

export function mapAuditEvent(e: AuditEventEntity): AuditEventResponseDto {
  return {
    id: e.id, at: e.at.toISOString(), actor: { tokenId: e.actorTokenId, name: e.actorName, role: e.actorRole }, action: e.action,
    resource: { type: e.resourceType, id: e.resourceId }, tenantId: e.tenantId, details: e.details,
  };
}

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

@ApiTags('audit-events')
@Controller('v1/audit-events')
export class AuditEventsController {
  constructor(private readonly service: AuditEventsService) {}

  @Get()
  @Allow('provider-admin', 'tenant-admin')
  @ApiOkResponse({ type: AuditPageDto })
  list(@CurrentPrincipal() p: Principal, @Query() q: AuditQueryDto) {
    return this.service.list(p, q);
  }
}

@Module({ controllers: [AuditEventsController], providers: [AuditEventsService] })
export class AuditEventsModule {}
