import { Controller, Get, Injectable } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '../auth/roles';
import { TemporalClientService } from '../temporal/temporal.module';

@Injectable()
export class TemporalHealthIndicator {
  constructor(private readonly temporal: TemporalClientService, private readonly indicator: HealthIndicatorService) {}

  async check(key: 'temporal') {
    const session = this.indicator.check(key);
    try {
      const info = await this.temporal.systemInfo();
      return session.up({ serverVersion: info.serverVersion, namespace: this.temporal.namespace });
    } catch (err) {
      return session.down({ message: err instanceof Error ? err.message : String(err) });
    }
  }
}

/** 200 when the database and Temporal answer, 503 naming the one that does not. */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly temporal: TemporalHealthIndicator,
  ) {}

  @Get()
  @Public()
  @HealthCheck()
  check() {
    return this.health.check([() => this.db.pingCheck('database', { timeout: 3_000 }), () => this.temporal.check('temporal')]);
  }
}
