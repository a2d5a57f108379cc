import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import type { ActivityDeps } from '../../activities';
import { createLifelineWorker } from '../../infra/temporal/worker';

export interface TestWorker {
  client: Client;
  taskQueue: string;
  worker: Worker;
  /** Stops the worker and closes both connections. */
  stop(): Promise<void>;
}

let runtimeInstalled = false;

/** A real worker on the suite's Temporal server, on a task queue of its own so suites don't meet. */
export async function startTestWorker(deps: ActivityDeps, name: string, opts: { taskQueue?: string } = {}): Promise<TestWorker> {
  if (!runtimeInstalled) {
    // Worker lifecycle chatter drowns test output; warnings and errors still show.
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const address = process.env.TEMPORAL_ADDRESS as string;
  const taskQueue = opts.taskQueue ?? `${name}-${Math.random().toString(36).slice(2, 8)}`;
  const { worker, connection } = await createLifelineWorker({
    address,
    taskQueue,
    deps,
    workflowBundlePath: process.env.LIFELINE_WORKFLOW_BUNDLE,
  });
  const running = worker.run();
  const clientConnection = await Connection.connect({ address });
  const client = new Client({ connection: clientConnection });
  return {
    client,
    taskQueue,
    worker,
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
      await clientConnection.close();
    },
  };
}
