import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { SiteEntity } from '../../infra/persistence/entities';
import { SITE_KINDS, type SiteKind } from '../../infra/persistence/enums';
import { Int, Name, Nested, OneOf, Text } from '../common/validation';

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
