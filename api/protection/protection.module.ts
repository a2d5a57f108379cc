import { Module } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ProtectionHealthRepository, TypeOrmProtectionHealthRepository } from '../../infra/persistence/repositories/protection-health.repository';
import { MetricsModule } from '../metrics/metrics';
import { ProtectionController } from './protection.controller';
import { ProtectionMetrics } from './protection-metrics';
import { ProtectionService } from './protection.service';

@Module({
  imports: [MetricsModule],
  controllers: [ProtectionController],
  providers: [
    ProtectionService,
    ProtectionMetrics,
    { provide: ProtectionHealthRepository, inject: [getDataSourceToken()], useFactory: (ds: DataSource) => new TypeOrmProtectionHealthRepository(ds.manager) },
  ],
})
export class ProtectionModule {}
