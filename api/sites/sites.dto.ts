import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { SiteLedger } from '../../domain/dr-capacity';
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

export class SiteResourcesDto {
  @ApiProperty() vcpu: number;
  @ApiProperty() memoryMb: number;
}

export class SiteComputeReportDto {
  @ApiProperty({ description: 'When an operation last read it from DR compute' }) reportedAt: string;
  @ApiProperty() down: boolean;
  @ApiPropertyOptional({ type: SiteCapacityResponseDto, nullable: true, description: 'The hardware; null when compute sets no limit' }) capacity: SiteCapacityResponseDto | null;
  @ApiProperty({ type: SiteCapacityResponseDto, description: 'Powered on and registered, whatever put it there' }) used: SiteCapacityResponseDto;
}

export class SiteTenantUsageDto {
  @ApiProperty() tenantId: string;
  @ApiProperty() tenant: string;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'The failover holding a reservation; null when the VMs simply run there' }) operationId: string | null;
  @ApiProperty() vms: number;
  @ApiProperty() vcpu: number;
  @ApiProperty() memoryMb: number;
}

export class SiteUsageDto {
  @ApiProperty({ type: SiteResourcesDto, description: "Tenants' VMs running at the site plus what running failovers reserved" }) used: SiteResourcesDto;
  @ApiProperty({ type: SiteResourcesDto, description: 'The configured capacity less what is used (negative when over)' }) free: SiteResourcesDto;
  @ApiProperty({ type: [SiteTenantUsageDto] }) tenants: SiteTenantUsageDto[];
}

export class SiteResponseDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: SITE_KINDS, enumName: 'SiteKind' }) kind: SiteKind;
  @ApiPropertyOptional({ type: String, nullable: true }) location: string | null;
  @ApiProperty({ type: SiteCapacityResponseDto, description: 'The DR capacity the provider allocated: the one Lifeline enforces' }) capacity: SiteCapacityResponseDto;
  @ApiProperty({ enum: ['configured'], description: 'Which capacity pre-flight and site failover enforce across tenants; compute is shown, not enforced' })
  capacityEnforced: 'configured';
  @ApiPropertyOptional({ type: SiteComputeReportDto, nullable: true, description: 'What DR compute last reported; null until an operation read it' })
  compute: SiteComputeReportDto | null;
  @ApiPropertyOptional({ type: SiteUsageDto, description: 'GET /v1/sites/{id} of a DR site: who takes its configured capacity' }) usage?: SiteUsageDto;
  @ApiProperty({ type: [String], description: 'Where the configured capacity and what compute reports disagree' }) warnings: string[];
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export function mapSite(s: SiteEntity, ledger?: SiteLedger): SiteResponseDto {
  const capacity = { vcpu: s.capacityVcpu, memoryMb: s.capacityMemoryMb, storageGb: s.capacityStorageGb, masterTargetSlots: s.capacityMasterTargetSlots };
  const report = s.computeCapacity ?? null;
  const hardware = report?.capacity
    ? { vcpu: report.capacity.vcpu, memoryMb: report.capacity.memoryGb * 1024, storageGb: report.capacity.storageGb, masterTargetSlots: report.capacity.masterTargetSlots }
    : null;
  const warnings = hardware
    ? (['vcpu', 'memoryMb', 'storageGb', 'masterTargetSlots'] as const)
        .filter((k) => capacity[k] > hardware[k])
        .map((k) => `configured ${k} ${capacity[k]} exceeds the ${hardware[k]} DR compute reports: failovers admitted within it may not power on`)
    : [];
  if (ledger && (ledger.free.vcpu < 0 || ledger.free.memoryMb < 0)) {
    warnings.push(`tenants use ${ledger.used.vcpu} vCPU / ${ledger.used.memoryMb} MB, more than configured: no failover fits until some fail back`);
  }
  return {
    id: s.id, name: s.name, kind: s.kind, location: s.location,
    capacity,
    capacityEnforced: 'configured',
    compute: report && s.computeReportedAt
      ? {
          reportedAt: s.computeReportedAt.toISOString(), down: report.down, capacity: hardware,
          used: { vcpu: report.used.vcpu, memoryMb: report.used.memoryGb * 1024, storageGb: report.used.storageGb, masterTargetSlots: report.used.masterTargets },
        }
      : null,
    ...(ledger ? { usage: { used: ledger.used, free: ledger.free, tenants: ledger.holders } } : {}),
    warnings,
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
