/**
 * A worker in a process of its own, for tests that kill it (SIGKILL) mid-operation and start another.
 * Configured through the environment: TEMPORAL_ADDRESS, LIFELINE_TASK_QUEUE, SIM_URL, DATA_DIR or MYSQL_URL,
 * LIFELINE_WORKFLOW_BUNDLE. Prints "worker ready" once it polls.
 */
import 'reflect-metadata';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { buildActivityDeps } from '../../infra/activity-deps';
import { loadConfig } from '../../infra/config';
import { createDataSource } from '../../infra/persistence/data-source';
import { createLifelineWorker } from '../../infra/temporal/worker';

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const config = loadConfig();
  const dataSource = await createDataSource(config, { migrationsRun: false });
  await dataSource.initialize();
  const { worker } = await createLifelineWorker({
    address: config.temporalAddress,
    taskQueue: process.env.LIFELINE_TASK_QUEUE,
    deps: buildActivityDeps(config, dataSource),
    workflowBundlePath: process.env.LIFELINE_WORKFLOW_BUNDLE,
  });
  const run = worker.run();
  process.stdout.write('worker ready\n');
  await run;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
