import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import type { SimControl } from '../clients/estate-fixture';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Holds a tenant's resyncing pairs in the simulator until a wait for Differential Sync has continued as new,
 * then lets them run again. A test of a bounded history then depends on what the wait does, not on how many
 * of its polls fit into a resync's duration on a loaded machine (too few, and it never continued).
 */
export async function holdResyncUntilContinued(control: SimControl, tenant: string, vms: string[], wait: WorkflowHandle, timeoutMs = 150_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const replication = (vm: string, action: 'resync' | 'resume') =>
    control.request('POST', `/_sim/tenants/${encodeURIComponent(tenant)}/vms/${encodeURIComponent(vm)}/replication/${action}`, {});
  // The pairs exist once the operation has created them: until then the simulator answers 422 NOT_PROTECTED.
  for (const vm of vms) {
    for (;;) {
      const res = await replication(vm, 'resync');
      if (res.status === 200) break;
      if (res.status !== 422 || Date.now() > deadline) throw new Error(`hold ${vm}: ${res.status} ${JSON.stringify(res.body)}`);
      await pause(50);
    }
  }
  for (;;) {
    try {
      const history = await wait.fetchHistory();
      if (history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId) break;
    } catch (err) {
      // Until the operation starts the wait, its history is not found (gRPC NOT_FOUND, code 5).
      if (!(err instanceof WorkflowNotFoundError) && (err as { code?: number }).code !== 5) throw err;
    }
    if (Date.now() > deadline) throw new Error(`${wait.workflowId} did not continue as new while its pairs were held`);
    await pause(100);
  }
  for (const vm of vms) {
    const res = await replication(vm, 'resume');
    if (res.status !== 200) throw new Error(`resume ${vm}: ${res.status} ${JSON.stringify(res.body)}`);
  }
}
