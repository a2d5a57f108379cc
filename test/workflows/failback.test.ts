import type { DemoTenant } from '../../infra/demo/demo-estate';
import { workflowIds, type FailbackResult } from '../../workflows/contracts';
import type { Estate } from '../clients/estate-fixture';
import type { TestApp } from '../support/api';
import { DIALECTS } from '../support/databases';
import { ended, expectForwardProtectionRecorded, protectionRecords, startDrEstate, type DrEstate, type OperationBody, type SimState } from '../support/dr-estate';
import { recordHistory } from '../support/histories';
import type { TestWorker } from '../support/worker';
import { estateDifferences } from '../support/estate-oracle';

/**
 * Failover, then failback through the API on the real Temporal server against the simulated estate: every
 * VM returns to the primary with its original identity, management services pointed back, forward
 * protection in Differential Sync, and nothing of the tenant left at the DR site. On each inventory dialect,
 * so the activities' transactions run on MariaDB as well as SQLite.
 */
describe.each(DIALECTS)('failback through the API (%s inventory)', (dialect) => {
  let e: DrEstate;
  let estate: Estate;
  let t: TestApp;
  let tw: TestWorker;
  let tenant: DemoTenant;

  beforeAll(async () => {
    e = await startDrEstate('failback', { tenants: 1, vmsPerTenant: 12, managementVmsPerTenant: 3, waveConcurrency: 2 }, { dialect });
    ({ estate, t, tw } = e);
    [tenant] = e.tenants;
  });
  afterAll(async () => e?.close());

  const waitFor = (operationId: string, done: (op: OperationBody) => boolean) => e.until(operationId, done);
  const state = async () => (await estate.control.state(tenant.name)) as SimState;

  it('returns every VM to the primary with its identity, re-protects, and leaves nothing at the DR site', async () => {
    const primaryBefore = new Map((await state()).compute.vms.filter((v) => v.origin === 'primary').map((v) => [v.name, v]));
    expect(primaryBefore.size).toBe(15);

    const fo = await t.http.post('/v1/operations').set(t.auth()).send({ kind: 'failover', tenantId: tenant.id, requestId: 'fo-1' }).expect(202);
    const foOp = await waitFor(fo.body.operationId, ended);
    expect(foOp.status).toBe('completed');
    const failoverSeconds = (foOp.result as { makespanSeconds: number }).makespanSeconds;
    const drDataIpsAtFailover = (await protectionRecords(t, tenant.id)).flatMap((v) => v.dr?.ips ?? []);
    expect(drDataIpsAtFailover).toHaveLength(15);

    const fb = await t.http.post('/v1/operations').set(t.auth()).send({ kind: 'failback', tenantId: tenant.id, requestId: 'fb-1', statusPollSeconds: 1 }).expect(202);
    const id = fb.body.operationId as string;
    const waiting = await waitFor(id, (op) => op.status === 'waiting' && String(op.waitingFor).includes('maintenance window') || ended(op));
    expect(waiting.waitingFor).toBe('approval of the maintenance window');
    const progress = waiting.progress as { failbackReplication?: { differentialSync: number; total: number } };
    expect(progress.failbackReplication).toMatchObject({ differentialSync: 15, total: 15 });
    // The DR VMs still run while the window is closed.
    expect((await state()).compute.vms.filter((v) => v.site === 'dr-1' && v.origin === 'recovered').length).toBe(15);
    await t.http.post(`/v1/operations/${encodeURIComponent(id)}/approve`).set(t.auth()).send({ comment: 'window open' }).expect(200);

    const op = await waitFor(id, ended);
    expect(op.error ?? null).toBeNull();
    expect(op.status).toBe('completed');
    const result = op.result as FailbackResult;
    expect(result).toMatchObject({ status: 'failed-back', failedBack: 15, reprotected: 15, failed: [], blocked: [] });
    expect(result.drResourcesReleased.vmsDeleted).toBe(15);
    expect(result.fixup?.direction).toBe('failback');
    expect(result.outage!.seconds).toBeGreaterThan(0);
    expect(result.outage!.seconds).toBeLessThan(result.makespanSeconds);
    // The slides' point: the tenant is down for less on failback than it was on the failover.
    expect(result.outage!.seconds).toBeLessThan(failoverSeconds);
    process.stdout.write(`failback outage: ${result.outage!.seconds.toFixed(2)} s of ${result.makespanSeconds.toFixed(2)} s (failover ${failoverSeconds.toFixed(2)} s)\n`);

    const tenantNow = await t.http.get(`/v1/tenants/${tenant.id}`).set(t.auth()).expect(200);
    expect(tenantNow.body.state).toBe('protected');
    // Protected again: the tenant's protection watch was started.
    expect(op.progress.protectionWatch).toBe(workflowIds.protectionWatch(tenant.id));

    const s = await state();
    // Every VM back at the primary, running, with its original identity.
    const primaryNow = s.compute.vms.filter((v) => v.origin === 'primary');
    expect(primaryNow.map((v) => v.name).sort()).toEqual([...primaryBefore.keys()].sort());
    for (const vm of primaryNow) {
      const before = primaryBefore.get(vm.name)!;
      expect(vm.power_state).toBe('POWERED_ON');
      expect(vm.hostname).toBe(before.hostname);
      expect(vm.nics.map((n) => n.ip_address)).toEqual(before.nics.map((n) => n.ip_address));
    }
    // Nothing left at the DR site: no VM, no DR data address, no failback plan or control server, no drill.
    expect(s.compute.vms.filter((v) => v.site === 'dr-1')).toEqual([]);
    // The estate as the inventory and the captured metadata say: nothing left at the DR site but the mapped addresses.
    expect(await estateDifferences(e.dataSource, estate.control, tenant.id)).toEqual([]);
    expect(s.inmage.plans.filter((p) => p.direction === 'failback')).toEqual([]);
    expect(s.inmage.controlServers.filter((c) => c.name.includes('-fb-'))).toEqual([]);
    expect(s.inmage.drillSnapshots).toEqual([]);
    // Forward protection in Differential Sync for every volume.
    expect(s.inmage.pairs.filter((p) => p.direction !== 'forward' || p.state !== 'Differential Sync')).toEqual([]);

    // The DR occupancy clock stopped.
    const audit = await t.http.get(`/v1/audit-events?tenantId=${tenant.id}`).set(t.auth()).expect(200);
    expect(audit.body.items.map((e: { action: string }) => e.action)).toContain('billing.dr-occupancy-stopped');

    // The inventory's protection records say what InMage does now, not what the failover left.
    const mts = s.inmage.controlServers.map((c) => c.name).filter((n) => n.includes('-mt-'));
    expectForwardProtectionRecorded(await protectionRecords(t, tenant.id), mts, drDataIpsAtFailover);

    if (dialect === 'sqlite') await recordHistory(tw.client.workflow.getHandle(id), 'failback-15-vms');
  });
});
