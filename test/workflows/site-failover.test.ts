import type { DemoTenant } from '../../infra/demo/demo-estate';
import { startSimulator } from '../../infra/sim/server';
import { drCapacityWait, siteFailover } from '../../workflows';
import { progressQuery, workflowIds } from '../../workflows/contracts';
import type { TestApp } from '../support/api';
import { recordHistory } from '../support/histories';
import { startDrEstate, type DrEstate } from '../support/dr-estate';
import { estateDifferences } from '../support/estate-oracle';

const TENANTS = [
  { id: 'fabrikam', tier: 'Bronze' as const },
  { id: 'northwind', tier: 'Gold' as const },
  { id: 'contoso', tier: 'Silver' as const },
];
const SHAPE = { vmsPerTenant: 6, managementVmsPerTenant: 1 };

/** What each tenant's VMs need at the DR site: the simulator seeds the same estate for the same seed. */
async function demand(): Promise<Record<string, { vcpu: number; memoryGb: number }>> {
  const scratch = await startSimulator({ port: 0, timeScale: 0 });
  try {
    const res = await fetch(`${scratch.url}/_sim/scenario`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tenants: TENANTS, ...SHAPE, seed: 7 }),
    });
    const body = (await res.json()) as { tenants: { id: string; vms: { vcpu: number; memoryGb: number }[] }[] };
    return Object.fromEntries(body.tenants.map((t) => [t.id, { vcpu: t.vms.reduce((s, v) => s + v.vcpu, 0), memoryGb: t.vms.reduce((s, v) => s + v.memoryGb, 0) }]));
  } finally {
    await scratch.close();
  }
}

