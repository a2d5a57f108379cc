import { WorkflowNotFoundError } from '@temporalio/client';
import type { DemoTenant } from '../../infra/demo/demo-estate';
import { TenantEntity } from '../../infra/persistence/entities';
import { workflowIds, type FailoverInput } from '../../workflows/contracts';
import { DIALECTS } from '../support/databases';
import { ended, startDrEstate, type DrEstate } from '../support/dr-estate';

/**
 * One operation per tenant, on both inventory dialects: many different requests racing for one tenant start
 * exactly one workflow (counted on the Temporal server and in the operations projection), the others get 409
 * naming the operation that holds the tenant, and an operation that does not hold the tenant changes nothing.
 */
describe.each(DIALECTS)('one operation per tenant (%s)', (dialect) => {
  let e: DrEstate;
  let tenant: DemoTenant;

  beforeAll(async () => {
    e = await startDrEstate(`claim-${dialect}`, { tenants: 1, vmsPerTenant: 3, managementVmsPerTenant: 1, waveConcurrency: 2 }, { dialect });
    [tenant] = e.tenants;
  });
  afterAll(async () => e?.close());

  const runs = async (ids: string[]) =>
    Promise.all(ids.map((id) => e.tw.client.workflow.getHandle(id).describe().then(
      () => true,
      (err: unknown) => {
        if (err instanceof WorkflowNotFoundError) return false;
        throw err;
      },
    )));
  const tenantRow = async () => (await e.t.http.get(`/v1/tenants/${tenant.id}`).set(e.t.auth()).expect(200)).body;

  it('20 concurrent failover requests with different requestIds start exactly one failover; the others get 409 naming it', async () => {
    const requestIds = Array.from({ length: 20 }, (_, i) => `race-${i}`);
    const answers = await Promise.all(requestIds.map((requestId) =>
      e.t.http.post('/v1/operations').set(e.t.auth()).send({ kind: 'failover', tenantId: tenant.id, requestId, recoveryPoint: { kind: 'latest-common-time' } })));

    const started = answers.filter((a) => a.status === 202);
    expect(started).toHaveLength(1);
    const winner = started[0].body.operationId as string;
    const losers = answers.filter((a) => a.status !== 202);
    expect(losers.map((a) => a.status)).toEqual(Array(19).fill(409));
    for (const l of losers) {
      expect(l.body.operationId).toBe(winner);
      expect(l.body.message).toContain(`held by operation ${winner}`);
    }

    // On the Temporal server: one workflow among the twenty ids.
    const exists = await runs(requestIds.map((r) => workflowIds.operation('failover', tenant.id, r)));
    expect(exists.filter(Boolean)).toHaveLength(1);
    expect(workflowIds.operation('failover', tenant.id, requestIds[exists.indexOf(true)])).toBe(winner);
    // In the projection: one failover of this tenant.
    const listed = (await e.t.http.get(`/v1/operations?tenantId=${tenant.id}&kind=failover`).set(e.t.auth()).expect(200)).body;
    expect(listed.items.map((o: { id: string }) => o.id)).toEqual([winner]);
    expect((await tenantRow()).activeOperationId).toBe(winner);

    // The same request again is the same operation (idempotent start), not a conflict.
    const winnerRequest = requestIds[exists.indexOf(true)];
    const again = await e.t.http.post('/v1/operations').set(e.t.auth()).send({ kind: 'failover', tenantId: tenant.id, requestId: winnerRequest }).expect(200);
    expect(again.body.operationId).toBe(winner);

    const op = await e.until(winner, ended);
    expect(op.error ?? null).toBeNull();
    expect(op.status).toBe('completed');
    // The workflow released the tenant as it ended.
    expect(await tenantRow()).toMatchObject({ state: 'failed-over', activeOperationId: null });
    expect((await e.t.http.get(`/v1/operations?tenantId=${tenant.id}&kind=failover`).set(e.t.auth()).expect(200)).body.total).toBe(1);
  });

  it('a failover that does not hold the tenant changes nothing, on its error path either', async () => {
    // Another operation holds the tenant mid-failover; a failover started behind the API's back (as a site
    // failover starts its children) must neither run nor put the tenant back.
    const holder = `failover:${tenant.id}:the-holder`;
    await e.dataSource.manager.update(TenantEntity, { id: tenant.id }, { state: 'failing-over', activeOperationId: holder });
    const seen = Math.max(0, ...(await e.estate.control.ops()).map((o) => o.seq));
    const intruder = workflowIds.operation('failover', tenant.id, 'intruder');
    const input: FailoverInput = { tenantId: tenant.id, recoveryPoint: { kind: 'latest-common-time' }, request: { requestedBy: 'test', requestId: 'intruder' } };
    const handle = await e.tw.client.workflow.start('failover', { workflowId: intruder, taskQueue: e.tw.taskQueue, args: [input] });
    await expect(handle.result()).rejects.toThrow();
    const op = await e.until(intruder, ended);
    expect(op.status).toBe('failed');
    expect(op.error).toContain(`held by operation ${holder}`);
    expect(await tenantRow()).toMatchObject({ state: 'failing-over', activeOperationId: holder });
    expect((await e.estate.control.ops()).filter((o) => o.seq > seen)).toEqual([]);
  });

  it("a site failover's failover of a tenant held by another operation fails naming the holder and leaves the tenant alone", async () => {
    const holder = `protection-change:${tenant.id}:the-holder`;
    await e.dataSource.manager.update(TenantEntity, { id: tenant.id }, { state: 'protected', activeOperationId: holder });
    const seen = Math.max(0, ...(await e.estate.control.ops()).map((o) => o.seq));
    const started = await e.t.http.post(`/v1/operations/site-failover/${tenant.primarySiteId}`).set(e.t.auth()).send({ requestId: 'site-down' }).expect(202);
    const op = await e.until(started.body.operationId, ended);
    expect(op.status).toBe('completed');
    const status = (op.result.tenants as { tenantId: string; status: string; reason?: string; operationId?: string }[]).find((x) => x.tenantId === tenant.id);
    expect(status).toMatchObject({ status: 'failed' });
    expect(status?.reason).toContain(`held by operation ${holder}`);
    expect(await tenantRow()).toMatchObject({ state: 'protected', activeOperationId: holder });
    // The site failover read DR capacity; nothing was asked to change.
    expect((await e.estate.control.ops()).filter((o) => o.seq > seen && !/^(list|get|find)/i.test(o.op))).toEqual([]);
  });
});
