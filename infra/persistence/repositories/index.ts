import type { DataSource, EntityManager } from 'typeorm';
import { ApiTokenRepository, TypeOrmApiTokenRepository } from './api-token.repository';
import { AuditEventRepository, TypeOrmAuditEventRepository } from './audit-event.repository';
import { DrCapacityRepository, TypeOrmDrCapacityRepository } from './dr-capacity.repository';
import { DeclarationPolicyRepository, TypeOrmDeclarationPolicyRepository } from './declaration-policy.repository';
import { IpMappingRepository, TypeOrmIpMappingRepository } from './ip-mapping.repository';
import { ManagementServiceRepository, TypeOrmManagementServiceRepository } from './management-service.repository';
import { OperationRepository, TypeOrmOperationRepository } from './operation.repository';
import { ProtectedVmRepository, TypeOrmProtectedVmRepository } from './protected-vm.repository';
import { RecoveryPlanRepository, TypeOrmRecoveryPlanRepository } from './recovery-plan.repository';
import { SiteRepository, TypeOrmSiteRepository } from './site.repository';
import { TenantRepository, TypeOrmTenantRepository } from './tenant.repository';

export * from './api-token.repository';
export * from './audit-event.repository';
export * from './dr-capacity.repository';
export * from './declaration-policy.repository';
export * from './ip-mapping.repository';
export * from './management-service.repository';
export * from './operation.repository';
export * from './protected-vm.repository';
export * from './recovery-plan.repository';
export * from './site.repository';
export * from './tenant.repository';

/** Every repository, bound to one EntityManager (the data source's, or a transaction's). */
export interface Repositories {
  sites: SiteRepository;
  tenants: TenantRepository;
  vms: ProtectedVmRepository;
  plans: RecoveryPlanRepository;
  ipMappings: IpMappingRepository;
  managementServices: ManagementServiceRepository;
  operations: OperationRepository;
  audit: AuditEventRepository;
  tokens: ApiTokenRepository;
  declarationPolicies: DeclarationPolicyRepository;
  capacity: DrCapacityRepository;
}

export function createTypeOrmRepositories(em: EntityManager): Repositories {
  return {
    sites: new TypeOrmSiteRepository(em),
    tenants: new TypeOrmTenantRepository(em),
    vms: new TypeOrmProtectedVmRepository(em),
    plans: new TypeOrmRecoveryPlanRepository(em),
    ipMappings: new TypeOrmIpMappingRepository(em),
    managementServices: new TypeOrmManagementServiceRepository(em),
    operations: new TypeOrmOperationRepository(em),
    audit: new TypeOrmAuditEventRepository(em),
    tokens: new TypeOrmApiTokenRepository(em),
    declarationPolicies: new TypeOrmDeclarationPolicyRepository(em),
    capacity: new TypeOrmDrCapacityRepository(em),
  };
}

/** Runs work in one database transaction: all of its writes commit together or none does. */
export abstract class UnitOfWork {
  abstract run<T>(work: (tx: Repositories) => Promise<T>): Promise<T>;
}

export class TypeOrmUnitOfWork extends UnitOfWork {
  /** SQLite has one connection: its transactions must not interleave, so they queue. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly dataSource: DataSource) {
    super();
  }

  run<T>(work: (tx: Repositories) => Promise<T>): Promise<T> {
    const exec = () => this.dataSource.transaction((em) => work(createTypeOrmRepositories(em)));
    if (this.dataSource.options.type !== 'better-sqlite3') return exec();
    const next = this.queue.then(exec, exec);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
