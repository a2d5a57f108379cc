import { ApiTokenEntity } from './api-token.entity';
import { AuditEventEntity } from './audit-event.entity';
import { DeclarationPolicyEntity } from './declaration-policy.entity';
import { DrCapacityReservationEntity } from './dr-capacity-reservation.entity';
import { DrContainerEntity, DrSitePolicyEntity } from './dr-container.entity';
import { FixupRunEntity } from './fixup-run.entity';
import { IpSubnetMappingEntity, IpVmOverrideEntity } from './ip-mapping.entity';
import { ManagementMetadataSnapshotEntity } from './management-metadata-snapshot.entity';
import { ManagementServiceEntity } from './management-service.entity';
import { OperationEntity } from './operation.entity';
import { ProtectedVmEntity } from './protected-vm.entity';
import { ProtectionBreachEntity, ProtectionSampleEntity, ProtectionStatusEntity } from './protection-health.entity';
import { RecoveryPlanDependencyEntity, RecoveryPlanEntity, RecoveryPlanGroupEntity, RecoveryPlanMemberEntity } from './recovery-plan.entity';
import { SiteEntity } from './site.entity';
import { TenantEntity } from './tenant.entity';

export * from './api-token.entity';
export * from './audit-event.entity';
export * from './dr-capacity-reservation.entity';
export * from './declaration-policy.entity';
export * from './dr-container.entity';
export * from './fixup-run.entity';
export * from './ip-mapping.entity';
export * from './management-metadata-snapshot.entity';
export * from './management-service.entity';
export * from './operation.entity';
export * from './protected-vm.entity';
export * from './protection-health.entity';
export * from './recovery-plan.entity';
export * from './site.entity';
export * from './tenant.entity';

export const ENTITIES = [
  SiteEntity, TenantEntity, ProtectedVmEntity, RecoveryPlanEntity, RecoveryPlanGroupEntity, RecoveryPlanMemberEntity,
  RecoveryPlanDependencyEntity, IpSubnetMappingEntity, IpVmOverrideEntity, ManagementServiceEntity, OperationEntity,
  AuditEventEntity, ApiTokenEntity,
  DrContainerEntity, DrSitePolicyEntity,
  ManagementMetadataSnapshotEntity, FixupRunEntity,
  DeclarationPolicyEntity,
  ProtectionStatusEntity, ProtectionSampleEntity, ProtectionBreachEntity,
  DrCapacityReservationEntity,
];
