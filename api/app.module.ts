import { Module, ValidationPipe, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { getDataSourceToken } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { Options } from 'pino-http';
import type { DataSource } from 'typeorm';
import type { LifelineConfig } from '../infra/config';
import { AuditEventsModule } from './audit-events/audit-events.module';
import { DrillsModule } from './drills/drills.module';
import { AuthGuard } from './auth/auth.guard';
import { DeniedAttempts } from './auth/denied-attempts';
import { FailedAuthLimiter } from './auth/failed-auth-limiter';
import { redactedRequest } from './common/log-redaction';
import { DeclarationsModule } from './declarations/declarations.module';
import { GlobalExceptionFilter } from './common/exception.filter';
import { LifelineConfigModule } from './config.module';
import { HealthModule } from './health/health.module';
import { IpMappingsModule } from './ip-mappings/ip-mappings.module';
import { ManagementMetadataModule } from './management-metadata/management-metadata.module';
import { ManagementServicesModule } from './management-services/management-services.module';
import { MetricsModule } from './metrics/metrics';
import { OperationsModule } from './operations/operations.module';
import { PersistenceModule } from './persistence/persistence.module';
import { ProtectionModule } from './protection/protection.module';
import { RecoveryPlansModule } from './recovery-plans/recovery-plans.module';
import { SitesModule } from './sites/sites.module';
import { TemporalModule } from './temporal/temporal.module';
import { TenantsModule } from './tenants/tenants.module';
import { TokensModule } from './tokens/tokens.module';
import { VmsModule } from './vms/vms.module';

/** Unknown fields are refused (not silently dropped) and every message names the field path. */
export const validationPipe = () =>
  new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    stopAtFirstError: true,
    validationError: { target: false, value: false },
  });

@Module({})
export class AppModule {
  /** `logStream`: where the request log goes (stdout unless given). */
  static forRoot(config: LifelineConfig, logStream?: DestinationStream): DynamicModule {
    const pinoHttp: Options = {
      level: config.logLevel,
      redact: ['req.headers.authorization'],
      serializers: { req: redactedRequest },
      autoLogging: { ignore: (req) => req.url === '/health' || req.url === '/metrics' },
    };
    return {
      module: AppModule,
      imports: [
        LifelineConfigModule.forRoot(config),
        LoggerModule.forRoot({ pinoHttp: logStream ? [pinoHttp, logStream] : pinoHttp }),
        PersistenceModule.forRoot(config),
        TemporalModule,
        MetricsModule,
        HealthModule,
        TokensModule,
        SitesModule,
        TenantsModule,
        VmsModule,
        RecoveryPlansModule,
        IpMappingsModule,
        ManagementServicesModule,
        ManagementMetadataModule,
        AuditEventsModule,
        OperationsModule,
        DeclarationsModule,
        DrillsModule,
        ProtectionModule,
      ],
      providers: [
        { provide: APP_PIPE, useFactory: validationPipe },
        FailedAuthLimiter,
        { provide: APP_GUARD, useClass: AuthGuard },
        DeniedAttempts,
        {
          provide: APP_FILTER,
          inject: [getDataSourceToken(), DeniedAttempts],
          useFactory: (ds: DataSource, denied: DeniedAttempts) => new GlobalExceptionFilter(ds, denied),
        },
      ],
    };
  }
}
