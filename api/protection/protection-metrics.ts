import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { ProtectionHealthRepository } from '../../infra/persistence/repositories/protection-health.repository';
import { MetricsService } from '../metrics/metrics';

/**
 * RPO gauges on `/metrics`, read from the inventory at each scrape (the watches run in the workers; the
 * inventory is what every API instance shares): the lag of each VM of each watched tenant, and its open breaches.
 */
@Injectable()
export class ProtectionMetrics implements OnModuleInit {
  constructor(private readonly metrics: MetricsService, private readonly health: ProtectionHealthRepository) {}

  onModuleInit(): void {
    const health = this.health;
    new Gauge({
      name: 'lifeline_rpo_lag_seconds',
      help: "RPO lag of each protected VM (its worst InMage pair) at its tenant's latest protection sample",
      labelNames: ['tenant', 'vm'] as const,
      registers: [this.metrics.registry],
      async collect() {
        this.reset();
        for (const s of await health.allStatuses()) {
          if (s.watch !== 'running') continue;
          for (const v of s.vms) if (v.lagSeconds !== null) this.set({ tenant: s.tenant?.name ?? s.tenantId, vm: v.vm }, v.lagSeconds);
        }
      },
    });
    new Gauge({
      name: 'lifeline_rpo_breaches_open',
      help: 'RPO breaches open per watched tenant',
      labelNames: ['tenant'] as const,
      registers: [this.metrics.registry],
      async collect() {
        this.reset();
        const [statuses, open] = await Promise.all([health.allStatuses(), health.openBreachCounts()]);
        for (const s of statuses) if (s.watch === 'running') this.set({ tenant: s.tenant?.name ?? s.tenantId }, open.get(s.tenantId) ?? 0);
      },
    });
  }
}
