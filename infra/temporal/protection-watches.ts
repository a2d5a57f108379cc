import { Client, Connection } from '@temporalio/client';
import { In, type DataSource } from 'typeorm';
import { TenantEntity } from '../persistence/entities';
import { PROTECTION_WATCH_WORKFLOW, searchAttributes, workflowIds, type ProtectionWatchInput } from '../../workflows/contracts';

/**
 * Starts a tenant's protection watch, or finds it running: one per tenant, its workflow id derived from the
 * tenant, so any number of callers (an operation's end, a worker's start) leave exactly one.
 */
export async function startProtectionWatch(client: Client, taskQueue: string, tenantId: string): Promise<string> {
  const workflowId = workflowIds.protectionWatch(tenantId);
  const args: [ProtectionWatchInput] = [{ tenantId }];
  await client.workflow.start(PROTECTION_WATCH_WORKFLOW, {
    taskQueue,
    workflowId,
    args,
    workflowIdConflictPolicy: 'USE_EXISTING',
    typedSearchAttributes: [{ key: searchAttributes.tenantId, value: tenantId }],
  });
  return workflowId;
}

/** At a worker's start: a watch for every tenant already protected (those already watched keep theirs). */
export async function startProtectionWatches(client: Client, dataSource: DataSource, taskQueue: string): Promise<string[]> {
  const tenants = await dataSource.manager.find(TenantEntity, { select: ['id'], where: { state: In(['protected', 'drilling']) } });
  const started: string[] = [];
  for (const t of tenants) started.push(await startProtectionWatch(client, taskQueue, t.id));
  return started;
}

/** A worker process's start: connects a client for the moment and starts the watches of protected tenants. */
export async function watchProtectedTenants(opts: { address: string; namespace: string; taskQueue: string; dataSource: DataSource }): Promise<string[]> {
  const connection = await Connection.connect({ address: opts.address });
  try {
    return await startProtectionWatches(new Client({ connection, namespace: opts.namespace }), opts.dataSource, opts.taskQueue);
  } finally {
    await connection.close();
  }
}
