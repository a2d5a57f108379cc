import { Column, Entity, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import { Bool, Enum, Int, Json, Name, Timestamp, UuidColumn } from './columns';
import { SiteEntity } from './site.entity';
import { TenantEntity } from './tenant.entity';
import type {
  DrControlPlaneRecord, DrManagementIpRecord, DrNetworkPathRecord, DrTunnelRecord, DrVipRecord, DrVlanRecord,
} from '../../../workflows/contracts';

/**
 * The tenant's pre-provisioned DR network container and what was built in and around it: the CLM
 * container and its VLANs, the ASA context and IPsec tunnel for replication, firewall network paths and
 * load-balancer VIPs, each VM's reserved DR management IP, and the InMage control plane with its plans.
 * One per tenant; written by the pre-provisioning, onboarding and protection-change workflows.
 */
@Entity('dr_containers')
export class DrContainerEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) tenantId: string;
  @Name() name: string;
  @Column({ type: 'varchar', length: 64 }) clmGuid: string;
  @Enum(16) tier: string;
  @UuidColumn() drSiteId: string;
  @Enum(32) state: string;
  @Json() vlans: DrVlanRecord[];
  @Column({ type: 'varchar', length: 64, nullable: true }) asaContext: string | null;
  @Json({ nullable: true }) tunnel: DrTunnelRecord | null;
  @Json() networkPaths: DrNetworkPathRecord[];
  @Json() vips: DrVipRecord[];
  @Json() managementIps: DrManagementIpRecord[];
  @Json({ nullable: true }) controlPlane: DrControlPlaneRecord | null;
  /** The operation that last wrote the record. */
  @Column({ type: 'varchar', length: 255 }) operationId: string;
  @Timestamp() createdAt: Date;
  @Timestamp() updatedAt: Date;

  @OneToOne(() => TenantEntity, { onDelete: 'RESTRICT', onUpdate: 'NO ACTION' })
  @JoinColumn({ name: 'tenantId', foreignKeyConstraintName: 'FK_dr_containers_tenant' })
  tenant?: TenantEntity;
}

/**
 * A DR site's onboarding policy: whether its network-container requests are approved automatically, and
 * when a pending approval is reminded and escalated. A site without a row asks for approval.
 */
@Entity('dr_site_policies')
export class DrSitePolicyEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) siteId: string;
  @Bool() autoApproveContainers: boolean;
  @Int() approvalReminderSeconds: number;
  @Int() approvalEscalationSeconds: number;
  @Timestamp() updatedAt: Date;

  @OneToOne(() => SiteEntity, { onDelete: 'RESTRICT', onUpdate: 'NO ACTION' })
  @JoinColumn({ name: 'siteId', foreignKeyConstraintName: 'FK_dr_site_policies_site' })
  site?: SiteEntity;
}
