import type { AddressInfo } from 'node:net';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { seedDemoEstate, type DemoTenant } from '../../infra/demo/demo-estate';
import { TenantEntity } from '../../infra/persistence/entities';
import type { FailbackResult } from '../../workflows/contracts';
import { startEstate, type Estate } from '../clients/estate-fixture';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../support/api';
import { startTestWorker, type TestWorker } from '../support/worker';

interface SimVm { name: string; site: string; origin: string; power_state: string; hostname: string; nics: { ip_address: string }[] }
interface SimState {
  compute: { vms: SimVm[] };
  bna: { pools: { purpose?: string; reservations: unknown[] }[] };
  inmage: { plans: { direction: string }[]; pairs: { direction: string; state: string; server: string }[]; controlServers: { name: string }[]; drillSnapshots: unknown[] };
}

/**
 * The primary site lost with its VMs ("smoking hole"), then rebuilt empty and registered as a new primary
 * site: the failback records it as the tenant's primary, replicates the DR VMs to it, recreates every VM there
 * with its primary addresses from the inventory, and the tenant ends protected from it with nothing at DR.
 */
describe('failback to a rebuilt primary site (smoking hole)', () => {
  let estate: Estate;
  let t: TestApp;
  let tw: TestWorker;
  let tenant: DemoTenant;
  const taskQueue = `failback-rebuilt-${Math.random().toString(36).slice(2, 8)}`;

  beforeAll(async () => {
    estate = await startEstate({ timeScale: 0.0005 });
    t = await startTestApp('sqlite', { temporalTaskQueue: taskQueue });
    await t.app.listen(0, '127.0.0.1');
    const apiUrl = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    const dataSource = t.app.get<DataSource>(getDataSourceToken());
    tw = await startTestWorker({ dataSource, clients: estate.clients, estateEndpoints: [] }, 'failback-rebuilt', { taskQueue });
    [tenant] = await seedDemoEstate({
      apiUrl, adminToken: ADMIN_TOKEN, simUrl: estate.sim.url, tenants: 1, vmsPerTenant: 12, managementVmsPerTenant: 3, alreadyProtected: true, waveConcurrency: 2,
    });
    await dataSource.manager.update(TenantEntity, { id: tenant.id }, { state: 'protected' });
  });

  afterAll(async () => {
    await tw?.stop();
    await t?.close();
    await estate?.close();
  });

  async function waitFor(operationId: string, done: (op: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    for (let i = 0; i < 900; i++) {
      const res = await t.http.get(`/v1/operations/${encodeURIComponent(operationId)}`).set(t.auth());
      if (done(res.body)) return res.body;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`operation ${operationId} did not get there`);
  }
  const ended = (op: Record<string, unknown>) => ['completed', 'failed', 'cancelled'].includes(op.status as string);
  const state = async () => (await estate.control.state(tenant.name)) as SimState;

  it('recreates every VM at the rebuilt site and protects the tenant from it', async () => {
    const before = (await state()).compute.vms.filter((v) => v.origin === 'primary');
    const site = before[0].site;
    await estate.control.request('POST', `/_sim/sites/${site}/fail`);
    const fo = await t.http.post('/v1/operations').set(t.auth()).send({ kind: 'failover', tenantId: tenant.id, requestId: 'fo-1' }).expect(202);
    expect((await waitFor(fo.body.operationId, ended)).status).toBe('completed');

    // The site is rebuilt: it answers again, but none of the tenant's VMs survived.
    await estate.control.request('POST', `/_sim/sites/${site}/restore`);
    for (const vm of before) {
      const found = await estate.clients.compute.findVm(tenant.name, vm.name, site);
      if (found!.powerState === 'POWERED_ON') await estate.clients.compute.powerOff(found!.vm, `test:off:${vm.name}`);
      await estate.clients.compute.deleteVm(found!.vm, `test:delete:${vm.name}`);
    }
    expect((await state()).compute.vms.filter((v) => v.site === site)).toEqual([]);

    // The inventory gets the rebuilt site as a new primary site record; the lost one keeps its history.
    await t.http.patch(`/v1/sites/${tenant.primarySiteId}`).set(t.auth()).send({ name: `${site}-lost` }).expect(200);
    const rebuiltSite = (await t.http.post('/v1/sites').set(t.auth()).send({ name: site, kind: 'primary' }).expect(201)).body.id as string;
    const drSite = (await t.http.get(`/v1/tenants/${tenant.id}`).set(t.auth()).expect(200)).body.drSiteId as string;
    const notPrimary = await t.http.post('/v1/operations').set(t.auth()).send({ kind: 'failback', tenantId: tenant.id, primarySiteId: drSite }).expect(422);
    expect(JSON.stringify(notPrimary.body)).toContain('the tenant returns to a primary site');

    const fb = await t.http.post('/v1/operations').set(t.auth())
      .send({ kind: 'failback', tenantId: tenant.id, requestId: 'fb-1', primarySiteId: rebuiltSite, maintenanceWindowStart: new Date().toISOString(), statusPollSeconds: 1 }).expect(202);
    const op = await waitFor(fb.body.operationId, ended);
    expect(op.error ?? null).toBeNull();
    expect(op.result as FailbackResult).toMatchObject({ status: 'failed-back', failedBack: 15, reprotected: 15 });
    const tenantNow = (await t.http.get(`/v1/tenants/${tenant.id}`).set(t.auth()).expect(200)).body;
    expect(tenantNow).toMatchObject({ state: 'protected', primarySiteId: rebuiltSite });

    const s = await state();
    const rebuilt = s.compute.vms.filter((v) => v.site === site);
    expect(rebuilt.map((v) => v.name).sort()).toEqual(before.map((v) => v.name).sort());
    for (const vm of rebuilt) {
      const original = before.find((b) => b.name === vm.name)!;
      expect(vm.power_state).toBe('POWERED_ON');
      expect(vm.nics.map((n) => n.ip_address)).toEqual(original.nics.map((n) => n.ip_address));
    }
    expect(s.compute.vms.filter((v) => v.site === 'dr-1')).toEqual([]);
    expect(s.inmage.pairs.filter((p) => p.direction !== 'forward' || p.state !== 'Differential Sync')).toEqual([]);
  });
});
