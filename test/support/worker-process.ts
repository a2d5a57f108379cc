/**
 * A worker in a process of its own, for tests that kill it (SIGKILL) mid-operation and start another.
 * Configured through the environment: TEMPORAL_ADDRESS, LIFELINE_TASK_QUEUE, SIM_URL, DATA_DIR or MYSQL_URL,
 * LIFELINE_WORKFLOW_BUNDLE, and LIFELINE_WORKER_TUNING (JSON worker options, for the benchmark). Prints
 * "worker ready" once it polls.
 */
import 'reflect-metadata';
import { appendFileSync } from 'node:fs';
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
    tuning: process.env.LIFELINE_WORKER_TUNING ? JSON.parse(process.env.LIFELINE_WORKER_TUNING) : undefined,
  });
  const memoryLog = process.env.LIFELINE_MEMORY_LOG;
  if (memoryLog) {
    // Where the worker's memory goes (V8 heap vs buffers vs the native core), for the benchmark's notes.
    setInterval(() => appendFileSync(memoryLog, `${JSON.stringify({ at: Date.now(), ...process.memoryUsage() })}\n`), 2_000).unref();
  }
  const run = worker.run();
  process.stdout.write('worker ready\n');
  await run;
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
