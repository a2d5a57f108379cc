import { Global, Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule, getDataSourceToken, type TypeOrmModuleOptions } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { LifelineConfig } from '../../infra/config';
import { createDataSource } from '../../infra/persistence/data-source';
import {
  ApiTokenRepository, AuditEventRepository, createTypeOrmRepositories, DeclarationPolicyRepository, DrCapacityRepository, IpMappingRepository, ManagementServiceRepository,
  OperationRepository, ProtectedVmRepository, RecoveryPlanRepository, SiteRepository, TenantRepository, TypeOrmUnitOfWork, UnitOfWork,
  type Repositories,
} from '../../infra/persistence/repositories';

const REPOSITORIES: [abstract new (...args: never[]) => unknown, keyof Repositories][] = [
  [SiteRepository, 'sites'], [TenantRepository, 'tenants'], [ProtectedVmRepository, 'vms'], [RecoveryPlanRepository, 'plans'],
  [IpMappingRepository, 'ipMappings'], [ManagementServiceRepository, 'managementServices'], [OperationRepository, 'operations'],
  [AuditEventRepository, 'audit'], [ApiTokenRepository, 'tokens'], [DeclarationPolicyRepository, 'declarationPolicies'],
  [DrCapacityRepository, 'capacity'],
];

/**
 * The data source (migrations run when it initialises) and every repository, injected by its abstract
 * class; UnitOfWork gives transaction-bound repositories for writes.
 */
@Global()
@Module({})
export class PersistenceModule {
  static forRoot(config: LifelineConfig): DynamicModule {
    const repositoryProviders = REPOSITORIES.map(([token, key]) => ({
      provide: token,
      inject: [getDataSourceToken()],
      useFactory: (ds: DataSource) => createTypeOrmRepositories(ds.manager)[key],
    }));
    return {
      module: PersistenceModule,
      imports: [
        TypeOrmModule.forRootAsync({
          // The options are built by createDataSource; a failed start fails fast instead of retrying for half a minute.
          useFactory: () => ({ retryAttempts: 0 }) as TypeOrmModuleOptions,
          dataSourceFactory: async () => (await createDataSource(config)).initialize(),
        }),
      ],
      providers: [
        ...repositoryProviders,
        { provide: UnitOfWork, inject: [getDataSourceToken()], useFactory: (ds: DataSource) => new TypeOrmUnitOfWork(ds) },
      ],
      exports: [...REPOSITORIES.map(([token]) => token), UnitOfWork],
    };
  }
}
