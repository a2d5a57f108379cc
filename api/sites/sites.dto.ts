import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { SiteEntity } from '../../infra/persistence/entities';
import { SITE_KINDS, type SiteKind } from '../../infra/persistence/enums';
import { Bool, Int, Name, Nested, OneOf, Text } from '../common/validation';

const MAX = 100_000_000;

export class SiteCapacityDto {
  @Int({ min: 0, max: MAX, optional: true, example: 2048 }) vcpu?: number;
  @Int({ min: 0, max: MAX, optional: true, example: 8_388_608 }) memoryMb?: number;
  @Int({ min: 0, max: MAX, optional: true, example: 500_000 }) storageGb?: number;
  @Int({ min: 0, max: 100_000, optional: true, example: 40, description: 'InMage master-target slots' }) masterTargetSlots?: number;
}

export class CreateSiteDto {
  @Name({ example: 'dr-east-1' }) name: string;
  @OneOf(SITE_KINDS, 'SiteKind', { description: 'primary (customer or provider PoD) or dr' }) kind: SiteKind;
  @Text({ nullable: true, example: 'Ashburn, VA' }) location?: string | null;
  @Nested(() => SiteCapacityDto, { optional: true, description: 'DR capacity shared by the tenants (zeros when absent)' })
  capacity?: SiteCapacityDto;
}

export class UpdateSiteDto {
  @Name({ optional: true }) name?: string;
  @OneOf(SITE_KINDS, 'SiteKind', { optional: true }) kind?: SiteKind;
  @Text({ nullable: true }) location?: string | null;
  @Nested(() => SiteCapacityDto, { optional: true, description: 'Fields given replace the stored ones' }) capacity?: SiteCapacityDto;
}

export class SiteCapacityResponseDto {
  @ApiProperty() vcpu: number;
  @ApiProperty() memoryMb: number;
  @ApiProperty() storageGb: number;
  @ApiProperty() masterTargetSlots: number;
}

export class SiteResponseDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: SITE_KINDS, enumName: 'SiteKind' }) kind: SiteKind;
  @ApiPropertyOptional({ type: String, nullable: true }) location: string | null;
  @ApiProperty({ type: SiteCapacityResponseDto }) capacity: SiteCapacityResponseDto;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export function mapSite(s: SiteEntity): SiteResponseDto {
  return {
    id: s.id, name: s.name, kind: s.kind, location: s.location,
    capacity: { vcpu: s.capacityVcpu, memoryMb: s.capacityMemoryMb, storageGb: s.capacityStorageGb, masterTargetSlots: s.capacityMasterTargetSlots },
    createdAt: s.createdAt.toISOString(), updatedAt: s.updatedAt.toISOString(),
  };
}

/** Up to 30 days. */
const MAX_APPROVAL_SECONDS = 30 * 24 * 3600;

export class SiteApprovalPolicyDto {
  @Bool({ description: "Network-container requests at this DR site are approved without the provider's desk" }) autoApproveContainers: boolean;
  @Int({ min: 60, max: MAX_APPROVAL_SECONDS, example: 14_400, description: 'A pending approval is reminded after this long' }) approvalReminderSeconds: number;
  @Int({ min: 60, max: MAX_APPROVAL_SECONDS, example: 86_400, description: 'and escalated after this long (not before the reminder)' }) approvalEscalationSeconds: number;
}

export class SiteApprovalPolicyResponseDto extends SiteApprovalPolicyDto {
  @ApiProperty() siteId: string;
  @ApiProperty({ enum: ['site', 'default'], description: "site: the site's own policy; default: the site has none and gets the default" }) source: 'site' | 'default';
  @ApiPropertyOptional({ type: String, nullable: true }) updatedAt: string | null;
}
