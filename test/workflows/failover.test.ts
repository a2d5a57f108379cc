import type { DemoTenant } from '../../infra/demo/demo-estate';
import type { OpEntry } from '../clients/estate-fixture';
import type { TestApp } from '../support/api';
import { DIALECTS } from '../support/databases';
import { ended, startDrEstate, type DrEstate } from '../support/dr-estate';
import { recordHistory } from '../support/histories';
import { estateDifferences } from '../support/estate-oracle';

/**
 * Failover end to end: through the API, on the real Temporal server, against the simulated estate.
 * The simulator's ops log is the witness: what ran, in what order, and how many at once. On each inventory
 * dialect, so the activities' transactions run on MariaDB as well as SQLite.
 */
describe.each(DIALECTS)('failover through the API (%s inventory)', (dialect) => {
  let e: DrEstate;
  let t: TestApp;
  let tenant: DemoTenant;

  beforeAll(async () => {
    e = await startDrEstate('failover', { tenants: 1, vmsPerTenant: 12, managementVmsPerTenant: 3, waveConcurrency: 2 }, { dialect });
    ({ t } = e);
    [tenant] = e.tenants;
  });
  afterAll(async () => e?.close());

  it('recovers management VMs first, then the waves in order, dependencies first, within the caps', async () => {
    const started = await t.http.post('/v1/operations').set(t.auth()).send({ kind: 'failover', tenantId: tenant.id, requestId: 'drill-of-record' }).expect(202);
    const again = await t.http.post('/v1/operations').set(t.auth()).send({ kind: 'failover', tenantId: tenant.id, requestId: 'drill-of-record' }).expect(200);
    expect(again.body.operationId).toBe(started.body.operationId);

    const op = await e.until(started.body.operationId, ended);
    expect(op.error ?? null).toBeNull();
    expect(op.status).toBe('completed');
    const result = op.result as { recovered: number; status: string; fixup: { manageable: boolean; services: { kind: string; outcome: string; error?: string }[] } };
    expect(result).toMatchObject({ status: 'failed-over', recovered: 15 });
    // Management fix-up brought every registered service back for the recovered VMs.
    expect(result.fixup.services.filter((s) => s.outcome === 'failed')).toEqual([]);
    expect(result.fixup.manageable).toBe(true);
    const tenantNow = await t.http.get(`/v1/tenants/${tenant.id}`).set(t.auth()).expect(200);
    expect(tenantNow.body.state).toBe('failed-over');
    // Every VM at the DR site on its mapped (or set-aside) address, and every management record moved with it.
    expect(await estateDifferences(e.dataSource, e.estate.control, tenant.id)).toEqual([]);

    // The witness: each VM's work spans its recover call to its last publish call.
    const ops = await e.estate.control.ops({ tenant: tenant.name });
    const plan = await t.http.get(`/v1/recovery-plans/${tenant.planId}/preview`).set(t.auth()).expect(200);
    const schedule = plan.body.schedule as { stages: { group: string; vms: string[]; maxConcurrency: number | null }[]; vms: { vm: string; dependsOn: string[] }[] };
    const span = spans(ops);
    for (const vm of schedule.vms) expect(span.get(vm.vm)).toBeDefined();

    // Management first, then each wave only after the previous one is done.
    for (let k = 1; k < schedule.stages.length; k++) {
      const previousEnd = Math.max(...schedule.stages[k - 1].vms.map((v) => span.get(v)!.end));
      const thisStart = Math.min(...schedule.stages[k].vms.map((v) => span.get(v)!.start));
      expect(thisStart).toBeGreaterThanOrEqual(previousEnd);
    }
    // No VM before the VMs it depends on.
    for (const vm of schedule.vms) for (const dep of vm.dependsOn) expect(span.get(vm.vm)!.start).toBeGreaterThanOrEqual(span.get(dep)!.end);
    // Never more VMs of a wave at once than its cap.
    for (const stage of schedule.stages.slice(1)) expect(maxOverlap(stage.vms.map((v) => span.get(v)!))).toBeLessThanOrEqual(stage.maxConcurrency ?? Infinity);
    // Nothing done twice: one successful call per idempotency key.
    const okPerKey = new Map<string, number>();
    for (const e of ops) if (e.outcome === 'ok' && e.idempotencyKey) okPerKey.set(e.idempotencyKey, (okPerKey.get(e.idempotencyKey) ?? 0) + 1);
    expect([...okPerKey].filter(([, n]) => n > 1)).toEqual([]);
    // One ticket, opened at the start and closed with the outcome at the end; the DR occupancy clock started.
    expect(ops.filter((e) => e.system === 'ticketing' && e.op === 'createTicket' && e.outcome === 'ok').length).toBe(1);
    const tickets = ((await e.estate.control.state(tenant.name)) as { mgmt: { tickets: { status: string; correlationId: string }[] } }).mgmt.tickets;
    expect(tickets.map((x) => [x.correlationId, x.status])).toEqual([[started.body.operationId, 'closed']]);
    const audit = await t.http.get(`/v1/audit-events?tenantId=${tenant.id}`).set(t.auth()).expect(200);
    expect(audit.body.items.map((e: { action: string }) => e.action)).toContain('billing.dr-occupancy-started');

    if (dialect !== 'sqlite') return;
    const handle = e.tw.client.workflow.getHandle(started.body.operationId);
    await recordHistory(handle, 'failover-15-vms');
    await recordHistory(e.tw.client.workflow.getHandle(`${started.body.operationId}/wave-2`), 'failover-15-vms-wave-2');
  });
});

/** Per VM: from its InMage recover call to its last DNS/firewall call, on the simulator clock. */
function spans(ops: OpEntry[]): Map<string, { start: number; end: number }> {
  const out = new Map<string, { start: number; end: number }>();
  const at = (e: OpEntry & { startedAt?: string; finishedAt?: string }, which: 'startedAt' | 'finishedAt') => Date.parse(e[which] as string);
  for (const e of ops as (OpEntry & { startedAt?: string; finishedAt?: string })[]) {
    if (e.outcome !== 'ok' || !e.target) continue;
    if (e.system === 'inmage' && e.op === 'recover') out.set(e.target, { start: at(e, 'startedAt'), end: out.get(e.target)?.end ?? -Infinity });
  }
  for (const e of ops as (OpEntry & { startedAt?: string; finishedAt?: string })[]) {
    if (e.outcome !== 'ok') continue;
    const vm = e.system === 'dns' && e.op === 'upsertRecord' ? e.target?.split('.')[0] : undefined;
    if (vm && out.has(vm)) out.get(vm)!.end = Math.max(out.get(vm)!.end, at(e, 'finishedAt'));
  }
  return out;
}

function maxOverlap(intervals: { start: number; end: number }[]): number {
  const events = intervals.flatMap((i) => [[i.start, 1], [i.end, -1]] as [number, number][]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let max = 0;
  for (const [, d] of events) max = Math.max(max, (now += d));
  return max;
}
