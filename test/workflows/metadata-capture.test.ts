import { WorkflowUpdateFailedError } from '@temporalio/client';
import { metadataCaptureWorkflowId } from '../../domain/fixup-plan';
import { ManagementMetadataSnapshotEntity, TenantEntity } from '../../infra/persistence/entities';
import { managementMetadataCapture } from '../../workflows';
import { captureNowSignal, captureStatusQuery, setCaptureIntervalUpdate, type MetadataCaptureStatus } from '../../workflows/metadata-capture';
import { startEstate, type Estate } from '../clients/estate-fixture';
import { seedFixupTenant } from '../support/fixup-estate';
import { recordHistory } from '../support/histories';
import { openTestInventory, type TestInventory } from '../support/inventory';
import { startTestWorker, type TestWorker } from '../support/worker';

async function until<T>(read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('managementMetadataCapture (steady-state capture per tenant)', () => {
  let estate: Estate;
  let inventory: TestInventory;
  let tw: TestWorker;
  let tenantId: string;

  beforeAll(async () => {
    estate = await startEstate();
    inventory = await openTestInventory('sqlite');
    tw = await startTestWorker({ dataSource: inventory.dataSource, clients: estate.clients, estateEndpoints: [] }, 'metadata-capture');
    await estate.control.scenario({ tenants: [{ id: 'northwind', vms: 4, managementVms: 3 }], protected: false, seed: 3 });
    ({ tenantId } = await seedFixupTenant(inventory.dataSource, { name: 'northwind', primarySite: 'northwind-dc', drSite: 'dr-1', state: 'protected' }));
  });

  afterAll(async () => {
    await tw?.stop();
    await estate?.close();
    await inventory?.close();
  });

  it('captures versions on demand, keeps a dead service’s last records, refuses a bad interval, and pauses while failed over', async () => {
    // Capture only reads: the estate's log of side effects for the tenant must not grow.
    const effectsBefore = (await estate.control.ops({ tenant: 'northwind' })).length;
    const handle = await tw.client.workflow.start(managementMetadataCapture, {
      taskQueue: tw.taskQueue,
      workflowId: `${metadataCaptureWorkflowId(tenantId)}-${Date.now()}`,
      args: [{ tenantId, intervalSeconds: 3600 }],
    });
    try {
      const status = () => handle.query(captureStatusQuery);
      const first = await until(status, (s: MetadataCaptureStatus) => s.lastVersion === 1);
      expect(first).toMatchObject({ intervalSeconds: 3600, lastSkipReason: null });

      // The patch server stops answering: its collection keeps the previous capture's records, named as an error.
      await estate.control.fault({ system: 'patch', op: 'listAgents', status: 404 });
      await handle.signal(captureNowSignal);
      await until(status, (s) => s.lastVersion === 2);
      const repo = inventory.dataSource.getRepository(ManagementMetadataSnapshotEntity);
      const [v1, v2] = await Promise.all([repo.findOneByOrFail({ tenantId, version: 1 }), repo.findOneByOrFail({ tenantId, version: 2 })]);
      expect(v2.errors).toEqual({ 'patching.agents': expect.stringMatching(/404|not found/i) });
      expect(v2.records['patching.agents']).toEqual(v1.records['patching.agents']);
      expect(v2.counts['monitoring.agents']).toBe(v1.counts['monitoring.agents']);
      await estate.control.request('DELETE', '/_sim/faults');

      await expect(handle.executeUpdate(setCaptureIntervalUpdate, { args: [{ intervalSeconds: 1 }] })).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
      expect((await handle.executeUpdate(setCaptureIntervalUpdate, { args: [{ intervalSeconds: 600 }] })).intervalSeconds).toBe(600);

      // Failed over: the DR period's state is not primary-side metadata; the last version stays the source.
      await inventory.dataSource.getRepository(TenantEntity).update({ id: tenantId }, { state: 'failed-over' });
      await handle.signal(captureNowSignal);
      const skipped = await until(status, (s) => s.lastSkipReason !== null);
      expect(skipped.lastSkipReason).toMatch(/failed-over/);
      expect(skipped.lastVersion).toBe(2);
      expect(await repo.count({ where: { tenantId } })).toBe(2);
      expect(await estate.control.ops({ tenant: 'northwind' })).toHaveLength(effectsBefore);
      await handle.terminate('test over');
      await recordHistory(handle, 'metadata-capture');
    } finally {
      await handle.terminate('test over').catch(() => undefined);
      await inventory.dataSource.getRepository(TenantEntity).update({ id: tenantId }, { state: 'protected' });
    }
  });
});
