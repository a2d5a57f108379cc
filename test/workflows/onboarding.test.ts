import { WorkflowFailedError } from '@temporalio/client';
import { DrContainerEntity, ProtectedVmEntity, TenantEntity } from '../../infra/persistence/entities';
import { onboarding } from '../../workflows';
import { abortUpdate, approveUpdate, progressQuery, workflowIds, type OnboardingInput } from '../../workflows/contracts';
import { DIALECTS } from '../support/databases';
import { recordHistory } from '../support/histories';
import { openTestInventory, type TestInventory } from '../support/inventory';
import { startTestWorker, type TestWorker } from '../support/worker';
import { duplicates, expectDocumentedOrder, seedInventory, seedSimTenants, startOnboardingEstate, type OnboardingEstate } from './onboarding-fixture';
import { estateDifferences } from '../support/estate-oracle';

interface SimState {
  clm: { containers: unknown[]; networkPaths: unknown[]; loadBalancerPools: unknown[]; serviceOfferingInstances: unknown[] };
  bna: { pools: { id: string; reservations: unknown[] }[]; vlans: unknown[] };
  asa: { contexts: unknown[] };
  inmage: { controlServers: unknown[]; plans: unknown[] };
}

// On each inventory dialect, so the activities' transactions run on MariaDB as well as SQLite.
describe.each(DIALECTS)('onboarding workflow on the real Temporal server and the simulator (%s inventory)', (dialect) => {
  let estate: OnboardingEstate;
  let inventory: TestInventory;
  let tw: TestWorker;

  beforeAll(async () => {
    estate = await startOnboardingEstate();
    inventory = await openTestInventory(dialect);
    tw = await startTestWorker({ dataSource: inventory.dataSource, clients: estate.clients, estateEndpoints: [] }, 'onboarding');
  });

  afterAll(async () => {
    await tw?.stop();
    await inventory?.close();
    await estate?.close();
  });

  // A recorded history replays under its file name as the workflow id (children are named after it).
  const start = (tenantId: string, requestId: string, extra: Partial<OnboardingInput> = {}, workflowId = workflowIds.operation('onboarding', tenantId, requestId)) =>
    tw.client.workflow.start(onboarding, {
      taskQueue: tw.taskQueue,
      workflowId,
      args: [{ tenantId, request: { requestedBy: 'test', requestId }, statusPollSeconds: 0.2, ...extra }],
    });

  it('onboards a Bronze tenant: container approved by the operator, VLAN, VPN, IPs, paths, VIP, control plane, plans, Differential Sync', async () => {
    const [t] = await seedSimTenants(estate.control, [{ id: 'northwind', vms: 9, managementVms: 3, tier: 'Bronze' }]);
    const ids = await seedInventory(inventory.dataSource, [t], { autoApproveContainers: false, approvalReminderSeconds: 1, approvalEscalationSeconds: 2 });
    const tenantId = ids.get('northwind') as string;
    // The SQLite run's history is the one recorded; the other dialect's workflow id must not collide with it.
    const handle = await start(tenantId, 'bronze-1', {}, dialect === 'sqlite' ? 'onboarding-bronze' : `onboarding-bronze-${dialect}`);

    // Nothing awaits approval at once; then the container's change request does.
    let view = await handle.query(progressQuery);
    for (let i = 0; i < 200 && view.waitingFor === null; i++) {
      await new Promise((r) => setTimeout(r, 100));
      view = await handle.query(progressQuery);
    }
    expect(view.status).toBe('waiting');
    expect(view.waitingFor).toContain('approval of the network container');
    // Reminder and escalation timers fire while nobody approves.
    for (let i = 0; i < 100 && !String(view.waitingFor).includes('escalated'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      view = await handle.query(progressQuery);
    }
    expect(view.waitingFor).toContain('escalated');
    await handle.executeUpdate(approveUpdate, { args: [{ by: 'ops-lead' }] });
    const again = await handle.executeUpdate(approveUpdate, { args: [{ by: 'ops-lead' }] }).then(() => null, (e: Error) => e as Error & { cause?: Error });
    expect(String(again?.cause?.message)).toMatch(/nothing awaits approval/);

    const result = await handle.result();
    expect(result).toMatchObject({ protectedVms: 12, plans: expect.any(Number) });
    const tenant = await inventory.dataSource.getRepository(TenantEntity).findOneByOrFail({ id: tenantId });
    expect(tenant.state).toBe('protected');
    // Protected: the tenant's protection watch runs.
    expect((await tw.client.workflow.getHandle(workflowIds.protectionWatch(tenantId)).describe()).status.name).toBe('RUNNING');
    const vms = await inventory.dataSource.getRepository(ProtectedVmEntity).findBy({ tenantId });
    for (const vm of vms) {
      expect(vm.replicationState).toBe('differential-sync');
      expect(vm.rpoLagSeconds).toEqual(expect.any(Number));
      expect(vm.masterTarget).toMatch(/^northwind-mt-/);
      // Management VMs from the set-aside pool, workload VMs on their mapped address (the fixture's 172.16.0.0/12 rules).
      expect({ vm: vm.name, drIps: vm.drIps }).toEqual({ vm: vm.name, drIps: [expect.stringMatching(vm.role === 'management' ? /^192\.168\./ : /^172\.16\./)] });
    }
    expect(await estateDifferences(inventory.dataSource, estate.control, tenantId)).toEqual([]);
    const record = await inventory.dataSource.getRepository(DrContainerEntity).findOneByOrFail({ tenantId });
    expect(record.vlans.some((v) => v.role === 'inmage')).toBe(true);
    expect(record.networkPaths.length).toBeGreaterThan(0);
    expect(record.vips).toHaveLength(1);
    expect(record.controlPlane?.plans.length).toBe(result.plans);

    const ops = await estate.control.ops({ tenant: 'northwind' });
    expect(duplicates(ops)).toEqual([]);
    expectDocumentedOrder(ops, 'northwind');
    if (dialect !== 'sqlite') return;
    await recordHistory(handle, 'onboarding-bronze');
    await recordHistory(tw.client.workflow.getHandle(workflowIds.child(handle.workflowId, 'provisioning')), 'onboarding-bronze-provisioning');
  });

  it('fails with the BNA message when the management pool runs dry, and leaves nothing behind', async () => {
    await estate.control.reset();
    // Five set-aside addresses for six management VMs (workload VMs take their mapped addresses).
    const [t] = await seedSimTenants(estate.control, [{ id: 'contoso', vms: 2, managementVms: 6, tier: 'Gold' }], { managementPoolSize: 4 });
    const ids = await seedInventory(inventory.dataSource, [t], { autoApproveContainers: true });
    const tenantId = ids.get('contoso') as string;
    const handle = await start(tenantId, 'dry-1');
    const err = await handle.result().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(String((err as WorkflowFailedError).cause?.message)).toMatch(/POOL_EXHAUSTED/);
    const view = await handle.query(progressQuery);
    expect(view.status).toBe('failed');
    expect(view.error).toMatch(/POOL_EXHAUSTED/);

    const state = (await estate.control.state('contoso')) as SimState;
    expect(state.clm.containers).toEqual([]);
    expect(state.clm.networkPaths).toEqual([]);
    expect(state.clm.loadBalancerPools).toEqual([]);
    expect(state.asa.contexts).toEqual([]);
    expect(state.bna.vlans).toEqual([]);
    expect(state.bna.pools.flatMap((p) => p.reservations)).toEqual([]);
    const tenant = await inventory.dataSource.getRepository(TenantEntity).findOneByOrFail({ id: tenantId });
    expect(tenant.state).toBe('error');
    expect(await inventory.dataSource.getRepository(DrContainerEntity).findOneBy({ tenantId })).toBeNull();
  });

  it('an abort while the container awaits approval undoes it and leaves the tenant in error', async () => {
    await estate.control.reset();
    const [t] = await seedSimTenants(estate.control, [{ id: 'wingtip', vms: 4, managementVms: 1, tier: 'Silver' }]);
    const ids = await seedInventory(inventory.dataSource, [t], { autoApproveContainers: false, approvalReminderSeconds: 3600, approvalEscalationSeconds: 7200 });
    const tenantId = ids.get('wingtip') as string;
    const handle = await start(tenantId, 'abort-1');
    let view = await handle.query(progressQuery);
    for (let i = 0; i < 200 && view.waitingFor === null; i++) {
      await new Promise((r) => setTimeout(r, 100));
      view = await handle.query(progressQuery);
    }
    expect(view.waitingFor).toContain('approval');
    await handle.executeUpdate(abortUpdate, { args: [{ by: 'ops-lead' }] });
    await expect(handle.result()).rejects.toThrow();
    view = await handle.query(progressQuery);
    expect(view.status).toBe('cancelled');
    expect(view.error).toMatch(/aborted by ops-lead/);
    const state = (await estate.control.state('wingtip')) as SimState;
    expect(state.clm.containers).toEqual([]);
    const tenant = await inventory.dataSource.getRepository(TenantEntity).findOneByOrFail({ id: tenantId });
    expect(tenant.state).toBe('error');
  });
});
