import { Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { Timestamp, UuidColumn, UuidPrimary } from './columns';
import { ProtectedVmEntity } from './protected-vm.entity';
import { TenantEntity } from './tenant.entity';

/** Primary subnet → DR subnet: host bits are kept, the network part is replaced. */
@Entity('ip_subnet_mappings')
@Index('UQ_ip_subnet_mappings_tenant_primary', ['tenantId', 'primaryCidr'], { unique: true })
@Index('UQ_ip_subnet_mappings_tenant_dr', ['tenantId', 'drCidr'], { unique: true })
export class IpSubnetMappingEntity {
  @UuidPrimary() id: string;
  @UuidColumn() tenantId: string;
  @Column({ type: 'varchar', length: 64 }) primaryCidr: string;
  @Column({ type: 'varchar', length: 64 }) drCidr: string;
  @Timestamp() createdAt: Date;

  @ManyToOne(() => TenantEntity, { onDelete: 'RESTRICT', onUpdate: 'NO ACTION' })
  @JoinColumn({ name: 'tenantId', foreignKeyConstraintName: 'FK_ip_subnet_mappings_tenant' })
  tenant?: TenantEntity;
}

/** A per-VM override: this VM's `primaryIp` becomes `drIp` at the DR site, whatever the subnet rules say. */
@Entity('ip_vm_overrides')
@Index('UQ_ip_vm_overrides_vm_primary', ['vmId', 'primaryIp'], { unique: true })
@Index('UQ_ip_vm_overrides_tenant_dr', ['tenantId', 'drIp'], { unique: true })
export class IpVmOverrideEntity {
  @UuidPrimary() id: string;
  @UuidColumn() tenantId: string;
  @UuidColumn() vmId: string;
  @Column({ type: 'varchar', length: 64 }) primaryIp: string;
  @Column({ type: 'varchar', length: 64 }) drIp: string;
  @Timestamp() createdAt: Date;

  @ManyToOne(() => TenantEntity, { onDelete: 'RESTRICT', onUpdate: 'NO ACTION' })
  @JoinColumn({ name: 'tenantId', foreignKeyConstraintName: 'FK_ip_vm_overrides_tenant' })
  tenant?: TenantEntity;

  @ManyToOne(() => ProtectedVmEntity, { onDelete: 'RESTRICT', onUpdate: 'NO ACTION' })
  @JoinColumn({ name: 'vmId', foreignKeyConstraintName: 'FK_ip_vm_overrides_vm' })
  vm?: ProtectedVmEntity;
}
