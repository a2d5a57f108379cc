import type { DataSource } from 'typeorm';
import type { ActivityDeps } from '../activities';
import type { LifelineConfig } from './config';

/** The activities' dependencies for a configuration: inventory data source and the provider's systems. */
export function buildActivityDeps(config: LifelineConfig, dataSource: DataSource): ActivityDeps {
  const estateEndpoints = config.simUrl ? [{ system: 'simulator', url: `${config.simUrl.replace(/\/$/, '')}/_sim/state?summary=1` }] : [];
  return {
    estateEndpoints,
    dataSource,
  };
}
