import type { DataSource } from 'typeorm';
import type { EstateEndpoint } from '../workflows/contracts';

/** What activities are built over: typed clients and the inventory, injected by the worker. */
export interface ActivityDeps {
  /** The inventory database (already initialised). */
  dataSource: DataSource;
  /** The provider's external systems to probe, as configured (base URLs). */
  estateEndpoints: EstateEndpoint[];
  /** Per-request timeout for probes. */
  probeTimeoutMs?: number;
}
