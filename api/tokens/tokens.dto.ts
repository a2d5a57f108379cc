import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ApiTokenEntity } from '../../infra/persistence/entities';
import { ROLES, type Role } from '../../infra/persistence/enums';
import { Name, OneOf, Uuid } from '../common/validation';

export class CreateTokenDto {
  @Name({ example: 'northwind-admin' })
  name: string;

  @OneOf(ROLES, 'Role')
  role: Role;

  @Uuid({ optional: true, description: 'Role and tenantId go together: required with role tenant-admin, refused (422) with any other role' })
  tenantId?: string;
}

export class TokenResponseDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ROLES, enumName: 'Role' }) role: Role;
  @ApiPropertyOptional({ nullable: true, type: String }) tenantId: string | null;
  @ApiProperty() createdAt: string;
  @ApiPropertyOptional({ nullable: true, type: String }) revokedAt: string | null;
}

export class CreatedTokenResponseDto extends TokenResponseDto {
  @ApiProperty({ description: 'The bearer secret; shown only in this response' })
  token: string;
}

export function mapToken(t: ApiTokenEntity): TokenResponseDto {
  return {
    id: t.id, name: t.name, role: t.role, tenantId: t.tenantId, createdAt: t.createdAt.toISOString(),
    revokedAt: t.revokedAt ? t.revokedAt.toISOString() : null,
  };
}
