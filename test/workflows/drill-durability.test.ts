import type { ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { seedDemoEstate, type DemoTenant } from '../../infra/demo/demo-estate';
import { TenantEntity } from '../../infra/persistence/entities';
import { startEstate, type Estate } from '../clients/estate-fixture';
import { spawnWorkerProcess } from '../support/worker-spawn';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../support/api';
import { estateOf } from '../support/estate-snapshot';

const TIME_SCALE = 0.001;

/**
 * A worker SIGKILLed while a drill's wave boots, with the simulator's idempotency store off as on the real
 * systems: another worker takes the drill over, it completes, and afterwards the tenant's estate is as it
 * was (nothing of the drill left, production untouched).
 */
describe('a drill survives a killed worker and leaves nothing behind', () => {
  let estate: Estate;
  let t: TestApp;
  let tenant: DemoTenant;
  const workers: ChildProcess[] = [];
  const taskQueue = `drill-durability-${Math.random().toString(36).slice(2, 8)}`;

  async function startWorker(): Promise<ChildProcess> {
    const child = await spawnWorkerProcess({ LIFELINE_TASK_QUEUE: taskQueue, SIM_URL: estate.sim.url, DATA_DIR: t.db.config.dataDir, MYSQL_URL: '' });
    workers.push(child);
    return child;
  }


  beforeAll(async () => {
    estate = await startEstate({ timeScale: TIME_SCALE, idempotency: 'none' });
    t = await startTestApp('sqlite', { temporalTaskQueue: taskQueue });
    await t.app.listen(0, '127.0.0.1');
    const apiUrl = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    [tenant] = await seedDemoEstate({ apiUrl, adminToken: ADMIN_TOKEN, simUrl: estate.sim.url, tenants: 1, vmsPerTenant: 4, managementVmsPerTenant: 1, alreadyProtected: true, waveConcurrency: 2 });
    await t.app.get<DataSource>(getDataSourceToken()).manager.update(TenantEntity, { id: tenant.id }, { state: 'protected' });
  });

  afterAll(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await t?.close();
    await estate?.close();
  });

  const get = async (id: string) => (await t.http.get(`/v1/operations/${encodeURIComponent(id)}`).set(t.auth())).body;
  const until = async (id: string, done: (op: { status: string; progress: Record<string, unknown> }) => boolean) => {
    for (let i = 0; i < 900; i++) {
      const op = await get(id);
      if (done(op)) return op;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`drill ${id} never got there: ${JSON.stringify(await get(id)).slice(0, 2000)}`);
  };

  it('completes on another worker, and the estate is as before', async () => {
    const before = estateOf(await estate.control.state(tenant.name));
    // Guests boot for ~3 s, so the worker dies while the first wave's drill VMs are booting.
    await estate.control.request('PUT', '/_sim/latency', { ops: { 'compute.guestBoot': 3_000 / TIME_SCALE } });
    const first = await startWorker();
    const id = (await t.http.post('/v1/operations').set(t.auth()).send({ kind: 'drill', tenantId: tenant.id }).expect(202)).body.operationId as string;
    const booting = (op: { progress: Record<string, unknown> }) => Object.values((op.progress.vms ?? {}) as Record<string, { status: string; step?: string }>).some((v) => v.status === 'running' && v.step === 'start');
    await until(id, (op) => booting(op) || ['completed', 'failed', 'cancelled'].includes(op.status));
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    await estate.control.request('PUT', '/_sim/latency', { ops: { 'compute.guestBoot': 0 } });
    await startWorker();
    const op = await until(id, (o) => ['completed', 'failed', 'cancelled'].includes(o.status));
    expect([op.status, op.error]).toEqual(['completed', null]);
    expect(op.result).toMatchObject({ outcome: 'passed', cleanup: { status: 'clean', leftovers: [] } });
    // Each VM booted once in the bubble: one drill snapshot that took effect per VM.
    const snapshots = (await estate.control.ops({ tenant: tenant.name, system: 'inmage', op: 'drillSnapshot', outcome: 'ok' })).map((o) => o.target).sort();
    expect(snapshots).toEqual(op.result.vms.map((v: { vm: string }) => v.vm).sort());
    expect((await t.http.get(`/v1/tenants/${tenant.id}`).set(t.auth()).expect(200)).body.state).toBe('protected');
    expect(estateOf(await estate.control.state(tenant.name))).toEqual(before);
  });
});
