import { ApiProperty } from '@nestjs/swagger';
import type { IpMappingRecord } from '../../infra/persistence/repositories';
import { Ip, Name, NestedArray, Text } from '../common/validation';

const CIDR = /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/;

export class SubnetRuleDto {
  @Text({ max: 18, pattern: CIDR, patternMessage: '$property must be an IPv4 CIDR such as 10.1.0.0/24', example: '10.1.0.0/24' }) primaryCidr: string;
  @Text({ max: 18, pattern: CIDR, patternMessage: '$property must be an IPv4 CIDR such as 172.16.1.0/24', example: '172.16.1.0/24' }) drCidr: string;
}

export class VmOverrideDto {
  @Name({ example: 'nw-db-1', description: 'VM name' }) vm: string;
  @Ip({ version: 4, example: '10.1.0.11', description: 'One of the VM primary IPs' }) primaryIp: string;
  @Ip({ version: 4, example: '172.16.9.11' }) drIp: string;
}

/** The tenant's whole mapping; a PUT replaces it atomically. */
export class IpMappingsDto {
  @NestedArray(() => SubnetRuleDto, { max: 1000, description: 'Primary subnet → DR subnet of the same size; rules may not overlap' }) subnets: SubnetRuleDto[];
  @NestedArray(() => VmOverrideDto, { max: 20_000, optional: true, description: 'Per-VM overrides, winning over the subnet rules' }) overrides?: VmOverrideDto[];
}

export class SubnetRuleResponseDto extends SubnetRuleDto {
  @ApiProperty() id: string;
}

export class VmOverrideResponseDto extends VmOverrideDto {
  @ApiProperty() id: string;
  @ApiProperty() vmId: string;
}

export class IpMappingsResponseDto {
  @ApiProperty() tenantId: string;
  @ApiProperty({ type: SubnetRuleResponseDto, isArray: true }) subnets: SubnetRuleResponseDto[];
  @ApiProperty({ type: VmOverrideResponseDto, isArray: true }) overrides: VmOverrideResponseDto[];
}

export function mapIpMappings(tenantId: string, r: IpMappingRecord): IpMappingsResponseDto {
  return {
    tenantId,
    subnets: r.subnets.map((s) => ({ id: s.id, primaryCidr: s.primaryCidr, drCidr: s.drCidr })),
    overrides: r.overrides.map((o) => ({ id: o.id, vm: o.vmName, vmId: o.vmId, primaryIp: o.primaryIp, drIp: o.drIp })),
  };
}
