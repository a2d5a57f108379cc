import { TenantEntity } from '../../infra/persistence/entities';
import { differentialSyncWait, onboarding } from '../../workflows';
import { progressQuery, workflowIds } from '../../workflows/contracts';
import { recordHistory } from '../support/histories';
import { holdResyncUntilContinued } from '../support/resync-hold';
import { openTestInventory, type TestInventory } from '../support/inventory';
import { startTestWorker, type TestWorker } from '../support/worker';
import { duplicates, seedInventory, seedSimTenants, startOnboardingEstate, type OnboardingEstate } from './onboarding-fixture';

jest.setTimeout(180_000);

/**
 * A resync that takes many polls: the wait for Differential Sync is a child workflow that continues as new
 * past its history soft limit (set low here), shows its polls meanwhile, and the onboarding still ends
 * with the tenant protected and every VM's RPO recorded.
 */
describe('onboarding waits for Differential Sync in a child that continues as new', () => {
  let estate: OnboardingEstate;
  let inventory: TestInventory;
  let tw: TestWorker;

  beforeAll(async () => {
    // Four times slower than the other onboarding suites: the resync spans dozens of polls.
    estate = await startOnboardingEstate(0.002);
    inventory = await openTestInventory('sqlite');
    tw = await startTestWorker({ dataSource: inventory.dataSource, clients: estate.clients, estateEndpoints: [] }, 'onboarding-sync-wait');
  });

  afterAll(async () => {
    await tw?.stop();
    await inventory?.close();
    await estate?.close();
  });

  it('continues as new at least once and the tenant ends protected', async () => {
    const [t] = await seedSimTenants(estate.control, [{ id: 'adatum', vms: 4, managementVms: 1, tier: 'Bronze' }]);
    const ids = await seedInventory(inventory.dataSource, [t], { autoApproveContainers: true });
    const tenantId = ids.get('adatum') as string;
    const requestId = 'sync-wait-1';
    const handle = await tw.client.workflow.start(onboarding, {
      taskQueue: tw.taskQueue,
      workflowId: workflowIds.operation('onboarding', tenantId, requestId),
      args: [{ tenantId, request: { requestedBy: 'test', requestId }, statusPollSeconds: 0.05, syncWaitHistorySoftLimit: 40 }],
    });
    const childId = workflowIds.child(handle.workflowId, 'differential-sync');
    // The pairs resync until the wait has continued as new, however few polls a loaded machine fits in.
    const held = holdResyncUntilContinued(estate.control, 'adatum', t.vms.map((v) => v.name), tw.client.workflow.getHandle(childId));

    // While it waits, the parent names the child and the child answers with its latest poll.
    let view = await handle.query(progressQuery);
    for (let i = 0; i < 600 && view.progress.differentialSyncWait !== childId && !view.closedAt; i++) {
      await new Promise((r) => setTimeout(r, 50));
      view = await handle.query(progressQuery);
    }
    expect(view.progress.differentialSyncWait).toBe(childId);
    expect(view.waitingFor).toBe('every pair in Differential Sync');
    const child = tw.client.workflow.getHandle<typeof differentialSyncWait>(childId);
    let childView = await child.query(progressQuery);
    for (let i = 0; i < 100 && !childView.progress.replication; i++) {
      await new Promise((r) => setTimeout(r, 50));
      childView = await child.query(progressQuery);
    }
    expect(childView).toMatchObject({ status: 'waiting', kind: 'onboarding', tenantId, progress: { replication: { vms: 5, polls: expect.any(Number) } } });

    await held;
    const result = await handle.result();
    expect(result.protectedVms).toBe(5);
    const tenant = await inventory.dataSource.getRepository(TenantEntity).findOneByOrFail({ id: tenantId });
    expect(tenant.state).toBe('protected');

    // The child's last run was continued from an earlier one, and its result counts the runs.
    const waited = await child.result();
    expect(waited.runs).toBeGreaterThan(1);
    expect(waited.rpo.map((r) => r.vm).sort()).toEqual(t.vms.map((v) => v.name).sort());
    const history = await child.fetchHistory();
    expect(history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId).toBeTruthy();
    expect(waited.replication.polls).toBeGreaterThan(waited.runs);

    const done = await handle.query(progressQuery);
    expect(done.progress).toMatchObject({ differentialSyncWait: null, replication: { vms: 5, inDifferentialSync: 5 } });
    expect(duplicates(await estate.control.ops({ tenant: 'adatum' }))).toEqual([]);
    // The wait's last run: continued from an earlier one, polls until every pair is in sync.
    await recordHistory(child, 'differential-sync-wait');
  });
});
