import type { DataSource } from 'typeorm';
import type { EstateClients } from '../infra/clients';
import type { ProtectionWatchSettings } from '../infra/config';
import type { EstateEndpoint } from '../workflows/contracts';

/** What activities are built over: typed clients and the inventory, injected by the worker. */
export interface ActivityDeps {
  /** The inventory database (already initialised). */
  dataSource: DataSource;
  /** The provider estate's typed clients (CLM, BNA, ASA, InMage, DR compute, management services). */
  clients: EstateClients;
  /** The provider's external systems to probe, as configured (base URLs). */
  estateEndpoints: EstateEndpoint[];
  /** Per-request timeout for probes. */
  probeTimeoutMs?: number;
  /** The protection watch's pace (config `PROTECTION_*`); defaults when absent. */
  protectionWatch?: Partial<ProtectionWatchSettings> & { historySoftLimit?: number };
}
