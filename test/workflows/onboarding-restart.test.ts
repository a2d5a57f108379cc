import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { TenantEntity } from '../../infra/persistence/entities';
import { onboarding } from '../../workflows';
import { progressQuery, workflowIds } from '../../workflows/contracts';
import { openTestInventory, type TestInventory } from '../support/inventory';
import { startTestWorker, type TestWorker } from '../support/worker';
import { effectsNotOnce, estateEffects } from '../support/estate-effects';
import { seedInventory, seedSimTenants, startOnboardingEstate, type OnboardingEstate } from './onboarding-fixture';

jest.setTimeout(300_000);

/**
 * A worker stopped abruptly in the middle of an onboarding (its in-flight activities cut off after 100 ms)
 * and a new worker started on the same queue, with the simulator's idempotency store off as on the real
 * systems: the operation completes and the estate shows each effect once.
 */
describe('onboarding survives a worker killed mid-way', () => {
  let estate: OnboardingEstate;
  let inventory: TestInventory;
  let helper: TestWorker;

  beforeAll(async () => {
    estate = await startOnboardingEstate(undefined, { idempotency: 'none' });
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

  it('completes on a new worker with each effect once on the estate, with idempotency keys ignored', async () => {
    const [t] = await seedSimTenants(estate.control, [{ id: 'tailspin', vms: 10, managementVms: 2, tier: 'Bronze' }]);
    const ids = await seedInventory(inventory.dataSource, [t], { autoApproveContainers: true });
    const tenantId = ids.get('tailspin') as string;
    // Slow the estate down a little so the kill lands while work is in flight.
    await estate.control.request('PUT', '/_sim/latency', { timeScale: 0.002 });
    // The first call of each kind takes effect and loses its answer, so the activity must find out what happened.
    const lost: [string, string][] = [
      ['clm', 'createContainer'], ['bna', 'createVlan'], ['asa', 'createContext'], ['asa', 'createTunnel'], ['bna', 'reserveIp'],
      ['clm', 'provisionServiceOffering'], ['inmage', 'pushAgent'], ['inmage', 'createPlan'],
    ];
    for (const [system, op] of lost) await estate.control.fault({ system, op, tenant: 'tailspin', lostResponse: true, status: 503, times: 1 });

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
    expect((await estate.control.request<{ faults: unknown[] }>('GET', '/_sim/faults')).body.faults).toEqual([]);
    // Counted on the estate (idempotency keys ignored throughout): one container, VLAN, VPN context and
    // tunnel (a Bronze container's VLAN is BNA's); one management address per VM and one VIP address, nothing
    // else; each VM's agent pushed once and each plan created once.
    const vms = t.vms.map((v) => v.name);
    expect(effectsNotOnce(await estateEffects(estate.control, 'tailspin'), { vms, network: true, owners: [...vms, 'vip-https'] })).toEqual([]);
    const pushes = (await estate.control.ops({ tenant: 'tailspin', op: 'inmage.pushAgent', outcome: 'ok' })).map((e) => e.target);
    expect([...pushes].sort()).toEqual([...vms].sort());
    const plans = (await estate.control.ops({ tenant: 'tailspin', op: 'inmage.createPlan', outcome: 'ok' })).map((e) => e.target);
    expect(new Set(plans).size).toBe(plans.length);
  });
});
