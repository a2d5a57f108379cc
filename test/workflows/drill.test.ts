import type { OpEntry } from '../../infra/sim/ops-log';
import { estateOf } from '../support/estate-snapshot';
import { ended, startDrEstate, type DrEstate, type OperationBody } from '../support/dr-estate';

const TIME_SCALE = 0.0005;

/** The parts of `GET /_sim/state` a drill is judged on. */
interface DrillState {
  compute: { vms: { name: string; nics: { network: string; ip_address: string }[] }[] };
  inmage: { pairs: { direction: string; state: string; server: string }[]; drillSnapshots: unknown[] };
}

/**
 * Drills on the simulator: a parallel drill leaves the tenant's production untouched (pairs in Differential
 * Sync throughout, no production VM, address, record or rule changed, read from the ops log and the estate) and
 * nothing of the drill in the estate, also after an abort while a wave boots and after a permanent failure with
 * BNA down during the clean-up; its report's RTO and RPO agree with the ops log's timestamps; a checklist creates
 * nothing.
 */
describe('drill', () => {
  let e: DrEstate;

  beforeAll(async () => {
    e = await startDrEstate('drill', { tenants: 4, vmsPerTenant: 3, managementVmsPerTenant: 1, waveConcurrency: 2 }, { timeScale: TIME_SCALE });
  });
  afterAll(async () => e?.close());

  const start = async (i: number, body: Record<string, unknown> = {}) =>
    (await e.t.http.post('/v1/operations').set(e.t.auth()).send({ kind: 'drill', tenantId: e.tenants[i].id, ...body }).expect(202)).body.operationId as string;
  const lastSeq = async () => (await e.estate.control.request<{ lastSeq: number }>('GET', '/_sim/ops?limit=1')).body.lastSeq;
  const opsSince = async (tenant: string, since: number) => (await e.estate.control.ops({ tenant, since: String(since), limit: '100000' })) as unknown as OpEntry[];
  const state = async (tenant: string) => (await e.estate.control.state(tenant)) as DrillState;
  const tenantState = async (i: number) => (await e.t.http.get(`/v1/tenants/${e.tenants[i].id}`).set(e.t.auth()).expect(200)).body.state as string;
  /** A drill's side effects touch only its own resources: names carrying `-drill-<id>`, its VLAN and pool, snapshots of the replicas. */
  const productionTouched = (ops: OpEntry[], drillId: string) =>
    ops.filter((o) => o.outcome !== 'error' && o.outcome !== 'fault')
      .filter((o) => !(o.system === 'inmage' && o.op === 'drillSnapshot'))
      .filter((o) => !String(o.target ?? '').endsWith(`-drill-${drillId}`) && o.target !== `drill-${drillId}`)
      .filter((o) => !(o.system === 'bna' && /^(createVlan|deleteVlan)$/.test(o.op)))
      .map((o) => `${o.system}.${o.op} ${o.target}`);

  it('a parallel drill recovers into its bubble while protection and production stay untouched, reports RTO and RPO as the ops log has them, and leaves nothing', async () => {
    const tenant = e.tenants[0];
    const before = estateOf(await e.estate.control.state(tenant.name));
    const since = await lastSeq();
    const simNow = Date.parse(((await e.estate.control.request<{ now: string }>('GET', '/_sim/clock')).body).now);
    const pointAt = new Date(simNow - 5 * 60_000).toISOString();
    const id = await start(0, { recoveryPoint: { kind: 'time', at: pointAt } });

    // During the drill: its VMs run on the drill VLAN, and every pair is still in Differential Sync.
    const during = await e.until(id, (op) => Object.values(op.progress.vms ?? {}).some((v) => (v as { status: string }).status === 'recovered') || ended(op));
    expect(during.status).toBe('running');
    expect(await tenantState(0)).toBe('drilling');
    const mid = await state(tenant.name);
    const drillVms = mid.compute.vms.filter((v) => v.name.includes('-drill-'));
    expect(drillVms.length).toBeGreaterThan(0);
    for (const vm of drillVms) expect(vm.nics.map((n) => n.network)).toEqual([during.progress.network.vlan]);
    expect(mid.inmage.pairs.filter((p) => p.direction === 'forward' && p.state !== 'Differential Sync')).toEqual([]);

    const op = await e.until(id, ended);
    expect([op.status, op.outcome, op.error]).toEqual(['completed', 'completed', null]);
    const report = op.result;
    expect(report).toMatchObject({ outcome: 'passed', drillType: 'parallel', cleanup: { status: 'clean', leftovers: [] }, abortedBy: null });
    expect(report.vms.map((v: { status: string }) => v.status)).toEqual(report.vms.map(() => 'recovered'));
    expect(report.protection.map((c: { when: string; inSync: boolean }) => [c.when, c.inSync])).toEqual([['before', true], ...report.protection.slice(1, -1).map(() => ['during', true]), ['after', true]]);
    expect(await tenantState(0)).toBe('protected');

    // Afterwards the tenant's estate is as it was: production untouched, nothing of the drill left.
    expect(estateOf(await e.estate.control.state(tenant.name))).toEqual(before);
    const ops = await opsSince(tenant.name, since);
    expect(productionTouched(ops, report.drillId)).toEqual([]);
    expect(ops.filter((o) => o.system === 'inmage' && o.op === 'drillSnapshot' && o.outcome === 'ok').map((o) => o.target).sort()).toEqual(report.vms.map((v: { vm: string }) => v.vm).sort());

    // RTO from the drill's first change to its last probe, RPO the point's age then, to the second.
    const first = ops.find((o) => o.outcome === 'ok')!;
    const lastProbe = ops.filter((o) => o.system === 'compute' && o.op === 'runGuestProbe' && o.outcome === 'ok').at(-1)!;
    expect(Math.abs(report.rto.achievedSeconds - (Date.parse(lastProbe.finishedAt) - Date.parse(first.startedAt)) / 1000)).toBeLessThan(1);
    expect(Math.abs(report.rpo.achievedSeconds - (Date.parse(first.startedAt) - Date.parse(pointAt)) / 1000)).toBeLessThan(1);
    expect([report.rto.passed, report.rpo.passed]).toEqual([true, true]);

    // The report, as JSON and as a page.
    const json = await e.t.http.get(`/v1/drills/${encodeURIComponent(id)}/report`).set(e.t.auth()).expect(200);
    expect(json.body).toEqual(report);
    const html = await e.t.http.get(`/v1/drills/${encodeURIComponent(id)}/report`).set(e.t.auth()).set('accept', 'text/html').expect(200);
    expect(html.headers['content-type']).toMatch(/^text\/html/);
    for (const vm of report.vms) expect(html.text).toContain(vm.drillVm);
    expect(html.text).toContain(`revision ${report.plan.revision}`);
  });

  it('aborted while a wave boots, the drill cleans up and the estate is as before', async () => {
    const tenant = e.tenants[1];
    const before = estateOf(await e.estate.control.state(tenant.name));
    await e.estate.control.request('PUT', '/_sim/latency', { ops: { 'compute.guestBoot': 4_000 / TIME_SCALE } });
    const id = await start(1);
    const booting = await e.until(id, (op) => Object.values(op.progress.vms ?? {}).some((v) => (v as { step?: string; status: string }).step === 'start' && (v as { status: string }).status === 'running') || ended(op));
    expect(booting.status).toBe('running');
    await e.t.http.post(`/v1/operations/${encodeURIComponent(id)}/abort`).set(e.t.auth()).send({}).expect(200);
    await e.estate.control.request('PUT', '/_sim/latency', { ops: { 'compute.guestBoot': 0 } });
    const op = await e.until(id, ended);
    expect(op.status).toBe('cancelled');
    expect(op.result).toMatchObject({ outcome: 'aborted', abortedBy: expect.any(String), cleanup: { status: 'clean', leftovers: [] } });
    expect(op.result.controls.map((c: { action: string }) => c.action)).toEqual(['abort']);
    expect(await tenantState(1)).toBe('protected');
    expect(estateOf(await e.estate.control.state(tenant.name))).toEqual(before);
  });

  it('after a permanent failure, with BNA down during the clean-up, the drill stays cleanup-pending until it can finish', async () => {
    const tenant = e.tenants[2];
    const before = estateOf(await e.estate.control.state(tenant.name));
    const victim = (await e.t.http.get(`/v1/tenants/${tenant.id}/vms?limit=100`).set(e.t.auth()).expect(200)).body.items.find((v: { role: string }) => v.role === 'workload').name as string;
    await e.estate.control.fault({ system: 'inmage', op: 'drillSnapshot', target: victim, rate: 1, status: 400 });
    await e.estate.control.fault({ system: 'bna', op: 'deleteVlan', tenant: tenant.name, rate: 1, status: 503 });
    const id = await start(2);
    const pending = await e.until(id, (op: OperationBody) => op.progress.cleanup?.status === 'pending' || ended(op));
    expect([pending.status, pending.phase]).toEqual(['running', 'cleanup-pending']);
    await e.estate.control.request('DELETE', '/_sim/faults');
    const op = await e.until(id, ended);
    expect([op.status, op.outcome]).toEqual(['completed', 'completed-with-failures']);
    expect(op.result).toMatchObject({ outcome: 'failed', cleanup: { status: 'clean', leftovers: [] } });
    expect(op.result.cleanup.attempts).toBeGreaterThan(1);
    expect(op.result.vms.find((v: { vm: string }) => v.vm === victim)).toMatchObject({ status: 'failed' });
    expect(op.error).toContain(victim);
    expect(estateOf(await e.estate.control.state(tenant.name))).toEqual(before);
  });

  it('a checklist drill checks the plan, readiness, recovery points and capacity, and creates nothing', async () => {
    const tenant = e.tenants[3];
    const before = estateOf(await e.estate.control.state(tenant.name));
    const since = await lastSeq();
    const id = await start(3, { drillType: 'checklist' });
    const op = await e.until(id, ended);
    expect([op.status, op.outcome]).toEqual(['completed', 'completed']);
    expect(op.result).toMatchObject({ drillType: 'checklist', outcome: 'passed', checks: { readiness: { passed: true }, recoveryPoints: [], capacity: { fits: true } }, cleanup: { status: 'not-needed' } });
    expect(op.result.protection).toMatchObject([{ when: 'before', inSync: true }]);
    const effects = (await opsSince(tenant.name, since)).filter((o) => o.outcome === 'ok' && !(o.system === 'inmage' && o.op === 'readinessCheck'));
    expect(effects.map((o) => `${o.system}.${o.op}`)).toEqual([]);
    expect(estateOf(await e.estate.control.state(tenant.name))).toEqual(before);
  });
});
