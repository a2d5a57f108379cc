import { proxyActivities } from '@temporalio/workflow';
import type { LifelineActivities } from '../activities';
import type { EstateCheckResult } from './contracts';
import { quickCall } from './activity-options';

const { listEstateEndpoints, probeEstateEndpoint, probeInventory } = proxyActivities<LifelineActivities>(quickCall);

/**
 * Probes the inventory and every external system the provider configured (CLM, BNA, ASA, InMage,
 * DR compute, management services) in parallel. Run before onboarding or a failover to see what answers.
 */
export async function estateCheck(): Promise<EstateCheckResult> {
  const endpoints = await listEstateEndpoints();
  const [inventory, systems] = await Promise.all([
    probeInventory(),
    Promise.all(endpoints.map((endpoint) => probeEstateEndpoint(endpoint))),
  ]);
  return {
    checkedAt: new Date().toISOString(),
    inventory,
    systems,
    allUp: inventory.up && systems.every((s) => s.up),
  };
}
