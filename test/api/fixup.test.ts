import { randomUUID } from 'node:crypto';
import { getDataSourceToken } from '@nestjs/typeorm';
import { Client, Connection } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import type { DataSource } from 'typeorm';
import { metadataCaptureWorkflowId } from '../../domain/fixup-plan';
import { ProtectedVmEntity, TenantEntity } from '../../infra/persistence/entities';
import { createLifelineWorker } from '../../infra/temporal/worker';
import { startEstate, type Estate } from '../clients/estate-fixture';
import { startTestApp, type TestApp } from '../support/api';
import { drIp, seedFixupTenant, type SimTenantVm } from '../support/fixup-estate';

/** Polls `read` until `done` says so (no time assertion: the test's own timeout bounds it). */
async function until<T>(read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('fix-up and management metadata through the API', () => {
  let estate: Estate;
  let t: TestApp;
  let ds: DataSource;
  let worker: Worker;
  let running: Promise<void>;
  let connection: NativeConnection;
  let tenantId: string;
  let nw: SimTenantVm[];
  const taskQueue = `fixup-api-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    estate = await startEstate();
    t = await startTestApp('sqlite', { temporalTaskQueue: taskQueue });
    ds = t.app.get<DataSource>(getDataSourceToken());
    ({ worker, connection } = await createLifelineWorker({
      address: process.env.TEMPORAL_ADDRESS as string,
      taskQueue,
      deps: { dataSource: ds, clients: estate.clients, estateEndpoints: [] },
      workflowBundlePath: process.env.LIFELINE_WORKFLOW_BUNDLE,
    }));
    running = worker.run();
    const seeded = await estate.control.scenario({ tenants: [{ id: 'northwind', vms: 4, managementVms: 3 }], protected: false, seed: 5 });
    nw = (seeded.tenants[0] as unknown as { vms: SimTenantVm[] }).vms;
    ({ tenantId } = await seedFixupTenant(ds, { name: 'northwind', primarySite: 'northwind-dc', drSite: 'dr-1', state: 'protected' }));
    const now = new Date();
    await ds.getRepository(ProtectedVmEntity).insert(
      nw.map((vm, i) => ({
        id: randomUUID(), tenantId, name: vm.name, role: vm.role, os: 'rhel-9', vcpu: 2, memoryMb: 4096, disks: [{ name: 'disk0', sizeGb: 40 }],
        primaryHostname: vm.fqdn, primaryIps: [vm.ip], drHostname: null, drIps: [drIp(vm.ip)], replicationState: 'differential-sync' as const,
        rpoLagSeconds: 30, recoveryPriority: i, masterTarget: null, critical: false, probes: null, createdAt: now, updatedAt: now,
      })),
    );
  });

  afterAll(async () => {
    // The capture workflow runs until stopped.
    const client = new Client({ connection: await Connection.connect({ address: process.env.TEMPORAL_ADDRESS as string }) });
    await client.workflow.getHandle(metadataCaptureWorkflowId(tenantId)).terminate('test over').catch(() => undefined);
    await client.connection.close();
    worker?.shutdown();
    await running;
    await connection?.close();
    await t?.close();
    await estate?.close();
  });

  const setState = (state: TenantEntity['state']) => ds.getRepository(TenantEntity).update({ id: tenantId }, { state });

  it('refuses unknown service kinds and intervals out of range, naming them, and writes nothing', async () => {
    const before = await t.counts();
    const res = await t.http.post('/v1/operations').set(t.auth()).send({ kind: 'fixup', tenantId, services: ['dns', 'bogus', 'mail'] }).expect(400);
    expect(JSON.stringify(res.body)).toMatch(/services has unknown management-service kinds: bogus, mail/);
    const bad = await t.http.put(`/v1/tenants/${tenantId}/management-metadata/schedule`).set(t.auth()).send({ intervalSeconds: 1 }).expect(400);
    expect(JSON.stringify(bad.body)).toMatch(/intervalSeconds/);
    expect(await t.counts()).toEqual(before);
  });

  it('captures on a schedule and shows the capture age as the metadata RPO', async () => {
    const empty = await t.http.get(`/v1/tenants/${tenantId}/management-metadata`).set(t.auth()).expect(200);
    expect(empty.body).toMatchObject({ capturedAt: null, ageSeconds: null, versions: [], capture: { running: false } });

    const scheduled = await t.http.put(`/v1/tenants/${tenantId}/management-metadata/schedule`).set(t.auth()).send({ intervalSeconds: 3600 }).expect(200);
    expect(scheduled.body.running).toBe(true);
    const first = await until(
      () => t.http.get(`/v1/tenants/${tenantId}/management-metadata`).set(t.auth()),
      (r) => r.body.versions.length >= 1,
    );
    expect(first.body.latest).toMatchObject({ version: 1, side: 'primary', reason: 'on-demand' });
    expect(first.body.latest.counts['monitoring.agents']).toBeGreaterThan(0);
    expect(typeof first.body.ageSeconds).toBe('number');
    expect(first.body).toMatchObject({ dataRpoSeconds: 900, withinDataRpo: true, capture: { running: true, intervalSeconds: 3600 } });

    await t.http.post(`/v1/tenants/${tenantId}/management-metadata/captures`).set(t.auth()).expect(202);
    const second = await until(
      () => t.http.get(`/v1/tenants/${tenantId}/management-metadata`).set(t.auth()),
      (r) => r.body.versions.length >= 2,
    );
    expect(second.body.latest.version).toBe(2);
    const records = await t.http.get(`/v1/tenants/${tenantId}/management-metadata/versions/2`).set(t.auth()).expect(200);
    expect(records.body.records['dns.records'].map((r: { name: string }) => r.name).sort()).toEqual(nw.map((v) => v.name).sort());
    await t.http.get(`/v1/tenants/${tenantId}/management-metadata/versions/99`).set(t.auth()).expect(404);
  });

  it('runs a fix-up of chosen services as its own operation, identities from the inventory', async () => {
    await setState('failed-over');
    const start = await t.http.post('/v1/operations').set(t.auth()).send({ kind: 'fixup', tenantId, services: ['dns', 'monitoring'], requestId: 'repair-1' }).expect(202);
    const op = await until(
      () => t.http.get(`/v1/operations/${start.body.operationId}`).set(t.auth()),
      (r) => r.body.status === 'completed' || r.body.status === 'failed',
    );
    expect(op.body).toMatchObject({ kind: 'fixup', status: 'completed' });
    expect(op.body.result.direction).toBe('failover');
    expect(op.body.result.services.map((s: { kind: string; outcome: string }) => [s.kind, s.outcome])).toEqual([['dns', 'restored'], ['monitoring', 'restored']]);
    expect(op.body.result.services[0].vms.map((v: { vm: string }) => v.vm).sort()).toEqual(nw.map((v) => v.name).sort());
    for (const vm of nw) {
      const rec = await estate.clients.dns.getDnsRecord('northwind.example.com', vm.name, 'A');
      expect(rec?.values).toEqual([drIp(vm.ip)]);
    }
    // Only the named services were touched.
    const touched = new Set((await estate.control.ops({ tenant: 'northwind', outcome: 'ok' })).map((o) => o.system));
    expect(touched).toEqual(new Set(['dns', 'monitoring']));
  });

  it('refuses a fix-up for a tenant that is neither failed over nor protected', async () => {
    await setState('onboarding');
    const res = await t.http.post('/v1/operations').set(t.auth()).send({ kind: 'fixup', tenantId }).expect(409);
    expect(res.body.message).toMatch(/fixup starts only from failed-over or protected/);
  });
});
