import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { TenantEntity } from '../../infra/persistence/entities';
import { onboarding } from '../../workflows';
import { progressQuery, workflowIds } from '../../workflows/contracts';
import { openTestInventory, type TestInventory } from '../support/inventory';
import { startTestWorker, type TestWorker } from '../support/worker';
import { duplicates, seedInventory, seedSimTenants, startOnboardingEstate, type OnboardingEstate } from './onboarding-fixture';

jest.setTimeout(300_000);

/**
 * A worker stopped abruptly in the middle of an onboarding (its in-flight activities cut off after 100 ms)
 * and a new worker started on the same queue: the operation completes and no side effect is repeated.
 */
describe('onboarding survives a worker killed mid-way', () => {
  let estate: OnboardingEstate;
  let inventory: TestInventory;
  let helper: TestWorker;

  beforeAll(async () => {
    estate = await startOnboardingEstate();
    inventory = await openTestInventory('sqlite');
    // Only for its client and queue name; the workers under test are created below on that queue.
    helper = await startTestWorker({ dataSource: inventory.dataSource, clients: estate.clients, estateEndpoints: [] }, 'onboarding-restart');
    helper.worker.shutdown();
  });

  afterAll(async () => {
    await helper?.stop().catch(() => undefined);
    await inventory?.close();
    await estate?.close();
  });

  const newWorker = async () => {
    const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS as string });
    const worker = await Worker.create({
      connection,
      taskQueue: helper.taskQueue,
      activities: createActivities({ dataSource: inventory.dataSource, clients: estate.clients, estateEndpoints: [] }),
      workflowBundle: { codePath: process.env.LIFELINE_WORKFLOW_BUNDLE as string },
      shutdownGraceTime: '100ms',
    });
    return { worker, running: worker.run(), connection };
  };

  it('completes on a new worker with no duplicate side effects', async () => {
    const [t] = await seedSimTenants(estate.control, [{ id: 'tailspin', vms: 10, managementVms: 2, tier: 'Gold' }]);
    const ids = await seedInventory(inventory.dataSource, [t], { autoApproveContainers: true });
    const tenantId = ids.get('tailspin') as string;
    // Slow the estate down a little so the kill lands while work is in flight.
    await estate.control.request('PUT', '/_sim/latency', { timeScale: 0.002 });

    const first = await newWorker();
    const requestId = 'restart-1';
    const handle = await helper.client.workflow.start(onboarding, {
      taskQueue: helper.taskQueue,
      workflowId: workflowIds.operation('onboarding', tenantId, requestId),
      args: [{ tenantId, request: { requestedBy: 'test', requestId }, statusPollSeconds: 0.2 }],
    });
    let phase = '';
    for (let i = 0; i < 600 && !['order the InMage control plane from CLM', 'push Scout agents'].includes(phase); i++) {
      await new Promise((r) => setTimeout(r, 50));
      phase = (await handle.query(progressQuery).catch(() => ({ phase: '' }))).phase;
    }
    expect(['order the InMage control plane from CLM', 'push Scout agents']).toContain(phase);
    first.worker.shutdown();
    await first.running;
    await first.connection.close();

    const second = await newWorker();
    try {
      const result = await handle.result();
      expect(result.protectedVms).toBe(12);
    } finally {
      second.worker.shutdown();
      await second.running;
      await second.connection.close();
    }
    const tenant = await inventory.dataSource.getRepository(TenantEntity).findOneByOrFail({ id: tenantId });
    expect(tenant.state).toBe('protected');
    expect(duplicates(await estate.control.ops({ tenant: 'tailspin' }))).toEqual([]);
  });
});
