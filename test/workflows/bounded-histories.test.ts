import type { WorkflowHandle } from '@temporalio/client';
import type { DemoTenant } from '../../infra/demo/demo-estate';
import { failback, publishBackVms, replicationWait, resume } from '../../workflows';
import { workflowIds, type FailbackInput, type ResumeInput } from '../../workflows/contracts';
import type { TestApp } from '../support/api';
import { recordHistory } from '../support/histories';
import { holdResyncUntilContinued } from '../support/resync-hold';
import { ended, startDrEstate, type DrEstate, type SimState } from '../support/dr-estate';

jest.setTimeout(240_000);

/**
 * A resync that takes many polls and a tenant of many VMs outgrow one workflow history: failback's and
 * resume's waits for Differential Sync and resume's per-VM DNS and firewall calls run in children that
 * continue as new past a history soft limit (set low here), and the operations still end as they should.
 */
describe('failback and resume keep their histories bounded', () => {
  let e: DrEstate;
  let t: TestApp;
  let tenant: DemoTenant;
  let other: DemoTenant;

  beforeAll(async () => {
    // Slower than the other failback suites, so a resync spans several polls.
    e = await startDrEstate('bounded', { tenants: 2, vmsPerTenant: 5, managementVmsPerTenant: 1 }, { timeScale: 0.002 });
    ({ t } = e);
    // One tenant fails back, the other resumes: a second failover right after a failback would wait for a new tag.
    [tenant, other] = e.tenants;
  });
  afterAll(async () => e?.close());

  const failover = async (tenantId: string, requestId: string) => {
    const fo = await t.http.post('/v1/operations').set(t.auth()).send({ kind: 'failover', tenantId, requestId }).expect(202);
    expect((await e.until(fo.body.operationId, ended)).status).toBe('completed');
  };
  const runsOf = async (handle: WorkflowHandle) => {
    const history = await handle.fetchHistory();
    return { continued: !!history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId };
  };

  it('failback: both replication waits continue as new, and the tenant is protected again', async () => {
    await failover(tenant.id, 'fo-1');
    const requestId = 'fb-bounded';
    const input: FailbackInput = {
      tenantId: tenant.id, request: { requestedBy: 'test', requestId }, statusPollSeconds: 0.05,
      maintenanceWindowStart: new Date(0).toISOString(), syncWaitHistorySoftLimit: 12,
    };
    const handle = await e.tw.client.workflow.start(failback, { taskQueue: e.tw.taskQueue, workflowId: workflowIds.operation('failback', tenant.id, requestId), args: [input] });
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'failed-back', failedBack: 6, reprotected: 6 });

    for (const direction of ['failback', 'forward']) {
      const wait = e.tw.client.workflow.getHandle<typeof replicationWait>(workflowIds.child(handle.workflowId, `${direction}-replication`));
      const waited = await wait.result();
      expect({ direction, runs: waited.runs > 1, inSync: waited.replication.differentialSync }).toEqual({ direction, runs: true, inSync: 6 });
      expect(await runsOf(wait)).toEqual({ continued: true });
    }
    const state = (await e.estate.control.state(tenant.name)) as SimState;
    expect(state.inmage.pairs.filter((p) => p.direction !== 'forward' || p.state !== 'Differential Sync')).toEqual([]);
    expect(state.compute.vms.filter((v) => v.site === 'dr-1')).toEqual([]);
    expect((await t.http.get(`/v1/tenants/${tenant.id}`).set(t.auth()).expect(200)).body.state).toBe('protected');
    await recordHistory(handle, 'failback-replication-wait-children');
    await recordHistory(e.tw.client.workflow.getHandle(workflowIds.child(handle.workflowId, 'failback-replication')), 'replication-wait');
  });

  it('resume: the replication wait and the per-VM DNS and firewall calls continue as new, each call made once', async () => {
    await failover(other.id, 'fo-2');
    const requestId = 'resume-bounded';
    const input: ResumeInput = {
      tenantId: other.id, request: { requestedBy: 'test', requestId }, confirmDataLoss: true, statusPollSeconds: 0.05,
      syncWaitHistorySoftLimit: 12, publishHistorySoftLimit: 8,
    };
    const handle = await e.tw.client.workflow.start(resume, { taskQueue: e.tw.taskQueue, workflowId: workflowIds.operation('resume', other.id, requestId), args: [input] });
    // The resumed pairs resync until the wait has continued as new, however few polls a loaded machine fits in.
    const pairs = ((await e.estate.control.state(other.name)) as SimState).inmage.pairs;
    const vms = [...new Set(pairs.filter((p) => p.direction === 'forward').map((p) => p.server))];
    expect(vms).toHaveLength(6);
    await holdResyncUntilContinued(e.estate.control, other.name, vms, e.tw.client.workflow.getHandle(workflowIds.child(handle.workflowId, 'forward-replication')));
    const result = await handle.result();
    expect(result).toMatchObject({ restarted: 6, reprotected: 6 });

    const wait = e.tw.client.workflow.getHandle<typeof replicationWait>(workflowIds.child(handle.workflowId, 'forward-replication'));
    expect((await wait.result()).runs).toBeGreaterThan(1);
    expect(await runsOf(wait)).toEqual({ continued: true });
    const publish = e.tw.client.workflow.getHandle<typeof publishBackVms>(workflowIds.child(handle.workflowId, 'publish-back'));
    const published = await publish.result();
    expect(published).toEqual({ published: 6, runs: expect.any(Number) });
    expect(published.runs).toBeGreaterThan(1);

    // On the estate: each VM's DNS record written once under the resume's key, and pointing at its primary address.
    const ops = await e.estate.control.ops({ tenant: other.name });
    const dns = ops.filter((o) => o.system === 'dns' && o.op === 'upsertRecord' && o.outcome === 'ok' && o.idempotencyKey?.startsWith(`${handle.workflowId}:`));
    expect(dns.map((o) => o.idempotencyKey).sort()).toEqual([...new Set(dns.map((o) => o.idempotencyKey))].sort());
    expect(dns).toHaveLength(6);
    const state = (await e.estate.control.state(other.name)) as SimState & { mgmt: { dnsRecords: { name: string; type: string; values: string[] }[] } };
    const moved = new Set(dns.map((o) => o.target?.split('.')[0]));
    const primary = state.compute.vms.filter((v) => v.origin === 'primary' && moved.has(v.name));
    expect(primary).toHaveLength(6);
    for (const vm of primary) {
      const record = state.mgmt.dnsRecords.find((r) => r.name === vm.name && r.type === 'A');
      expect({ vm: vm.name, values: record?.values }).toEqual({ vm: vm.name, values: vm.nics.map((n) => n.ip_address) });
    }
    expect(state.compute.vms.filter((v) => v.site === 'dr-1')).toEqual([]);
    expect(state.inmage.pairs.filter((p) => p.direction !== 'forward' || p.state !== 'Differential Sync')).toEqual([]);
    expect((await t.http.get(`/v1/tenants/${other.id}`).set(t.auth()).expect(200)).body.state).toBe('protected');
    await recordHistory(handle, 'resume-children');
    await recordHistory(publish, 'publish-back-vms');
  });
});
