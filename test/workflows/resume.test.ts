import type { DemoTenant } from '../../infra/demo/demo-estate';
import { workflowIds, type ResumeResult } from '../../workflows/contracts';
import type { Estate } from '../clients/estate-fixture';
import type { TestApp } from '../support/api';
import { ended, expectForwardProtectionRecorded, protectionRecords, startDrEstate, type DrEstate, type OperationBody, type SimState } from '../support/dr-estate';
import { recordHistory } from '../support/histories';
import type { TestWorker } from '../support/worker';
import { estateDifferences } from '../support/estate-oracle';

/**
 * Failover, then resume through the API (real Temporal server, simulated estate): refused without the
 * explicit confirmation that DR-side changes are lost; with it, the primary VMs restart from their images,
 * protection resumes, and nothing of the tenant is left at the DR site.
 */
describe('resume through the API', () => {
  let e: DrEstate;
  let estate: Estate;
  let t: TestApp;
  let tw: TestWorker;
  let tenant: DemoTenant;

  beforeAll(async () => {
    e = await startDrEstate('resume', { tenants: 1, vmsPerTenant: 12, managementVmsPerTenant: 3, waveConcurrency: 2 });
    ({ estate, t, tw } = e);
    [tenant] = e.tenants;
  });
  afterAll(async () => e?.close());

  const waitFor = (operationId: string, done: (op: OperationBody) => boolean) => e.until(operationId, done);
  const state = async () => (await estate.control.state(tenant.name)) as SimState;

  it('refuses without confirmDataLoss; with it, restarts the primary and resumes protection', async () => {
    const fo = await t.http.post('/v1/operations').set(t.auth()).send({ kind: 'failover', tenantId: tenant.id, requestId: 'fo-1' }).expect(202);
    expect((await waitFor(fo.body.operationId, ended)).status).toBe('completed');
    const drDataIpsAtFailover = (await protectionRecords(t, tenant.id)).flatMap((v) => v.dr?.ips ?? []);
    expect(drDataIpsAtFailover).toHaveLength(15);

    // Changes made at the DR site, which a resume discards: an agent's rules cleared, another agent removed, a
    // firewall rule added for a recovered VM. The management services must end exactly as captured.
    const key = (what: string) => `dr-period-${what}`;
    const agents = (await estate.clients.monitoring.listAgents({ tenant: tenant.name })).filter((a) => a.rules.length > 0);
    const [changed, removed] = [agents[0], agents.find((a) => a.server !== agents[0].server)!];
    await estate.clients.monitoring.setRules(changed.id, [], key('rules'));
    await estate.clients.monitoring.uninstallAgent(removed.id, key('uninstall'));
    await estate.clients.firewall.createRule({ tenant: tenant.name, name: 'dr-added', source: '192.168.10.0/24', destination: drDataIpsAtFailover[0], port: '8443', server: changed.server }, key('rule'));
    expect(await estateDifferences(e.dataSource, estate.control, tenant.id)).toEqual(expect.arrayContaining([expect.stringMatching(/^firewall.rules dr-added: left over/)]));

    for (const confirmDataLoss of [undefined, false]) {
      const refused = await t.http.post('/v1/operations').set(t.auth()).send({ kind: 'resume', tenantId: tenant.id, confirmDataLoss }).expect(422);
      expect(JSON.stringify(refused.body)).toContain('confirmDataLoss must be true');
    }
    const wrongField = await t.http.post('/v1/operations').set(t.auth()).send({ kind: 'resume', tenantId: tenant.id, confirmDataLoss: true, vms: ['x'] }).expect(422);
    expect(JSON.stringify(wrongField.body)).toContain('vms is only for kind failback');
    expect((await t.http.get(`/v1/tenants/${tenant.id}`).set(t.auth()).expect(200)).body.state).toBe('failed-over');

    const started = await t.http.post('/v1/operations').set(t.auth()).send({ kind: 'resume', tenantId: tenant.id, confirmDataLoss: true, requestId: 'rs-1', statusPollSeconds: 1 }).expect(202);
    const op = await waitFor(started.body.operationId, ended);
    expect(op.error ?? null).toBeNull();
    expect(op.status).toBe('completed');
    expect(op.result as ResumeResult).toMatchObject({ restarted: 15, reprotected: 15 });
    expect((op.result as ResumeResult).drResourcesReleased.vmsDeleted).toBe(15);
    expect((await t.http.get(`/v1/tenants/${tenant.id}`).set(t.auth()).expect(200)).body.state).toBe('protected');
    expect((op.result as ResumeResult).fixup?.manageable).toBe(true);
    // A resume shows its RTO clock (from the DR power-off), its forecast with its bound, and an ETA.
    expect(op.progress.rto).toMatchObject({ targetMinutes: expect.any(Number), startedAt: op.steps.find((x) => x.name === 'DR VMs powered off')!.startedAt });
    expect(op.progress.forecast.lowerBoundSeconds).toBeGreaterThan(0);
    expect(op.progress.forecast.lowerBoundSeconds).toBeLessThanOrEqual(op.progress.forecast.estimatedMakespanSeconds);
    expect(Date.parse(op.progress.eta)).toBeGreaterThan(Date.parse(op.progress.rto.startedAt));
    expect(op.progress.protectionWatch).toBe(workflowIds.protectionWatch(tenant.id));

    const s = await state();
    const primary = s.compute.vms.filter((v) => v.origin === 'primary');
    expect(primary).toHaveLength(15);
    expect(primary.filter((v) => v.power_state !== 'POWERED_ON')).toEqual([]);
    expect(s.compute.vms.filter((v) => v.site === 'dr-1')).toEqual([]);
    // The estate as the inventory and the captured metadata say: nothing left at the DR site but the mapped addresses.
    expect(await estateDifferences(e.dataSource, estate.control, tenant.id)).toEqual([]);
    expect(s.inmage.pairs.filter((p) => p.direction !== 'forward' || p.state !== 'Differential Sync')).toEqual([]);
    // The restart went through the compute power-on of each primary VM, after InMage resumed its protection.
    const ops = await estate.control.ops({ tenant: tenant.name });
    const resumed = ops.filter((e) => e.system === 'inmage' && e.op === 'resumeProtection' && e.outcome === 'ok');
    expect(resumed).toHaveLength(15);
    const audit = await t.http.get(`/v1/audit-events?tenantId=${tenant.id}`).set(t.auth()).expect(200);
    expect(audit.body.items.map((e: { action: string }) => e.action)).toContain('billing.dr-occupancy-stopped');

    // The inventory's protection records say what InMage does now, not what the failover left.
    const mts = s.inmage.controlServers.map((c) => c.name).filter((n) => n.includes('-mt-'));
    expectForwardProtectionRecorded(await protectionRecords(t, tenant.id), mts, drDataIpsAtFailover);

    await recordHistory(tw.client.workflow.getHandle(started.body.operationId), 'resume-15-vms');
  });
});
