import * as path from 'node:path';
import { NativeConnection, Worker, WorkerOptions } from '@temporalio/worker';
import { createActivities, ActivityDeps } from '../../activities';
import { TASK_QUEUE } from '../../workflows/contracts';

export interface LifelineWorkerOptions {
  address: string;
  namespace?: string;
  taskQueue?: string;
  deps: ActivityDeps;
  /** A prebuilt workflow bundle (tests build it once); otherwise workflows/ is bundled at start. */
  workflowBundlePath?: string;
  tuning?: Pick<
    WorkerOptions,
    'maxConcurrentActivityTaskExecutions' | 'maxConcurrentWorkflowTaskExecutions' | 'maxCachedWorkflows' | 'maxConcurrentActivityTaskPolls' | 'maxConcurrentWorkflowTaskPolls'
  >;
}

/**
 * Node flags a worker process starts with (`npm run worker`, the benchmark's worker). A 5,000-VM site
 * failover keeps under 200 MB of V8 heap live, but on a large host V8's default limit (a quarter of memory,
 * up to 4 GB) lets garbage reach ~1 GB before a full collection; a 768 MB limit collects it at a quarter of
 * that and leaves the live set room to grow fourfold.
 */
export const WORKER_NODE_FLAGS: readonly string[] = ['--max-old-space-size=768'];

/** Where the workflow sources are, from the TypeScript tree or from dist/. */
export const workflowsPath = path.resolve(__dirname, '..', '..', 'workflows');

/** A worker registering every workflow in workflows/ and every activity in activities/. */
export async function createLifelineWorker(opts: LifelineWorkerOptions): Promise<{ worker: Worker; connection: NativeConnection }> {
  const connection = await NativeConnection.connect({ address: opts.address });
  const worker = await Worker.create({
    connection,
    namespace: opts.namespace ?? 'default',
    taskQueue: opts.taskQueue ?? TASK_QUEUE,
    activities: createActivities(opts.deps),
    // Heartbeats carry a cancellation to the activity. An abort waits for its activities to end (so the undo sees
    // what they made); flushed at the default pace (0.8 × the heartbeat timeout, 30 s without one) an abort
    // would reach a waiting activity up to half a minute late.
    defaultHeartbeatThrottleInterval: '2 seconds',
    maxHeartbeatThrottleInterval: '2 seconds',
    ...(opts.workflowBundlePath ? { workflowBundle: { codePath: opts.workflowBundlePath } } : { workflowsPath: require.resolve(workflowsPath) }),
    ...opts.tuning,
  });
  return { worker, connection };
}
