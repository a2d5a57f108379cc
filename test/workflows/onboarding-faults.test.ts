import { TenantEntity } from '../../infra/persistence/entities';
import { onboarding } from '../../workflows';
import { workflowIds } from '../../workflows/contracts';
import { effectsNotOnce, estateEffects } from '../support/estate-effects';
import { openTestInventory, type TestInventory } from '../support/inventory';
import { startTestWorker, type TestWorker } from '../support/worker';
import { duplicates, expectDocumentedOrder, seedInventory, seedSimTenants, startOnboardingEstate, type OnboardingEstate } from './onboarding-fixture';

jest.setTimeout(400_000);

/**
 * Transient 5xx answers and timeouts on every system, one call in five, with the simulator's idempotency
 * store off as on the real systems: the onboarding still completes, Temporal's retries and the batch rounds
 * absorb them, and no side effect is done twice (at most one `ok` entry per idempotency key, and on the
 * estate one container, VLAN, VPN context and tunnel, and no address held twice or by no owner).
 */
describe('onboarding under transient faults on every system', () => {
  let estate: OnboardingEstate;
  let inventory: TestInventory;
  let tw: TestWorker;

  beforeAll(async () => {
    estate = await startOnboardingEstate(undefined, { idempotency: 'none' });
    inventory = await openTestInventory('sqlite');
    tw = await startTestWorker({ dataSource: inventory.dataSource, clients: estate.clients, estateEndpoints: [] }, 'onboarding-faults');
  });

  afterAll(async () => {
    await tw?.stop();
    await inventory?.close();
    await estate?.close();
  });

  it('completes with 20% transient 5xx and timeouts, nothing done twice', async () => {
    const [t] = await seedSimTenants(estate.control, [{ id: 'fabrikam', vms: 10, managementVms: 2, tier: 'Bronze' }]);
    const ids = await seedInventory(inventory.dataSource, [t], { autoApproveContainers: true });
    const tenantId = ids.get('fabrikam') as string;
    for (const system of ['clm', 'bna', 'asa', 'inmage']) {
      await estate.control.fault({ system, op: '*', rate: 0.15, status: 503 });
      await estate.control.fault({ system, op: '*', rate: 0.05, timeout: true });
    }
    const requestId = 'faults-1';
    const result = await tw.client.workflow.execute(onboarding, {
      taskQueue: tw.taskQueue,
      workflowId: workflowIds.operation('onboarding', tenantId, requestId),
      args: [{ tenantId, request: { requestedBy: 'test', requestId }, statusPollSeconds: 0.2 }],
    });
    expect(result.protectedVms).toBe(12);
    const tenant = await inventory.dataSource.getRepository(TenantEntity).findOneByOrFail({ id: tenantId });
    expect(tenant.state).toBe('protected');

    const ops = await estate.control.ops({ tenant: 'fabrikam' });
    // The faults did hit the onboarding's calls...
    expect(ops.filter((o) => o.outcome === 'fault' || o.outcome === 'timeout').length).toBeGreaterThan(0);
    // ...and no side effect ran twice: counted on the estate, with the simulator ignoring idempotency keys.
    expect(duplicates(ops)).toEqual([]);
    const vms = t.vms.map((v) => v.name);
    expect(effectsNotOnce(await estateEffects(estate.control, 'fabrikam'), { vms, network: true, owners: [...vms, 'vip-https'] })).toEqual([]);
    expectDocumentedOrder(ops, 'fabrikam');
  });
});
