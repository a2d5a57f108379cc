import type { DemoTenant } from '../../infra/demo/demo-estate';
import type { ResumeResult } from '../../workflows/contracts';
import type { Estate } from '../clients/estate-fixture';
import type { TestApp } from '../support/api';
import { ended, expectForwardProtectionRecorded, protectionRecords, startDrEstate, type DrEstate, type SimState } from '../support/dr-estate';

/**
 * The slides' other resume case: a VM that never failed over (its recovery failed, so it stayed at the primary
 * with its protection running) simply restarts from its image; its protection is found running and left as
 * is, while the VMs that did move discard their DR changes and resume.
 */
describe('resume of a tenant with VMs that never failed over', () => {
  let e: DrEstate;
  let estate: Estate;
  let t: TestApp;
  let tenant: DemoTenant;

  beforeAll(async () => {
    e = await startDrEstate('resume-unmoved', { tenants: 1, vmsPerTenant: 6, managementVmsPerTenant: 2, waveConcurrency: 2 });
    ({ estate, t } = e);
    [tenant] = e.tenants;
  });
  afterAll(async () => e?.close());

  const state = async () => (await estate.control.state(tenant.name)) as SimState;

  it('restarts the unmoved VM and resumes protection for the others', async () => {
    const web = (await state()).compute.vms.map((v) => v.name).filter((n) => n.includes('-web-')).sort()[0];
    // InMage refuses to recover that one VM: it stays at the primary, protected, and the rest fail over.
    await estate.control.fault({ system: 'inmage', op: 'recover', target: web, rate: 1, status: 422 });
    const fo = await t.http.post('/v1/operations').set(t.auth()).send({ kind: 'failover', tenantId: tenant.id, requestId: 'fo-1' }).expect(202);
    const foOp = await e.until(fo.body.operationId, ended);
    expect(foOp.result).toMatchObject({ recovered: 7, failed: [expect.objectContaining({ vm: web })] });
    await estate.control.request('DELETE', '/_sim/faults');
    const atDr = (await state()).compute.vms.filter((v) => v.site === 'dr-1').map((v) => v.name);
    expect(atDr).toHaveLength(7);
    expect(atDr).not.toContain(web);

    const started = await t.http.post('/v1/operations').set(t.auth()).send({ kind: 'resume', tenantId: tenant.id, confirmDataLoss: true, requestId: 'rs-1', statusPollSeconds: 1 }).expect(202);
    const op = await e.until(started.body.operationId, ended);
    expect(op.error ?? null).toBeNull();
    expect(op.result as ResumeResult).toMatchObject({ restarted: 8, reprotected: 8 });
    expect((op.result as ResumeResult).drResourcesReleased.vmsDeleted).toBe(7);
    expect(op.steps.find((s) => s.name === 'resume protection from the primary images')?.detail).toEqual({ resumed: 7, alreadyRunning: 1 });
    expect(op.progress.changedAtDrDiscarded).toEqual([...atDr].sort());

    const s = await state();
    expect(s.compute.vms.filter((v) => v.origin === 'primary' && v.power_state === 'POWERED_ON')).toHaveLength(8);
    expect(s.compute.vms.filter((v) => v.site === 'dr-1')).toEqual([]);
    expect(s.inmage.pairs.filter((p) => p.direction !== 'forward' || p.state !== 'Differential Sync')).toEqual([]);
    // InMage resumed only the VMs that had moved.
    const resumed = (await estate.control.ops({ tenant: tenant.name, op: 'resumeProtection' })).filter((o) => o.outcome === 'ok').map((o) => o.target);
    expect(resumed.sort()).toEqual([...atDr].sort());
    expect((await t.http.get(`/v1/tenants/${tenant.id}`).set(t.auth()).expect(200)).body.state).toBe('protected');
    expectForwardProtectionRecorded(await protectionRecords(t, tenant.id), s.inmage.controlServers.map((c) => c.name), []);
  });
});
