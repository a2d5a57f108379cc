import { readFileSync } from 'node:fs';
import type { DataSource } from 'typeorm';
import type { ActivityDeps } from '../activities';
import { createEstateClients, endpointUrl, estateConfigFromSimulator, type EstateConfig } from './clients';
import type { LifelineConfig } from './config';

/** Where the provider's systems are: an estate file in production, the simulator in development. */
export function estateConfig(config: LifelineConfig): EstateConfig {
  if (config.estateConfigFile) return JSON.parse(readFileSync(config.estateConfigFile, 'utf8')) as EstateConfig;
  if (config.simUrl) return estateConfigFromSimulator(config.simUrl);
  throw new Error('No provider estate configured: set ESTATE_CONFIG (a JSON file of system endpoints) or SIM_URL');
}

/** The activities' dependencies for a configuration: inventory data source and the provider's systems. */
export function buildActivityDeps(config: LifelineConfig, dataSource: DataSource): ActivityDeps {
  const estate = estateConfig(config);
  return {
    dataSource,
    clients: createEstateClients(estate),
    estateEndpoints: Object.entries(estate).map(([system, endpoint]) => ({ system, url: endpointUrl(endpoint) })),
    protectionWatch: config.protectionWatch,
  };
}
