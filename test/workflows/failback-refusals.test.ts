import type { DemoTenant } from '../../infra/demo/demo-estate';
import { TenantEntity } from '../../infra/persistence/entities';
import { workflowIds, type FailbackInput } from '../../workflows/contracts';
import type { Estate, OpEntry } from '../clients/estate-fixture';
import type { TestApp } from '../support/api';
import { ended, startDrEstate, type DrEstate } from '../support/dr-estate';

type RefusalState = { inmage: { controlServers: { name: string }[]; plans: { name: string; direction: string }[] }; mgmt: { tickets: { summary: string; status: string; correlationId?: string }[] } };

/** What the estate was asked to change: every call but the reads. */
const sideEffects = (ops: OpEntry[]) => ops.filter((o) => !/^(list|get|find)/i.test(o.op));

/**
 * A failback is refused before it acts when its target is not the tenant's to return to, by the API and again
 * by the workflow; and a failback that fails after acting (before the DR VMs stop) puts back what it changed:
 * the tenant's primary site in the inventory and its failback registrations in InMage.
 */
describe('failback: refuse before acting, undo what a failure did', () => {
  let e: DrEstate;
  let estate: Estate;
  let t: TestApp;
  let a: DemoTenant;
  let b: DemoTenant;

  beforeAll(async () => {
    e = await startDrEstate('failback-refusals', { tenants: 2, vmsPerTenant: 3, managementVmsPerTenant: 1, waveConcurrency: 2 });
    ({ estate, t } = e);
    [a, b] = e.tenants;
    const fo = await t.http.post('/v1/operations').set(t.auth()).send({ kind: 'failover', tenantId: a.id, requestId: 'fo-1', recoveryPoint: { kind: 'latest-common-time' } }).expect(202);
    expect((await e.until(fo.body.operationId, ended)).status).toBe('completed');
  });
  afterAll(async () => e?.close());

  const tenantRow = async (id: string) => (await t.http.get(`/v1/tenants/${id}`).set(t.auth()).expect(200)).body;
  const lastSeq = async () => Math.max(0, ...(await estate.control.ops()).map((o) => o.seq));
  const opsSince = async (seq: number) => (await estate.control.ops()).filter((o) => o.seq > seq);

  it("a failback naming another tenant's primary site gets 422 naming the field, and changes nothing", async () => {
    const before = await tenantRow(a.id);
    expect(before).toMatchObject({ state: 'failed-over', activeOperationId: null });
    const seen = await lastSeq();
    const res = await t.http.post('/v1/operations').set(t.auth()).send({ kind: 'failback', tenantId: a.id, requestId: 'fb-other', primarySiteId: b.primarySiteId }).expect(422);
    expect(res.body.message.join(' ')).toMatch(new RegExp(`^primarySiteId names .*the primary site of tenant ${b.name}`));
    expect(await tenantRow(a.id)).toEqual(before);
    expect(await opsSince(seen)).toEqual([]);
    expect((await t.http.get(`/v1/operations?tenantId=${a.id}&kind=failback`).set(t.auth()).expect(200)).body.total).toBe(0);
  });

  it('the workflow refuses it too, before its first side effect, when started behind the API', async () => {
    const before = await tenantRow(a.id);
    const seen = await lastSeq();
    const id = workflowIds.operation('failback', a.id, 'fb-other-direct');
    const input: FailbackInput = { tenantId: a.id, primarySiteId: b.primarySiteId, request: { requestedBy: 'test', requestId: 'fb-other-direct' } };
    const handle = await e.tw.client.workflow.start('failback', { workflowId: id, taskQueue: e.tw.taskQueue, args: [input] });
    await expect(handle.result()).rejects.toThrow();
    const op = await e.until(id, ended);
    expect(op.status).toBe('failed');
    expect(op.error).toContain(`the primary site of tenant ${b.name}`);
    expect(await tenantRow(a.id)).toMatchObject({ state: 'failed-over', primarySiteId: before.primarySiteId, activeOperationId: null });
    expect(sideEffects(await opsSince(seen))).toEqual([]);
  });

  it('a failback that fails after acting restores the primary site, removes its failback registrations and closes its ticket', async () => {
    const before = await tenantRow(a.id);
    // The provider builds the tenant a new site (estate and inventory); InMage then refuses the failback plan.
    const newSite = `${a.name}-dc2`;
    await estate.control.request('POST', `/_sim/tenants/${a.name}/primary-site`, { site: newSite });
    const newSiteId = (await t.http.post('/v1/sites').set(t.auth()).send({ name: newSite, kind: 'primary' }).expect(201)).body.id as string;
    await estate.control.fault({ system: 'inmage', op: 'failbackProtect', tenant: a.name, status: 422 });
    const seen = await lastSeq();

    const fb = await t.http.post('/v1/operations').set(t.auth()).send({ kind: 'failback', tenantId: a.id, requestId: 'fb-new', primarySiteId: newSiteId, statusPollSeconds: 1 }).expect(202);
    const op = await e.until(fb.body.operationId, ended);
    expect(op.status).toBe('failed');
    expect(op.steps.filter((s) => String(s.name).startsWith('undo: ')).map((s) => [s.name, s.status])).toEqual([
      ['undo: failback protection (DR → primary)', 'compensated'],
      ['undo: record the new primary site', 'compensated'],
    ]);

    // It had acted: a master target and a process server registered for the failback, a ticket opened.
    const effects = sideEffects(await opsSince(seen));
    expect(effects.filter((o) => o.op === 'registerControlServer' && o.outcome === 'ok').length).toBeGreaterThanOrEqual(2);
    // Now undone: the inventory as before, no failback registration left, the ticket closed.
    expect(await tenantRow(a.id)).toMatchObject({ state: 'failed-over', primarySiteId: before.primarySiteId, activeOperationId: null });
    const s = (await estate.control.state(a.name)) as RefusalState;
    expect(s.inmage.controlServers.filter((c) => c.name.includes('-fb-'))).toEqual([]);
    expect(s.inmage.plans.filter((p) => p.direction === 'failback')).toEqual([]);
    expect(s.mgmt.tickets.filter((x) => x.status !== 'closed')).toEqual([]);
  });

  it('reconcile sets a stuck tenant to what the estate shows, releases a dead claim, and is audited', async () => {
    const own = (await tenantRow(a.id)).primarySiteId as string;
    // Stuck as the unguarded failback left tenants: another tenant's site recorded, in error, held by a run
    // that is gone.
    const gone = workflowIds.operation('failback', a.id, 'crashed');
    await e.dataSource.manager.update(TenantEntity, { id: a.id }, { primarySiteId: b.primarySiteId, state: 'error', activeOperationId: gone });
    const operator = (await t.http.post('/v1/tokens').set(t.auth()).send({ name: 'op', role: 'provider-operator' }).expect(201)).body.token as string;
    await t.http.post(`/v1/tenants/${a.id}/reconcile`).set(t.auth(operator)).send({}).expect(403);
    await t.http.post('/v1/operations').set(t.auth()).send({ kind: 'failback', tenantId: a.id, requestId: 'fb-stuck' }).expect(409);

    const seen = await lastSeq();
    const res = await t.http.post(`/v1/tenants/${a.id}/reconcile`).set(t.auth()).send({}).expect(200);
    expect(res.body).toMatchObject({
      before: { state: 'error', primarySiteId: b.primarySiteId, activeOperationId: gone },
      after: { state: 'failed-over', primarySiteId: own, activeOperationId: null },
      changed: true,
    });
    const vms = a.vms;
    expect(res.body.estate.recoveredAtDr).toHaveLength(vms);
    expect(res.body.estate.runningAtDr).toHaveLength(vms);
    expect(await tenantRow(a.id)).toMatchObject({ state: 'failed-over', primarySiteId: own, activeOperationId: null });
    // It only read the estate.
    expect(sideEffects(await opsSince(seen))).toEqual([]);
    const audit = (await t.http.get(`/v1/audit-events?tenantId=${a.id}`).set(t.auth()).expect(200)).body.items as { action: string; details: unknown }[];
    expect(audit.find((x) => x.action === 'tenant.reconcile')?.details).toMatchObject({ before: { state: 'error' }, after: { state: 'failed-over' } });
    // Repaired: a second reconcile finds nothing to change.
    expect((await t.http.post(`/v1/tenants/${a.id}/reconcile`).set(t.auth()).send({}).expect(200)).body.changed).toBe(false);
  });

  it('reconcile is refused while the operation holding the tenant runs, and releases its claim once that run is gone', async () => {
    // b's failover hangs on InMage: it runs, and holds b.
    await estate.control.fault({ system: 'inmage', tenant: b.name, timeout: true });
    const fo = await t.http.post('/v1/operations').set(t.auth()).send({ kind: 'failover', tenantId: b.id, requestId: 'fo-hangs' }).expect(202);
    const holder = fo.body.operationId as string;
    const refused = await t.http.post(`/v1/tenants/${b.id}/reconcile`).set(t.auth()).send({}).expect(409);
    expect(refused.body.operationId).toBe(holder);

    // The run is terminated (as a crashed or abandoned run would be): its claim is stale, and reconcile frees it.
    await e.tw.client.workflow.getHandle(holder).terminate('test: the run is gone');
    await estate.control.request('DELETE', '/_sim/faults');
    expect((await tenantRow(b.id)).activeOperationId).toBe(holder);
    const res = await t.http.post(`/v1/tenants/${b.id}/reconcile`).set(t.auth()).send({}).expect(200);
    expect(res.body.after).toEqual({ state: 'protected', primarySiteId: b.primarySiteId, activeOperationId: null });
    expect(await tenantRow(b.id)).toMatchObject({ state: 'protected', activeOperationId: null });
  });
});
