import { proxyActivities } from '@temporalio/workflow';
import type { LifelineActivities } from '../activities';
import { quickCall } from './activity-options';
import type { ReconcileInput, ReconcileResult } from './contracts';

const { reconcileTenant: reconcileActivity } = proxyActivities<LifelineActivities>(quickCall);

/**
 * `POST /v1/tenants/{id}/reconcile`: the tenant's inventory set to what the estate shows (one activity: the
 * API cannot reach the estate, the worker can). Short, and run while the API request waits for it.
 */
export async function reconcileTenant(input: ReconcileInput): Promise<ReconcileResult> {
  return reconcileActivity({ tenantId: input.tenantId, staleHolder: input.staleHolder });
}
