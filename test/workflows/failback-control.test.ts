import type { DemoTenant } from '../../infra/demo/demo-estate';
import type { FailbackResult } from '../../workflows/contracts';
import type { Estate } from '../clients/estate-fixture';
import type { TestApp } from '../support/api';
import { ended, startDrEstate, type DrEstate, type OperationBody, type SimState } from '../support/dr-estate';
import { recordHistory } from '../support/histories';

/**
 * The maintenance-window gate and the operator's controls during a failback, through the API: a window in the
 * future opens at its time or on an approval; a pause holds the next wave until resumed; a skipped VM stays at
 * the DR site; a critical VM that fails pauses its wave until retried; an abort before the DR VMs stop leaves the
 * tenant running at the DR site, failed over. The controlled runs are recorded as histories (RECORD_HISTORIES=1).
 */
describe('failback: maintenance window and operator controls', () => {
  let e: DrEstate;
  let estate: Estate;
  let t: TestApp;
  let tenants: DemoTenant[];

  beforeAll(async () => {
    e = await startDrEstate('failback-control', { tenants: 4, vmsPerTenant: 6, managementVmsPerTenant: 2, waveConcurrency: 2 });
    ({ estate, t, tenants } = e);
    // Every tenant fails over first, together.
    const failovers = await Promise.all(tenants.map(async (tenant) =>
      (await t.http.post('/v1/operations').set(t.auth()).send({ kind: 'failover', tenantId: tenant.id, requestId: 'fo-1' }).expect(202)).body.operationId as string));
    for (const id of failovers) expect((await e.until(id, ended)).status).toBe('completed');
  });
  afterAll(async () => e?.close());

  const state = async (tenant: DemoTenant) => (await estate.control.state(tenant.name)) as SimState;
  const runningAtDr = async (tenant: DemoTenant) => (await state(tenant)).compute.vms.filter((v) => v.site === 'dr-1' && v.power_state === 'POWERED_ON').map((v) => v.name).sort();
  const tenantState = async (tenant: DemoTenant) => (await t.http.get(`/v1/tenants/${tenant.id}`).set(t.auth()).expect(200)).body.state as string;
  const failback = async (tenant: DemoTenant, body: Record<string, unknown>) =>
    (await t.http.post('/v1/operations').set(t.auth()).send({ kind: 'failback', tenantId: tenant.id, requestId: 'fb-1', statusPollSeconds: 1, ...body }).expect(202)).body.operationId as string;
  const command = (id: string, path: string) => t.http.post(`/v1/operations/${encodeURIComponent(id)}/${path}`).set(t.auth()).send({});
  const waiting = (what: RegExp) => (op: OperationBody) => (op.status === 'waiting' && what.test(String(op.waitingFor))) || ended(op);
  const step = (op: OperationBody, name: string) => op.steps.find((s) => s.name === name) as { startedAt: string } | undefined;

  it('waits for a maintenance window in the future and opens at its time', async () => {
    const tenant = tenants[0];
    const opens = new Date(Date.now() + 8_000);
    const id = await failback(tenant, { maintenanceWindowStart: opens.toISOString() });
    const held = await e.until(id, waiting(/maintenance window/));
    expect(held.waitingFor).toBe(`the maintenance window at ${opens.toISOString()} (or an approval)`);
    expect(await runningAtDr(tenant)).toHaveLength(8);

    const op = await e.until(id, ended);
    expect(op.error ?? null).toBeNull();
    expect(op.result as FailbackResult).toMatchObject({ status: 'failed-back', failedBack: 8 });
    // A failback shows its RTO clock (from the DR power-off), its forecast with its bound, and an ETA.
    expect(op.progress.rto).toMatchObject({ targetMinutes: expect.any(Number), startedAt: step(op, 'quiesce: final tag and DR VMs powered off')!.startedAt });
    expect(op.progress.forecast.lowerBoundSeconds).toBeLessThanOrEqual(op.progress.forecast.estimatedMakespanSeconds);
    expect(Date.parse(op.progress.eta)).toBeGreaterThan(Date.parse(op.progress.rto.startedAt));
    // Nobody approved: the DR VMs stopped only once the window opened.
    expect(op.progress.approvals ?? []).toEqual([]);
    expect(Date.parse(step(op, 'quiesce: final tag and DR VMs powered off')!.startedAt)).toBeGreaterThanOrEqual(opens.getTime());
    expect(await tenantState(tenant)).toBe('protected');
  });

  it('opens a far maintenance window early on an approval', async () => {
    const tenant = tenants[1];
    const opens = new Date(Date.now() + 3_600_000);
    const id = await failback(tenant, { maintenanceWindowStart: opens.toISOString() });
    await e.until(id, waiting(/maintenance window/));
    await command(id, 'approve').expect(200);
    const op = await e.until(id, ended);
    expect(op.error ?? null).toBeNull();
    expect(op.result as FailbackResult).toMatchObject({ status: 'failed-back', failedBack: 8 });
    expect(Date.parse(step(op, 'quiesce: final tag and DR VMs powered off')!.startedAt)).toBeLessThan(opens.getTime());
  });

  it('pause holds the next wave until resumed; a skipped VM stays at the DR site; a failed critical VM is retried', async () => {
    const tenant = tenants[2];
    const schedule = (await t.http.get(`/v1/recovery-plans/${tenant.planId}/preview`).set(t.auth()).expect(200)).body.schedule as { stages: { index: number; vms: string[] }[]; vms: { vm: string; critical: boolean }[] };
    const id = await failback(tenant, {});
    await e.until(id, waiting(/approval of the maintenance window/));
    await command(id, 'pause').expect(200);
    await command(id, 'approve').expect(200);

    const paused = await e.until(id, waiting(/^paused by/));
    expect(paused.waitingFor).toMatch(/^paused by .*; resume to start wave /);
    // The DR VMs have stopped, and no wave has started while paused.
    expect(await runningAtDr(tenant)).toEqual([]);
    expect(paused.steps.filter((s) => String(s.name).startsWith('wave '))).toEqual([]);

    const web = (await state(tenant)).compute.vms.map((v) => v.name).filter((n) => n.includes('-web-')).sort()[0];
    const critical = schedule.vms.find((v) => v.critical && v.vm !== web)!.vm;
    await command(id, `vms/${web}/skip`).expect(200);
    // The critical VM's first recovery at the primary fails: its wave pauses until the operator retries it.
    await estate.control.fault({ system: 'inmage', op: 'recover', target: critical, rate: 1, status: 400, times: 1 });
    await command(id, 'resume').expect(200);
    const failed = await e.until(id, waiting(new RegExp(`^critical VM ${critical} failed at recover`)));
    expect(failed.status).toBe('waiting');
    await command(id, `vms/${critical}/retry`).expect(200);
    await command(id, 'resume').expect(200);
    const op = await e.until(id, ended);
    expect(op.error ?? null).toBeNull();
    const result = op.result as FailbackResult;
    expect(result).toMatchObject({ status: 'partially-failed-back', failedBack: 7, skipped: [web] });
    const s = await state(tenant);
    expect(s.compute.vms.filter((v) => v.origin === 'primary' && v.power_state === 'POWERED_ON').map((v) => v.name)).not.toContain(web);
    expect(s.compute.vms.filter((v) => v.origin === 'primary' && v.power_state === 'POWERED_ON').map((v) => v.name)).toContain(critical);
    expect(s.compute.vms.filter((v) => v.site === 'dr-1').map((v) => v.name)).toEqual([web]);
    // A VM is still at the DR site, so the tenant is still failed over (for that VM).
    expect(await tenantState(tenant)).toBe('failed-over');
    await recordHistory(e.tw.client.workflow.getHandle(id), 'failback-pause-approve-skip-retry');
    const wave = schedule.stages.find((st) => st.vms.includes(critical))!;
    await recordHistory(e.tw.client.workflow.getHandle(`${id}/wave-${wave.index}`), 'failback-pause-approve-skip-retry-wave');
  });

  it('abort before the DR VMs stop leaves the tenant failed over, running at the DR site', async () => {
    const tenant = tenants[3];
    const before = await runningAtDr(tenant);
    expect(before).toHaveLength(8);
    const recoveries = async () => (await estate.control.ops({ tenant: tenant.name, op: 'recover' })).length;
    const recoveredBefore = await recoveries();
    const id = await failback(tenant, {});
    await e.until(id, waiting(/approval of the maintenance window/));
    await command(id, 'abort').expect(200);
    const op = await e.until(id, ended);
    expect(op.status).not.toBe('completed');
    expect(op.error).toContain('before the DR VMs stopped');
    expect(await runningAtDr(tenant)).toEqual(before);
    expect(await tenantState(tenant)).toBe('failed-over');
    expect(await recoveries()).toBe(recoveredBefore);
    await recordHistory(e.tw.client.workflow.getHandle(id), 'failback-abort-at-window');
  });
});
