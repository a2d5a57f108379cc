import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { cidrsOverlap, parseCidr } from '../../domain/ip-mapping';
import type { IpSubnetMappingEntity, IpVmOverrideEntity, ProtectedVmEntity } from '../../infra/persistence/entities';
import { IpMappingRepository, TenantRepository, UnitOfWork } from '../../infra/persistence/repositories';
import { auditEvent, type Principal } from '../auth/principal';
import { UnprocessableError } from '../common/errors';
import { requireTenant } from '../tenants/tenant-access';
import { mapIpMappings, type IpMappingsDto, type IpMappingsResponseDto, type SubnetRuleDto } from './ip-mappings.dto';

/** Every problem of a rule set, each naming the rules involved. */
export function subnetProblems(rules: SubnetRuleDto[]): string[] {
  const problems: string[] = [];
  const parsed = rules.map((r, i) => {
    const primary = parseCidr(r.primaryCidr);
    const dr = parseCidr(r.drCidr);
    if (!primary) problems.push(`subnets.${i}.primaryCidr ${r.primaryCidr} is not a network address with its prefix (host bits must be zero)`);
    if (!dr) problems.push(`subnets.${i}.drCidr ${r.drCidr} is not a network address with its prefix (host bits must be zero)`);
    if (primary && dr && primary.prefix !== dr.prefix) problems.push(`subnets.${i}: ${r.primaryCidr} and ${r.drCidr} differ in size`);
    return { primary, dr };
  });
  for (let i = 0; i < parsed.length; i++) {
    for (let j = i + 1; j < parsed.length; j++) {
      const a = parsed[i];
      const b = parsed[j];
      if (a.primary && b.primary && cidrsOverlap(a.primary, b.primary)) {
        problems.push(`subnets.${i} (${rules[i].primaryCidr}) and subnets.${j} (${rules[j].primaryCidr}) overlap on the primary side`);
      }
      if (a.dr && b.dr && cidrsOverlap(a.dr, b.dr)) {
        problems.push(`subnets.${i} (${rules[i].drCidr}) and subnets.${j} (${rules[j].drCidr}) overlap on the DR side`);
      }
    }
  }
  return problems;
}

@Injectable()
export class IpMappingsService {
  constructor(private readonly tenants: TenantRepository, private readonly mappings: IpMappingRepository, private readonly uow: UnitOfWork) {}

  async get(p: Principal, tenantId: string): Promise<IpMappingsResponseDto> {
    await requireTenant(this.tenants, p, tenantId);
    return mapIpMappings(tenantId, await this.mappings.findByTenant(tenantId));
  }

  replace(p: Principal, tenantId: string, dto: IpMappingsDto): Promise<IpMappingsResponseDto> {
    return this.uow.run(async (tx) => {
      await requireTenant(tx.tenants, p, tenantId);
      const overrides = dto.overrides ?? [];
      const problems = subnetProblems(dto.subnets);
      const names = [...new Set(overrides.map((o) => o.vm))];
      const vms = new Map<string, ProtectedVmEntity>();
      const all = await tx.vms.findByNames(tenantId, names);
      for (const vm of all) vms.set(vm.name, vm);
      const seenPrimary = new Map<string, number>();
      const seenDr = new Map<string, number>();
      overrides.forEach((o, i) => {
        const vm = vms.get(o.vm);
        if (!vm) problems.push(`overrides.${i}.vm ${o.vm} is not a VM of this tenant`);
        else if (!vm.primaryIps.includes(o.primaryIp)) problems.push(`overrides.${i}.primaryIp ${o.primaryIp} is not a primary IP of ${o.vm} (${vm.primaryIps.join(', ')})`);
        const key = `${o.vm}|${o.primaryIp}`;
        if (seenPrimary.has(key)) problems.push(`overrides.${i} repeats overrides.${seenPrimary.get(key)} (${o.vm} ${o.primaryIp})`);
        else seenPrimary.set(key, i);
        if (seenDr.has(o.drIp)) problems.push(`overrides.${i}.drIp ${o.drIp} is already used by overrides.${seenDr.get(o.drIp)}`);
        else seenDr.set(o.drIp, i);
      });
      if (problems.length) throw new UnprocessableError(problems);
      const now = new Date();
      const subnetRows: IpSubnetMappingEntity[] = dto.subnets.map((s) => ({ id: randomUUID(), tenantId, primaryCidr: s.primaryCidr, drCidr: s.drCidr, createdAt: now }));
      const overrideRows: IpVmOverrideEntity[] = overrides.map((o) => ({
        id: randomUUID(), tenantId, vmId: vms.get(o.vm)!.id, primaryIp: o.primaryIp, drIp: o.drIp, createdAt: now,
      }));
      await tx.ipMappings.replace(tenantId, subnetRows, overrideRows);
      await tx.audit.append(auditEvent(p, 'ip-mapping.replace', { type: 'ip-mapping', id: tenantId, tenantId }, {
        subnets: subnetRows.length, overrides: overrideRows.length,
      }));
      return mapIpMappings(tenantId, await tx.ipMappings.findByTenant(tenantId));
    });
  }
}