/** A whole primary site fails: its tenants fail over by tier within the DR site's shared capacity. */
describe('site failover', () => {
  let e: DrEstate;
  let t: TestApp;
  let tenants: DemoTenant[];

  beforeAll(async () => {
    const need = await demand();
    // Room for Gold and Silver, not for Bronze as well.
    const drCapacity = {
      vcpu: need.northwind.vcpu + need.contoso.vcpu + Math.floor(need.fabrikam.vcpu / 2),
      memoryGb: need.northwind.memoryGb + need.contoso.memoryGb + need.fabrikam.memoryGb * 4,
    };
    e = await startDrEstate('site-failover', { tenants: TENANTS, ...SHAPE, sharedPrimarySite: 'pod-1', drCapacity });
    ({ t, tenants } = e);
  });
  afterAll(async () => e?.close());

  it('fails over Gold then Silver, keeps Bronze waiting for capacity and reports it', async () => {
    const site = tenants[0].primarySiteId;
    const tenantAdmin = (await t.http.post('/v1/tokens').set(t.auth()).send({ name: 'ta', role: 'tenant-admin', tenantId: tenants[0].id }).expect(201)).body.token;
    await t.http.post(`/v1/operations/site-failover/${site}`).set(t.auth(tenantAdmin)).send({}).expect(403);
    const { operationId } = (await t.http.post(`/v1/operations/site-failover/${site}`).set(t.auth()).send({ requestId: 'pod-1-down', recheckSeconds: 1 }).expect(400)).body;
    expect(operationId).toBeUndefined();
    const started = await t.http.post(`/v1/operations/site-failover/${site}`).set(t.auth()).send({ requestId: 'pod-1-down' }).expect(202);
    const id = started.body.operationId as string;

    let op = (await t.http.get(`/v1/operations/${encodeURIComponent(id)}`).set(t.auth())).body;
    for (let i = 0; i < 600 && !(op.status === 'waiting' && op.waitingFor); i++) {
      await new Promise((r) => setTimeout(r, 200));
      op = (await t.http.get(`/v1/operations/${encodeURIComponent(id)}`).set(t.auth())).body;
    }
    expect(op.waitingFor).toBe('DR capacity for fabrikam');
    const byName = Object.fromEntries((op.progress.tenants as { name: string; status: string; reason?: string; operationId?: string }[]).map((s) => [s.name, s]));
    expect(byName.northwind.status).toBe('failed-over');
    expect(byName.contoso.status).toBe('failed-over');
    expect(byName.fabrikam).toMatchObject({ status: 'waiting-for-capacity' });
    expect(byName.fabrikam.reason).toMatch(/^needs \d+ vCPU \/ \d+ GB; DR site dr-1 has \d+ vCPU/);

    // Gold's failover started before Silver's; both are ordinary failover operations in the list.
    const failovers = (await t.http.get('/v1/operations?kind=failover').set(t.auth()).expect(200)).body.items as { id: string; tenantId: string; startedAt: string; status: string }[];
    const gold = failovers.find((f) => f.id === byName.northwind.operationId)!;
    const silver = failovers.find((f) => f.id === byName.contoso.operationId)!;
    expect(Date.parse(gold.startedAt)).toBeLessThanOrEqual(Date.parse(silver.startedAt));
    expect([gold.status, silver.status]).toEqual(['completed', 'completed']);

    await t.http.post(`/v1/operations/${encodeURIComponent(id)}/abort`).set(t.auth()).send({}).expect(200);
    for (let i = 0; i < 100 && op.status !== 'completed'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      op = (await t.http.get(`/v1/operations/${encodeURIComponent(id)}`).set(t.auth())).body;
    }
    expect(op.status).toBe('completed');
    const final = Object.fromEntries((op.result.tenants as { name: string; status: string; reason?: string }[]).map((s) => [s.name, s]));
    expect(final.fabrikam.status).toBe('not-started');
    expect(final.fabrikam.reason).toMatch(/^aborted by /);
    const fabrikam = await t.http.get(`/v1/tenants/${tenants.find((x) => x.name === 'fabrikam')!.id}`).set(t.auth()).expect(200);
    expect(fabrikam.body.state).toBe('protected');
    // The estate agrees: Gold and Silver run at the DR site on their mapped addresses, every record moved with
    // them; Bronze still runs at the shared primary site pod-1, nothing of it at the DR site.
    for (const tenant of tenants) expect({ tenant: tenant.name, differences: await estateDifferences(e.dataSource, e.estate.control, tenant.id) }).toEqual({ tenant: tenant.name, differences: [] });
    await recordHistory(e.tw.client.workflow.getHandle(id), 'site-failover-tiers-abort');
  });

  it('waits for DR capacity in a child that continues as new, and fails the waiting tenant over once room frees', async () => {
    const site = tenants[0].primarySiteId;
    const requestId = 'pod-1-capacity';
    // Started as the API starts it, with a re-check interval and a history soft limit the API does not take.
    const handle = await e.tw.client.workflow.start(siteFailover, {
      taskQueue: e.tw.taskQueue,
      workflowId: `site-failover:${site}:${requestId}`,
      args: [{ siteId: site, request: { requestedBy: 'test', requestId }, recheckSeconds: 0.05, capacityWaitHistorySoftLimit: 10 }],
    });
    // Only Bronze is still protected, and it does not fit: the wait is a child that continues as new.
    const wait = e.tw.client.workflow.getHandle<typeof drCapacityWait>(workflowIds.child(handle.workflowId, 'capacity-wait-1'));
    let runs = 0;
    for (let i = 0; i < 600 && runs < 3; i++) {
      await new Promise((r) => setTimeout(r, 100));
      runs = ((await wait.query(progressQuery).catch(() => null))?.progress.runs as number | undefined) ?? 0;
    }
    expect(runs).toBeGreaterThanOrEqual(3);
    expect((await handle.query(progressQuery)).waitingFor).toBe('DR capacity for fabrikam');

    // The hardware has room once Silver's recovered VMs are powered off by hand, but the capacity Lifeline
    // enforces is the one the provider allocated (the inventory's), which still counts Silver: Bronze waits on.
    const silverAtDr = await e.estate.clients.compute.listVms({ tenants: ['contoso'], sites: ['dr-1'], powerStates: ['POWERED_ON'] });
    expect(silverAtDr.length).toBeGreaterThan(0);
    for (const vm of silverAtDr) await e.estate.clients.compute.powerOff(vm.vm, `test:free-room:${vm.name}`);
    const checksBefore = (await wait.query(progressQuery)).progress.checks as number;
    for (let i = 0; i < 600 && ((await wait.query(progressQuery).catch(() => null))?.progress.checks as number ?? 0) < checksBefore + 3; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await handle.query(progressQuery)).waitingFor).toBe('DR capacity for fabrikam');

    // The provider raises the DR allocation by what Silver's powered-off VMs held: the next check finds room.
    const drSiteId = (await t.http.get(`/v1/tenants/${tenants[0].id}`).set(t.auth()).expect(200)).body.drSiteId as string;
    const dr = (await t.http.get(`/v1/sites/${drSiteId}`).set(t.auth()).expect(200)).body;
    const silver = (dr.usage.tenants as { tenant: string; vcpu: number; memoryMb: number }[]).find((x) => x.tenant === 'contoso')!;
    await t.http.patch(`/v1/sites/${drSiteId}`).set(t.auth()).send({ capacity: { vcpu: dr.capacity.vcpu + silver.vcpu, memoryMb: dr.capacity.memoryMb + silver.memoryMb } }).expect(200);

    const result = await handle.result();
    expect(result.tenants.find((s) => s.name === 'fabrikam')).toMatchObject({ status: 'failed-over' });
    const waited = await wait.result();
    expect(waited.runs).toBeGreaterThanOrEqual(3);
    const first = await wait.fetchHistory();
    expect(first.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId).toBeTruthy();
    const fabrikam = await t.http.get(`/v1/tenants/${tenants.find((x) => x.name === 'fabrikam')!.id}`).set(t.auth()).expect(200);
    expect(fabrikam.body.state).toBe('failed-over');
    // Fabrikam's VMs run at the DR site now.
    const fabrikamAtDr = await e.estate.clients.compute.listVms({ tenants: ['fabrikam'], sites: ['dr-1'], powerStates: ['POWERED_ON'] });
    expect(fabrikamAtDr).toHaveLength(SHAPE.vmsPerTenant + SHAPE.managementVmsPerTenant);
    await recordHistory(handle, 'site-failover-capacity-wait');
    await recordHistory(wait, 'dr-capacity-wait');
  });
});
