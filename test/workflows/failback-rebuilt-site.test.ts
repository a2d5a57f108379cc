import type { DemoTenant } from '../../infra/demo/demo-estate';
import type { FailbackResult } from '../../workflows/contracts';
import type { Estate } from '../clients/estate-fixture';
import type { TestApp } from '../support/api';
import { ended, startDrEstate, type DrEstate, type OperationBody, type SimState } from '../support/dr-estate';

/**
 * The primary site lost with its VMs ("smoking hole"), then rebuilt empty and registered as a new primary
 * site: the failback records it as the tenant's primary, replicates the DR VMs to it, recreates every VM there
 * with its primary addresses from the inventory, and the tenant ends protected from it with nothing at DR.
 */
describe('failback to a rebuilt primary site (smoking hole)', () => {
  let e: DrEstate;
  let estate: Estate;
  let t: TestApp;
  let tenant: DemoTenant;

  beforeAll(async () => {
    e = await startDrEstate('failback-rebuilt', { tenants: 1, vmsPerTenant: 12, managementVmsPerTenant: 3, waveConcurrency: 2 });
    ({ estate, t } = e);
    [tenant] = e.tenants;
  });
  afterAll(async () => e?.close());

  const waitFor = (operationId: string, done: (op: OperationBody) => boolean) => e.until(operationId, done);
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
