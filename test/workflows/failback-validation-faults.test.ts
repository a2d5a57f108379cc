import type { DemoTenant } from '../../infra/demo/demo-estate';
import type { FailbackResult } from '../../workflows/contracts';
import type { Estate } from '../clients/estate-fixture';
import type { TestApp } from '../support/api';
import { ended, startDrEstate, type DrEstate } from '../support/dr-estate';
import { estateDifferences } from '../support/estate-oracle';

/**
 * Validation reads every VM's power state, heartbeat and DNS record. With a third of the compute and DNS reads
 * failing, re-validating all VMs whenever one read fails would practically never finish; as a batch, only the
 * VMs whose reads failed are checked again, and the failback completes with nothing reported wrong.
 */
describe('failback validation under compute and DNS faults', () => {
  let e: DrEstate;
  let estate: Estate;
  let t: TestApp;
  let tenant: DemoTenant;

  beforeAll(async () => {
    e = await startDrEstate('failback-validation', { tenants: 1, vmsPerTenant: 12, managementVmsPerTenant: 3, waveConcurrency: 4 });
    ({ estate, t } = e);
    [tenant] = e.tenants;
  });
  afterAll(async () => e?.close());

  it('re-validates only the VMs whose reads failed and completes', async () => {
    const fo = await t.http.post('/v1/operations').set(t.auth()).send({ kind: 'failover', tenantId: tenant.id, requestId: 'fo-1' }).expect(202);
    expect((await e.until(fo.body.operationId, ended)).status).toBe('completed');

    await estate.control.fault({ system: 'compute', op: 'getPower', rate: 0.3, status: 503 });
    await estate.control.fault({ system: 'dns', op: 'getRecord', rate: 0.3, status: 503 });
    const fb = await t.http.post('/v1/operations').set(t.auth())
      .send({ kind: 'failback', tenantId: tenant.id, requestId: 'fb-1', maintenanceWindowStart: new Date().toISOString(), statusPollSeconds: 1 }).expect(202);
    const op = await e.until(fb.body.operationId, ended);
    expect(op.error ?? null).toBeNull();
    expect(op.result as FailbackResult).toMatchObject({ status: 'failed-back', failedBack: 15 });
    expect(op.progress.validation).toEqual({ checked: 15, problems: [] });

    // The faults did fire during validation (those reads serve nothing else).
    const faults = (await estate.control.request<{ faults: { op: string; fired: number }[] }>('GET', '/_sim/faults')).body.faults;
    expect(faults.find((f) => f.op === 'getPower')!.fired).toBeGreaterThan(0);
    expect(faults.find((f) => f.op === 'getRecord')!.fired).toBeGreaterThan(0);
    // What validation reported is what the estate holds: every VM back at the primary, nothing left at DR.
    await estate.control.request('DELETE', '/_sim/faults');
    expect(await estateDifferences(e.dataSource, estate.control, tenant.id)).toEqual([]);
  });
});
