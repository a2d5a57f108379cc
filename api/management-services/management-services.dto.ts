import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ManagementServiceEntity } from '../../infra/persistence/entities';
import { MANAGEMENT_SERVICE_KINDS, MANAGEMENT_SERVICE_SCOPES, type ManagementServiceKind, type ManagementServiceScope } from '../../infra/persistence/enums';
import { Int, JsonObject, Name, OneOf, Text } from '../common/validation';

const ENDPOINT = /^\S+$/;
/** Enough for the fix-up scripts' hints; the captured management records live in their own store. */
export const METADATA_BOUNDS = { maxBytes: 65_536, maxDepth: 8 };

export class CreateManagementServiceDto {
  @OneOf(MANAGEMENT_SERVICE_KINDS, 'ManagementServiceKind') kind: ManagementServiceKind;
  @Name({ example: 'tivoli-monitoring' }) name: string;
  @Text({ max: 500, pattern: ENDPOINT, patternMessage: '$property must be a URL or host:port without blanks', example: 'https://itm.primary.example:3661' })
  primaryEndpoint: string;
  @Text({ max: 500, nullable: true, pattern: ENDPOINT, patternMessage: '$property must be a URL or host:port without blanks', example: 'https://itm.dr.example:3661' })
  drEndpoint?: string | null;
  @Int({ min: 0, max: 1000, description: 'Lower restores first', example: 10 }) restorePriority: number;
  @JsonObject({ ...METADATA_BOUNDS, nullable: true, description: 'Metadata captured before a disaster, for the fix-up scripts' }) metadata?: Record<string, unknown> | null;
}

export class UpdateManagementServiceDto {
  @OneOf(MANAGEMENT_SERVICE_KINDS, 'ManagementServiceKind', { optional: true }) kind?: ManagementServiceKind;
  @Name({ optional: true }) name?: string;
  @Text({ max: 500, optional: true, pattern: ENDPOINT, patternMessage: '$property must be a URL or host:port without blanks' }) primaryEndpoint?: string;
  @Text({ max: 500, nullable: true, pattern: ENDPOINT, patternMessage: '$property must be a URL or host:port without blanks' }) drEndpoint?: string | null;
  @Int({ min: 0, max: 1000, optional: true }) restorePriority?: number;
  @JsonObject({ ...METADATA_BOUNDS, nullable: true }) metadata?: Record<string, unknown> | null;
}

export class ManagementServiceResponseDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: MANAGEMENT_SERVICE_SCOPES, enumName: 'ManagementServiceScope' }) scope: ManagementServiceScope;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'Null for provider-shared services' }) tenantId: string | null;
  @ApiProperty({ enum: MANAGEMENT_SERVICE_KINDS, enumName: 'ManagementServiceKind' }) kind: ManagementServiceKind;
  @ApiProperty() name: string;
  @ApiProperty() primaryEndpoint: string;
  @ApiPropertyOptional({ type: String, nullable: true }) drEndpoint: string | null;
  @ApiProperty() restorePriority: number;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true }) metadata: Record<string, unknown> | null;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export function mapManagementService(m: ManagementServiceEntity): ManagementServiceResponseDto {
  return {
    id: m.id, scope: m.scope, tenantId: m.tenantId, kind: m.kind, name: m.name, primaryEndpoint: m.primaryEndpoint, drEndpoint: m.drEndpoint,
    restorePriority: m.restorePriority, metadata: m.metadata, createdAt: m.createdAt.toISOString(), updatedAt: m.updatedAt.toISOString(),
  };
}
