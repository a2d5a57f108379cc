import type { AddressInfo } from 'node:net';
import { getDataSourceToken } from '@nestjs/typeorm';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { DataSource } from 'typeorm';
import { createActivities } from '../../activities';
import { seedDemoEstate, type DemoTenant } from '../../infra/demo/demo-estate';
import { TenantEntity } from '../../infra/persistence/entities';
import type { FailbackResult } from '../../workflows/contracts';
import { startEstate, type Estate } from '../clients/estate-fixture';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../support/api';
import { effectsNotOnce, estateEffects, opsMark } from '../support/estate-effects';

/**
 * A failback under transient faults (503s and timeouts on InMage and BNA) and lost answers, whose worker is
 * stopped in the middle of the recovery waves and replaced, with the simulator's idempotency store off as on
 * the real systems: it completes, and the estate shows each effect once.
 */
describe('failback under faults and a worker replaced mid-way', () => {
  let estate: Estate;
  let t: TestApp;
  let tenant: DemoTenant;
  let dataSource: DataSource;
  const taskQueue = `failback-durability-${Math.random().toString(36).slice(2, 8)}`;

  const newWorker = async () => {
    const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS as string });
    const worker = await Worker.create({
      connection,
      taskQueue,
      activities: createActivities({ dataSource, clients: estate.clients, estateEndpoints: [] }),
      workflowBundle: { codePath: process.env.LIFELINE_WORKFLOW_BUNDLE as string },
      shutdownGraceTime: '100ms',
    });
    return { worker, running: worker.run(), connection };
  };
  const stop = async (w: Awaited<ReturnType<typeof newWorker>>) => {
    w.worker.shutdown();
    await w.running;
    await w.connection.close();
  };

  beforeAll(async () => {
    estate = await startEstate({ timeScale: 0.001, idempotency: 'none' });
    t = await startTestApp('sqlite', { temporalTaskQueue: taskQueue });
    await t.app.listen(0, '127.0.0.1');
    const apiUrl = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    dataSource = t.app.get<DataSource>(getDataSourceToken());
    [tenant] = await seedDemoEstate({ apiUrl, adminToken: ADMIN_TOKEN, simUrl: estate.sim.url, tenants: 1, vmsPerTenant: 12, managementVmsPerTenant: 3, alreadyProtected: true, waveConcurrency: 2 });
    await dataSource.manager.update(TenantEntity, { id: tenant.id }, { state: 'protected' });
  });

  afterAll(async () => {
    await t?.close();
    await estate?.close();
  });

  const get = async (id: string) => (await t.http.get(`/v1/operations/${encodeURIComponent(id)}`).set(t.auth())).body;
  async function until(id: string, done: (op: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    let op = await get(id);
    for (let i = 0; i < 2400 && !done(op); i++) {
      await new Promise((r) => setTimeout(r, 100));
      op = await get(id);
    }
    return op;
  }
  const ended = (op: Record<string, unknown>) => ['completed', 'failed', 'cancelled'].includes(op.status as string);

  it('completes with each effect once on the estate, with idempotency keys ignored', async () => {
    let mark = 0;
    let w = await newWorker();
    try {
      const fo = (await t.http.post('/v1/operations').set(t.auth()).send({ kind: 'failover', tenantId: tenant.id }).expect(202)).body.operationId;
      expect((await until(fo, ended)).status).toBe('completed');

      const vms: string[] = (await t.http.get(`/v1/tenants/${tenant.id}/vms?limit=1000`).set(t.auth()).expect(200)).body.items.map((v: { name: string }) => v.name);
      expect(vms).toEqual(expect.arrayContaining(['nw-db-2', 'nw-app-1', 'nw-app-2', 'nw-web-1']));
      mark = await opsMark(estate.control);
      // Calls that take effect and lose their answer: a failback recovery, a power-on at the primary, a DR
      // VM's quiesce and removal, and a resumed forward protection. (A DR address mapped for a VM stays
      // reserved while the tenant is protected, so the failback releases none.)
      const lost = [
        { system: 'inmage', op: 'recover', target: 'nw-db-2' },
        { system: 'compute', op: 'powerOn', target: 'nw-app-2' },
        { system: 'compute', op: 'deleteVm', target: 'nw-app-1' },
        { system: 'compute', op: 'powerOff', target: 'nw-web-1' },
        { system: 'inmage', op: 'resumeProtection', target: 'nw-web-1' },
      ];
      for (const rule of lost) await estate.control.fault({ ...rule, tenant: tenant.name, lostResponse: true, status: 503, times: 1 });
      for (const system of ['inmage', 'bna']) {
        await estate.control.fault({ system, op: '*', rate: 0.15, status: 503 });
        await estate.control.fault({ system, op: '*', rate: 0.05, timeout: true });
      }
      const fb = (await t.http.post('/v1/operations').set(t.auth())
        .send({ kind: 'failback', tenantId: tenant.id, maintenanceWindowStart: new Date().toISOString(), statusPollSeconds: 1 }).expect(202)).body.operationId;
      const mid = await until(fb, (op) => String(op.phase).startsWith('wave 2') || ended(op));
      expect(String(mid.phase)).toMatch(/^wave 2/);
      await stop(w);
      w = await newWorker();

      const op = await until(fb, ended);
      expect(op.error ?? null).toBeNull();
      expect(op.status).toBe('completed');
      expect(op.result as FailbackResult).toMatchObject({ status: 'failed-back', failedBack: 15, reprotected: 15 });
    } finally {
      await stop(w);
    }
    const ops = await estate.control.ops({ tenant: tenant.name });
    expect(ops.filter((o) => o.outcome === 'fault' || o.outcome === 'timeout').length).toBeGreaterThan(0);
    const rules = (await estate.control.request<{ faults: { lostResponse: boolean }[] }>('GET', '/_sim/faults')).body.faults;
    expect(rules.filter((r) => r.lostResponse)).toEqual([]);
    // Counted on the estate (idempotency keys ignored throughout): no VM left at the DR site, each VM one
    // copy at the primary powered on once by the failback, no address held twice or by anyone but the tenant's
    // VMs (their mapped DR addresses stay reserved), one ticket per operation;
    // each VM recovered once at the DR site and once back at the primary, and forward protection resumed once.
    const vms: string[] = (await t.http.get(`/v1/tenants/${tenant.id}/vms?limit=1000`).set(t.auth()).expect(200)).body.items.map((v: { name: string }) => v.name);
    expect(effectsNotOnce(await estateEffects(estate.control, tenant.name, { since: mark }), { vms, drVms: 0, powerOns: 1, owners: vms })).toEqual([]);
    const count = (op: string) => {
      const targets = ops.filter((e) => e.op === op && e.outcome === 'ok').map((e) => e.target);
      return { total: targets.length, distinct: new Set(targets).size };
    };
    expect(count('recover')).toEqual({ total: 30, distinct: 15 });
    expect(count('resumeProtection')).toEqual({ total: 15, distinct: 15 });
    expect((await t.http.get(`/v1/tenants/${tenant.id}`).set(t.auth()).expect(200)).body.state).toBe('protected');
  }, 300_000);
});
