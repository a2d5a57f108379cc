import type { EntityManager } from 'typeorm';
import { IpSubnetMappingEntity, IpVmOverrideEntity, ProtectedVmEntity } from '../entities';
import { chunk } from './chunks';

export interface IpMappingRecord {
  subnets: IpSubnetMappingEntity[];
  overrides: (IpVmOverrideEntity & { vmName: string })[];
}

export abstract class IpMappingRepository {
  abstract findByTenant(tenantId: string): Promise<IpMappingRecord>;
  abstract count(tenantId: string): Promise<number>;
  /** Replaces the tenant's whole rule set. */
  abstract replace(tenantId: string, subnets: IpSubnetMappingEntity[], overrides: IpVmOverrideEntity[]): Promise<void>;
}

export class TypeOrmIpMappingRepository extends IpMappingRepository {
  constructor(private readonly em: EntityManager) {
    super();
  }
  async findByTenant(tenantId: string): Promise<IpMappingRecord> {
    const subnets = await this.em.find(IpSubnetMappingEntity, { where: { tenantId }, order: { primaryCidr: 'ASC' } });
    const overrides = await this.em.find(IpVmOverrideEntity, { where: { tenantId } });
    const names = new Map<string, string>();
    const vmIds = [...new Set(overrides.map((o) => o.vmId))];
    for (const part of chunk(vmIds)) {
      const vms = await this.em.createQueryBuilder(ProtectedVmEntity, 'v').select(['v.id', 'v.name']).whereInIds(part).getMany();
      for (const vm of vms) names.set(vm.id, vm.name);
    }
    return {
      subnets,
      overrides: overrides
        .map((o) => ({ ...o, vmName: names.get(o.vmId) ?? o.vmId }))
        .sort((a, b) => a.vmName.localeCompare(b.vmName) || a.primaryIp.localeCompare(b.primaryIp)),
    };
  }
  async count(tenantId: string) {
    return (await this.em.count(IpSubnetMappingEntity, { where: { tenantId } })) + (await this.em.count(IpVmOverrideEntity, { where: { tenantId } }));
  }
  async replace(tenantId: string, subnets: IpSubnetMappingEntity[], overrides: IpVmOverrideEntity[]) {
    await this.em.delete(IpVmOverrideEntity, { tenantId });
    await this.em.delete(IpSubnetMappingEntity, { tenantId });
    for (const part of chunk(subnets)) await this.em.createQueryBuilder().insert().into(IpSubnetMappingEntity).values(part).updateEntity(false).execute();
    for (const part of chunk(overrides)) await this.em.createQueryBuilder().insert().into(IpVmOverrideEntity).values(part).updateEntity(false).execute();
  }
}
