import type { TemporalTarget } from '../../infra/temporal/ensure-temporal';

/** Stops the Temporal dev server the setup started; MariaDB stays up for the next run. */
export default async function globalTeardown(): Promise<void> {
  const temporal = (globalThis as { __lifelineTemporal?: TemporalTarget }).__lifelineTemporal;
  await temporal?.embedded?.stop();
}
