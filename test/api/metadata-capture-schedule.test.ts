import { Client, Connection } from '@temporalio/client';
import { metadataCaptureWorkflowId } from '../../domain/fixup-plan';
import { seedEstate, startTestApp, type TestApp } from '../support/api';

/**
 * The capture schedule through the API: every change is audited, the schedule can be stopped, and
 * `running` is what Temporal says of the workflow. No worker polls this app's task queue, so the
 * workflow runs (as far as Temporal is concerned) without capturing: enough for what the API answers.
 */
describe('management metadata capture schedule (sqlite)', () => {
  let t: TestApp;
  let temporal: Client;
  beforeAll(async () => {
    t = await startTestApp('sqlite', { temporalTaskQueue: `no-worker-${Date.now()}` });
    temporal = new Client({ connection: await Connection.connect({ address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233' }) });
  });
  afterAll(async () => {
    await temporal?.connection.close();
    await t?.close();
  });

  it('audits schedule, capture-now and stop; stop ends the workflow; running follows the workflow', async () => {
    const e = await seedEstate(t, 'capture');
    const base = `/v1/tenants/${e.tenantId}/management-metadata`;
    const handle = temporal.workflow.getHandle(metadataCaptureWorkflowId(e.tenantId));
    try {
      const scheduled = await t.http.put(`${base}/schedule`).set(t.auth()).send({ intervalSeconds: 600 }).expect(200);
      expect(scheduled.body.running).toBe(true);
      expect((await handle.describe()).status.name).toBe('RUNNING');
      await t.http.post(`${base}/captures`).set(t.auth()).expect(202);

      const stopped = await t.http.delete(`${base}/schedule`).set(t.auth()).expect(200);
      expect(stopped.body).toMatchObject({ running: false, intervalSeconds: null });
      expect((await handle.describe()).status.name).toBe('TERMINATED');
      expect((await t.http.get(base).set(t.auth()).expect(200)).body.capture.running).toBe(false);
      await t.http.delete(`${base}/schedule`).set(t.auth()).expect(200);

      const feed = await t.http.get(`/v1/audit-events?tenantId=${e.tenantId}&limit=10`).set(t.auth()).expect(200);
      const actions = feed.body.items.map((a: { action: string; details: unknown }) => [a.action, a.details]).reverse();
      expect(actions.slice(-4)).toEqual([
        ['metadata-capture.schedule', { intervalSeconds: 600 }],
        ['metadata-capture.capture-now', null],
        ['metadata-capture.stop', { wasRunning: true }],
        ['metadata-capture.stop', { wasRunning: false }],
      ]);

      // A workflow ended behind the API's back is not reported running.
      await t.http.post(`${base}/captures`).set(t.auth()).expect(202);
      await handle.terminate('ended elsewhere');
      expect((await t.http.get(base).set(t.auth()).expect(200)).body.capture.running).toBe(false);
    } finally {
      await handle.terminate('test over').catch(() => undefined);
    }
  });

  it('lets only provider staff stop a schedule, and a tenant admin not see another tenant’s', async () => {
    const e = await seedEstate(t, 'capture-roles');
    const admin = (await t.http.post('/v1/tokens').set(t.auth()).send({ name: 'ta', role: 'tenant-admin', tenantId: e.tenantId }).expect(201)).body.token;
    const before = await t.counts();
    await t.http.delete(`/v1/tenants/${e.tenantId}/management-metadata/schedule`).set(t.auth(admin)).expect(403);
    await t.http.delete('/v1/tenants/00000000-0000-4000-8000-000000000000/management-metadata/schedule').set(t.auth()).expect(404);
    expect(await t.counts()).toEqual(before);
  });
});
