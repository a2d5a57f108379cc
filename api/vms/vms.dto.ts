import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ProtectedVmEntity } from '../../infra/persistence/entities';
import { REPLICATION_STATES, VM_ROLES, type ReplicationState, type VmRole } from '../../infra/persistence/enums';
import { Bool, Int, IpArray, Name, Nested, NestedArray, OneOf, PageQueryDto, Text } from '../common/validation';

export const MAX_VMS_PER_REQUEST = 5000;

export class DiskDto {
  @Name({ example: 'disk0' }) name: string;
  @Int({ min: 1, max: 63_488, example: 100, description: 'At most 62 TB, the largest VMDK' }) sizeGb: number;
}

export class PrimaryIdentityDto {
  @Text({ max: 255, example: 'nw-db-1.northwind.local' }) hostname: string;
  @IpArray({ min: 1, max: 32, example: ['10.1.0.11'] }) ips: string[];
}

export class DrIdentityDto {
  @ApiPropertyOptional({ type: String, nullable: true }) hostname: string | null;
  @ApiProperty({ type: String, isArray: true, example: ['172.16.0.11'] }) ips: string[];
}

export class ProbeDto {
  @OneOf(['http', 'tcp'], 'ProbeKind') kind: 'http' | 'tcp';
  @Text({ max: 500, optional: true, pattern: /^https?:\/\/\S+$/, patternMessage: '$property must be an http(s) URL', description: 'For http probes' })
  url?: string;
  @Int({ min: 1, max: 65535, optional: true, description: 'For tcp probes' }) port?: number;
}

/** What vCenter at the DR site can run: larger VMs are refused at import rather than at a failover. */
export const VM_LIMITS = { vcpu: 768, memoryMb: 24 * 1024 * 1024, disks: 64, diskSizeGb: 63_488 };

/**
 * What a tenant describes. The fields Lifeline's workflows own (replication state and lag, master
 * target, DR identity) are not here: they are read-only, so sending one is refused like any unknown field.
 */
export class CreateVmDto {
  @Name({ example: 'nw-db-1', description: 'Unique within the tenant' }) name: string;
  @OneOf(VM_ROLES, 'VmRole') role: VmRole;
  @Text({ max: 100, example: 'rhel-9' }) os: string;
  @Int({ min: 1, max: VM_LIMITS.vcpu, example: 4 }) vcpu: number;
  @Int({ min: 1, max: VM_LIMITS.memoryMb, example: 16384 }) memoryMb: number;
  @NestedArray(() => DiskDto, { min: 1, max: VM_LIMITS.disks }) disks: DiskDto[];
  @Nested(() => PrimaryIdentityDto) primary: PrimaryIdentityDto;
  @Int({ min: 0, max: 1_000_000, optional: true, description: 'Lower recovers first within a group; default 100' }) recoveryPriority?: number;
  @Bool({ optional: true, description: 'A failed critical VM holds the whole operation' }) critical?: boolean;
  @NestedArray(() => ProbeDto, { max: 16, optional: true }) probes?: ProbeDto[];
}

export class ImportVmsDto {
  @NestedArray(() => CreateVmDto, { min: 1, max: MAX_VMS_PER_REQUEST, description: `1 to ${MAX_VMS_PER_REQUEST} VMs, stored all or nothing` })
  vms: CreateVmDto[];
}

export class VmListQueryDto extends PageQueryDto {}

export class VmRefDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
}

export class ImportVmsResponseDto {
  @ApiProperty() count: number;
  @ApiProperty({ type: VmRefDto, isArray: true }) items: VmRefDto[];
}

export class VmSiteDto {
  @ApiProperty({ enum: ['primary', 'dr'], description: 'primary: protected from its primary site; dr: recovered, running at the DR site' }) role: 'primary' | 'dr';
  @ApiProperty() id: string;
}

export class VmResponseDto {
  @ApiProperty() id: string;
  @ApiProperty() tenantId: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: VM_ROLES, enumName: 'VmRole' }) role: VmRole;
  @ApiProperty() os: string;
  @ApiProperty() vcpu: number;
  @ApiProperty() memoryMb: number;
  @ApiProperty({ type: DiskDto, isArray: true }) disks: DiskDto[];
  @ApiProperty({ type: PrimaryIdentityDto }) primary: PrimaryIdentityDto;
  @ApiPropertyOptional({ type: DrIdentityDto, nullable: true, readOnly: true, description: 'Set from the IP mapping when the address is reserved' }) dr: DrIdentityDto | null;
  @ApiProperty({ enum: REPLICATION_STATES, enumName: 'ReplicationState', readOnly: true, description: 'Set by the workflows. failed-over: recovered at the DR site, not replicating' }) replicationState: ReplicationState;
  @ApiProperty({ type: VmSiteDto, description: 'Where the VM runs now' }) site: VmSiteDto;
  @ApiPropertyOptional({ type: Number, nullable: true, readOnly: true }) rpoLagSeconds: number | null;
  @ApiProperty() recoveryPriority: number;
  @ApiPropertyOptional({ type: String, nullable: true, readOnly: true, description: 'InMage master target protecting this VM, chosen by onboarding' }) masterTarget: string | null;
  @ApiProperty() critical: boolean;
  @ApiProperty({ type: ProbeDto, isArray: true }) probes: ProbeDto[];
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class VmPageDto {
  @ApiProperty({ type: VmResponseDto, isArray: true }) items: VmResponseDto[];
  @ApiProperty() total: number;
  @ApiProperty() limit: number;
  @ApiProperty() offset: number;
}

export function mapVm(v: ProtectedVmEntity, tenant: { primarySiteId: string; drSiteId: string }): VmResponseDto {
  return {
    id: v.id, tenantId: v.tenantId, name: v.name, role: v.role, os: v.os, vcpu: v.vcpu, memoryMb: v.memoryMb, disks: v.disks,
    primary: { hostname: v.primaryHostname, ips: v.primaryIps },
    dr: v.drIps === null && v.drHostname === null ? null : { hostname: v.drHostname, ips: v.drIps ?? [] },
    replicationState: v.replicationState,
    site: v.replicationState === 'failed-over' ? { role: 'dr', id: tenant.drSiteId } : { role: 'primary', id: tenant.primarySiteId },
    rpoLagSeconds: v.rpoLagSeconds, recoveryPriority: v.recoveryPriority,
    masterTarget: v.masterTarget, critical: Boolean(v.critical), probes: v.probes ?? [],
    createdAt: v.createdAt.toISOString(), updatedAt: v.updatedAt.toISOString(),
  };
}
