import { estateDifferences } from '../support/estate-oracle';
import { ended, startDrEstate, type DrEstate, type SimState } from '../support/dr-estate';

/**
 * A `full` drill: the real planned failover, an approval, then the real failback, as children under the drill's
 * claim on the tenant; it ends with the tenant protected at its primary site, read from the estate.
 */
describe('full drill', () => {
  let e: DrEstate;

  beforeAll(async () => {
    e = await startDrEstate('drill-full', { tenants: 1, vmsPerTenant: 3, managementVmsPerTenant: 1, waveConcurrency: 2 });
  });
  afterAll(async () => e?.close());

  it('fails over, waits for the approval to fail back, fails back, and the tenant is protected at its primary', async () => {
    const { t, estate } = e;
    const [tenant] = e.tenants;
    const tenantNow = async () => (await t.http.get(`/v1/tenants/${tenant.id}`).set(t.auth()).expect(200)).body as { state: string; activeOperationId: string | null; primarySiteId: string };
    const primaryBefore = tenant.primarySiteId;
    const id = (await t.http.post('/v1/operations').set(t.auth()).send({ kind: 'drill', drillType: 'full', tenantId: tenant.id, statusPollSeconds: 1 }).expect(202)).body.operationId as string;

    const gate = await e.until(id, (op) => op.waitingFor === 'approval to fail back' || ended(op));
    expect(gate.status).toBe('waiting');
    // Failed over under the drill's claim: every VM runs at the DR site, and no other operation may start.
    expect(await tenantNow()).toMatchObject({ state: 'failed-over', activeOperationId: id });
    const atDr = ((await estate.control.state(tenant.name)) as SimState).compute.vms.filter((v) => v.site === 'dr-1' && v.power_state === 'POWERED_ON');
    expect(atDr.length).toBe(tenant.vms);
    await t.http.post('/v1/operations').set(t.auth()).send({ kind: 'failback', tenantId: tenant.id }).expect(409);

    await t.http.post(`/v1/operations/${encodeURIComponent(id)}/approve`).set(t.auth()).send({}).expect(200);
    const op = await e.until(id, ended);
    expect([op.status, op.outcome, op.error]).toEqual(['completed', 'completed', null]);
    expect(op.result).toMatchObject({
      drillType: 'full', outcome: 'passed', rpo: { achievedSeconds: 0, passed: true }, rto: { passed: true },
      children: { failover: { id: `${id}/failover`, status: 'failed-over' }, failback: { id: `${id}/failback`, status: 'failed-back' } },
    });
    expect(op.result.approvals).toEqual([{ gate: 'failback', by: expect.any(String), at: expect.any(String) }]);

    // Protected at its primary: every VM running there, none at the DR site, every forward pair in Differential Sync.
    expect(await tenantNow()).toMatchObject({ state: 'protected', activeOperationId: null, primarySiteId: primaryBefore });
    const s = (await estate.control.state(tenant.name)) as SimState;
    expect(s.compute.vms.filter((v) => v.site === 'dr-1')).toEqual([]);
    expect(s.compute.vms.filter((v) => v.origin === 'primary' && v.power_state === 'POWERED_ON').length).toBe(tenant.vms);
    expect(s.inmage.pairs.filter((p) => p.direction !== 'forward' || p.state !== 'Differential Sync')).toEqual([]);
    expect(await estateDifferences(e.dataSource, estate.control, tenant.id)).toEqual([]);
  });
});
