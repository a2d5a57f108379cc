import type { DemoTenant } from '../../infra/demo/demo-estate';
import type { FailbackResult } from '../../workflows/contracts';
import type { Estate } from '../clients/estate-fixture';
import type { TestApp } from '../support/api';
import { ended, startDrEstate, type DrEstate, type OperationBody, type SimState } from '../support/dr-estate';
import { estateDifferences } from '../support/estate-oracle';

/**
 * Partial failback through the API (real Temporal server, simulated estate): a VM whose dependency would
 * stay at the DR site is refused naming both; a dependency-closed subset fails back in a scheduled
 * maintenance window while the rest keep running at the DR site; the rest follow, and the tenant is protected.
 */
describe('partial failback through the API', () => {
  let e: DrEstate;
  let estate: Estate;
  let t: TestApp;
  let tenant: DemoTenant;

  beforeAll(async () => {
    e = await startDrEstate('failback-partial', { tenants: 1, vmsPerTenant: 12, managementVmsPerTenant: 3, waveConcurrency: 2 });
    ({ estate, t } = e);
    [tenant] = e.tenants;
  });
  afterAll(async () => e?.close());

  const waitFor = (operationId: string, done: (op: OperationBody) => boolean) => e.until(operationId, done);
  const state = async () => (await estate.control.state(tenant.name)) as SimState;

  it('refuses a VM without its dependency, fails back a closed subset, then the rest', async () => {
    const fo = await t.http.post('/v1/operations').set(t.auth()).send({ kind: 'failover', tenantId: tenant.id, requestId: 'fo-1' }).expect(202);
    expect((await waitFor(fo.body.operationId, ended)).status).toBe('completed');

    const preview = await t.http.get(`/v1/recovery-plans/${tenant.planId}/preview`).set(t.auth()).expect(200);
    const deps = new Map((preview.body.schedule.vms as { vm: string; dependsOn: string[] }[]).map((v) => [v.vm, v.dependsOn]));
    const web = [...deps.keys()].find((vm) => (deps.get(vm) ?? []).some((d) => (deps.get(d) ?? []).length > 0))!;
    const app = deps.get(web)![0];
    const subset = [web, app, ...deps.get(app)!];

    const refused = await t.http.post('/v1/operations').set(t.auth()).send({ kind: 'failback', tenantId: tenant.id, vms: [web] }).expect(422);
    expect(refused.body.message).toEqual([`${web} depends on ${app}, which stays at the DR site: fail them back together`]);

    // A window that is already open: no approval needed.
    const first = await t.http.post('/v1/operations').set(t.auth())
      .send({ kind: 'failback', tenantId: tenant.id, vms: subset, maintenanceWindowStart: new Date().toISOString(), requestId: 'fb-part', statusPollSeconds: 1 }).expect(202);
    const op = await waitFor(first.body.operationId, ended);
    expect(op.error ?? null).toBeNull();
    expect(op.result as FailbackResult).toMatchObject({ status: 'failed-back', failedBack: subset.length, reprotected: subset.length });
    expect((await t.http.get(`/v1/tenants/${tenant.id}`).set(t.auth()).expect(200)).body.state).toBe('failed-over');
    let s = await state();
    expect(s.compute.vms.filter((v) => v.site === 'dr-1').map((v) => v.name).sort()).toEqual([...deps.keys()].filter((vm) => !subset.includes(vm)).sort());
    for (const vm of subset) expect(s.compute.vms.find((v) => v.name === vm && v.origin === 'primary')?.power_state).toBe('POWERED_ON');
    const audit = await t.http.get(`/v1/audit-events?tenantId=${tenant.id}`).set(t.auth()).expect(200);
    expect(audit.body.items.map((e: { action: string }) => e.action)).not.toContain('billing.dr-occupancy-stopped');

    const rest = await t.http.post('/v1/operations').set(t.auth()).send({ kind: 'failback', tenantId: tenant.id, requestId: 'fb-rest', statusPollSeconds: 1 }).expect(202);
    await waitFor(rest.body.operationId, (o) => o.status === 'waiting' && o.waitingFor === 'approval of the maintenance window');
    await t.http.post(`/v1/operations/${encodeURIComponent(rest.body.operationId)}/approve`).set(t.auth()).send({}).expect(200);
    const restOp = await waitFor(rest.body.operationId, ended);
    expect(restOp.error ?? null).toBeNull();
    expect(restOp.result as FailbackResult).toMatchObject({ status: 'failed-back', failedBack: 15 - subset.length });
    expect((await t.http.get(`/v1/tenants/${tenant.id}`).set(t.auth()).expect(200)).body.state).toBe('protected');
    s = await state();
    expect(s.compute.vms.filter((v) => v.site === 'dr-1')).toEqual([]);
    // No DR data address left but the mapped ones, held while the tenant is protected.
    expect(s.bna.pools.filter((p) => p.purpose === 'dr-data').flatMap((p) => p.reservations as { purpose: string }[]).filter((r) => r.purpose !== 'dr-mapped')).toEqual([]);
    expect(s.inmage.controlServers.filter((c) => c.name.includes('-fb-'))).toEqual([]);
    expect(s.inmage.pairs.filter((p) => p.direction !== 'forward' || p.state !== 'Differential Sync')).toEqual([]);
    // Both halves together: the estate as the inventory and the metadata captured before the failover say.
    expect(await estateDifferences(e.dataSource, estate.control, tenant.id)).toEqual([]);
  });
});
