import 'reflect-metadata';
import pino from 'pino';
import { loadConfig } from './config';
import { buildActivityDeps } from './activity-deps';
import { createDataSource } from './persistence/data-source';
import { watchProtectedTenants } from './temporal/protection-watches';
import { createLifelineWorker } from './temporal/worker';
import { Runtime } from '@temporalio/worker';

/** A worker process on its own (production runs several): connects to Temporal and the inventory. */
async function main(): Promise<void> {
  const config = loadConfig();
  Runtime.install({ shutdownSignals: [] });
  const log = pino({ level: config.logLevel, name: 'lifeline-worker' });
  const dataSource = await createDataSource(config, { migrationsRun: false });
  await dataSource.initialize();
  const deps = buildActivityDeps(config, dataSource);
  const { worker, connection } = await createLifelineWorker({
    address: config.temporalAddress,
    namespace: config.temporalNamespace,
    taskQueue: config.temporalTaskQueue,
    deps,
  });
  const stop = () => worker.shutdown();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  log.info({ address: config.temporalAddress, taskQueue: config.temporalTaskQueue }, 'worker running');
  const running = worker.run();
  // A watch that cannot be started now starts with the next worker, or with the next operation that protects its tenant.
  await watchProtectedTenants({ address: config.temporalAddress, namespace: config.temporalNamespace, taskQueue: config.temporalTaskQueue, dataSource }).then(
    (watches) => log.info({ tenants: watches.length }, 'protection watches running'),
    (err: unknown) => log.error({ err }, 'protection watches not started'),
  );
  await running;
  await connection.close();
  await deps.clients.close();
  await dataSource.destroy();
  log.info('worker stopped');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
