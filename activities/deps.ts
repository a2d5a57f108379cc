import type { EstateEndpoint } from '../workflows/contracts';

/** What activities are built over: typed clients and the inventory, injected by the worker. */
export interface ActivityDeps {
  /** The provider's external systems, as configured (base URLs). */
  estateEndpoints: EstateEndpoint[];
  /** The inventory database. */
  inventory: { ping(): Promise<void> };
  /** Per-request timeout for probes. */
  probeTimeoutMs?: number;
}
