import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { AuditEventEntity } from '../../infra/persistence/entities';
import { PageQueryDto, Uuid } from '../common/validation';

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
