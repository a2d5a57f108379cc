import type { DemoTenant } from '../../infra/demo/demo-estate';
import { RecoveryPlanGroupEntity } from '../../infra/persistence/entities';
import type { Estate } from '../clients/estate-fixture';
import type { TestApp } from '../support/api';
import { ended, startDrEstate, type DrEstate, type OperationBody, type SimState } from '../support/dr-estate';
import { recordHistory } from '../support/histories';

/**
 * Failures and operator control during a failover: what a failed VM holds and its recovery by a follow-up
 * failover, a critical pause, retry, a pause between waves, a gate approval, skip, abort; a command that would not
 * take effect is refused (409). The controlled runs are recorded as histories (RECORD_HISTORIES=1).
 */
describe('failover: failures and operator control', () => {
  let e: DrEstate;
  let t: TestApp;
  let estate: Estate;
  let tenants: DemoTenant[];
  let schedules: Map<string, { stages: { index: number; group: string; vms: string[] }[]; vms: { vm: string; role: string; stage: number; group: string; dependsOn: string[]; critical: boolean }[] }>;

  const previews = new Map<string, { stepDurations: Record<string, number>; forecast: { lowerBound: number; estimatedMakespan: number } }>();

  beforeAll(async () => {
    e = await startDrEstate('failover-control', { tenants: 3, vmsPerTenant: 9, managementVmsPerTenant: 2, waveConcurrency: 3 });
    ({ t, estate, tenants } = e);
    schedules = new Map();
    for (const tenant of tenants) {
      const preview = await t.http.get(`/v1/recovery-plans/${tenant.planId}/preview`).set(t.auth()).expect(200);
      schedules.set(tenant.name, preview.body.schedule);
      previews.set(tenant.name, preview.body);
    }
  });
  afterAll(async () => e?.close());

  const until = (id: string, done: (op: OperationBody) => boolean) => e.until(id, done);
  const start = async (tenant: DemoTenant) =>
    (await t.http.post('/v1/operations').set(t.auth()).send({ kind: 'failover', tenantId: tenant.id }).expect(202)).body.operationId as string;
  const command = (id: string, path: string, body: Record<string, unknown> = {}) => t.http.post(`/v1/operations/${encodeURIComponent(id)}/${path}`).set(t.auth()).send(body);
  const runningAtDr = async (tenant: DemoTenant) =>
    ((await estate.control.state(tenant.name)) as SimState).compute.vms.filter((v) => v.site === 'dr-1' && v.power_state === 'POWERED_ON').map((v) => v.name).sort();

  /** Held (paused), the operation gets no nearer its end: read again later, its ETA has moved by the time held. */
  const expectEtaMovesWhileHeld = async (id: string, first: OperationBody) => {
    await new Promise((r) => setTimeout(r, 1500));
    const again = await e.get(id);
    expect(again.status).toBe('waiting');
    expect(Date.parse(again.progress.eta) - Date.parse(first.progress.eta)).toBeGreaterThanOrEqual(1000);
  };

  it('a VM that fails holds its dependents and nothing else; a follow-up failover recovers them, without failing back', async () => {
    const tenant = tenants[0];
    const schedule = schedules.get(tenant.name)!;
    // A non-critical VM that others depend on.
    const failing = schedule.vms.find((v) => !v.critical && v.role !== 'management' && schedule.vms.some((d) => d.dependsOn.includes(v.vm)))!;
    expect(failing).toBeDefined();
    await estate.control.fault({ system: 'inmage', op: 'recover', target: failing.vm, rate: 1, status: 400, times: 1 });
    const id = await start(tenant);
    const op = await until(id, ended);
    expect(op.status).toBe('completed');
    const dependents = new Set<string>();
    const walk = (vm: string) => schedule.vms.filter((v) => v.dependsOn.includes(vm)).forEach((d) => { dependents.add(d.vm); walk(d.vm); });
    walk(failing.vm);
    expect(op.result.status).toBe('partially-failed-over');
    expect(op.result.failed.map((f: { vm: string }) => f.vm)).toEqual([failing.vm]);
    expect(op.result.blocked.map((b: { vm: string }) => b.vm).sort()).toEqual([...dependents].sort());
    expect(op.result.recovered).toBe(schedule.vms.length - 1 - dependents.size);
    // The held VMs never reached the DR site.
    const ops = await estate.control.ops({ tenant: tenant.name, system: 'inmage', op: 'recover', outcome: 'ok' });
    for (const vm of dependents) expect(ops.some((e) => e.target === vm)).toBe(false);
    const left = [failing.vm, ...dependents].sort();
    expect(await runningAtDr(tenant)).toEqual(schedule.vms.map((v) => v.vm).filter((vm) => !left.includes(vm)).sort());
    // The partial failover ends with its own outcome, naming what it left behind; every VM's status stays in view.
    expect(op.outcome).toBe('completed-with-failures');
    for (const vm of left) expect(op.error).toContain(`${vm} not failed over`);
    expect(Object.keys(op.progress.vms).sort()).toEqual(schedule.vms.map((v) => v.vm).sort());
    expect(op.progress.vms[failing.vm]).toMatchObject({ status: 'failed', attempts: 1, lastError: expect.stringMatching(/^attempt 1, recover: .*INJECTED_FAULT/) });
    // Each VM record says where it runs, as the estate has it.
    const records = async () => (await t.http.get(`/v1/tenants/${tenant.id}/vms?limit=100`).set(t.auth()).expect(200)).body.items as { name: string; replicationState: string; site: { role: string } }[];
    const expectRecordsAsEstate = async () => {
      const atDrNow = new Set(await runningAtDr(tenant));
      for (const vm of await records()) {
        expect({ vm: vm.name, site: vm.site.role, failedOver: vm.replicationState === 'failed-over' })
          .toEqual({ vm: vm.name, site: atDrNow.has(vm.name) ? 'dr' : 'primary', failedOver: atDrNow.has(vm.name) });
      }
    };
    await expectRecordsAsEstate();
    // The failover's children answer under their ids as shown, '/' and all.
    const child = await t.http.get(`/v1/operations/${id}/fixup`).set(t.auth()).expect(200);
    expect(child.body).toMatchObject({ id: `${id}/fixup`, kind: 'fixup', status: 'completed' });
    const wave = await t.http.get(`/v1/operations/${id}/wave-0`).set(t.auth()).expect(200);
    expect(wave.body.progress.vms).toEqual(Object.fromEntries(Object.entries(op.progress.vms).filter(([vm]) => schedule.vms.find((v) => v.vm === vm)!.stage === 0)));
    await t.http.get(`/v1/operations/${id}/no-such-child`).set(t.auth()).expect(404);

    // The failed VM is recovered later, and its dependents with it: a follow-up failover of the VMs left at the primary.
    const tenantState = async () => (await t.http.get(`/v1/tenants/${tenant.id}`).set(t.auth()).expect(200)).body.state as string;
    expect(await tenantState()).toBe('failed-over');
    const followUp = (vms: string[]) => t.http.post('/v1/operations').set(t.auth()).send({ kind: 'failover', tenantId: tenant.id, vms });
    const atDr = schedule.vms.find((v) => !left.includes(v.vm))!.vm;
    expect((await followUp([atDr, failing.vm]).expect(409)).body.message).toContain(`already running at the DR site: ${atDr}`);
    if (dependents.size > 0) expect(JSON.stringify((await followUp([...dependents]).expect(422)).body)).toContain(`which is still at the primary: recover them together`);
    await t.http.post('/v1/operations').set(t.auth()).send({ kind: 'failover', tenantId: tenant.id }).expect(422);
    const second = (await followUp(left).expect(202)).body.operationId as string;
    const op2 = await until(second, ended);
    expect(op2.status).toBe('completed');
    expect(op2.result).toMatchObject({ status: 'failed-over', recovered: left.length, failed: [], blocked: [] });
    expect([op2.outcome, op2.error]).toEqual(['completed', null]);
    await expectRecordsAsEstate();
    expect(await tenantState()).toBe('failed-over');
    // The whole tenant runs at the DR site now, as the estate has it.
    expect(await runningAtDr(tenant)).toEqual(schedule.vms.map((v) => v.vm).sort());
    const recovers = await estate.control.ops({ tenant: tenant.name, system: 'inmage', op: 'recover', target: failing.vm });
    expect(recovers.map((r) => r.outcome === 'ok')).toEqual([false, true]);
  });

  it('a critical VM that fails pauses the wave; the operator retries it and resumes', async () => {
    const tenant = tenants[1];
    const schedule = schedules.get(tenant.name)!;
    const critical = schedule.vms.find((v) => v.critical)!;
    expect(critical).toBeDefined();
    await estate.control.fault({ system: 'inmage', op: 'recover', target: critical.vm, rate: 1, status: 400, times: 1 });
    const id = await start(tenant);
    const paused = await until(id, (op) => op.status === 'waiting' || ended(op));
    expect(paused.status).toBe('waiting');
    expect(paused.waitingFor).toMatch(new RegExp(`^critical VM ${critical.vm} failed at recover`));
    expect(paused.progress.activeWave.vms[critical.vm].status).toBe('failed');
    expect(paused.phase).toBe(`wait: ${paused.waitingFor}`);
    // One forecast: the plan's preview estimated what the operation started with, bound beside the estimate.
    const preview = previews.get(tenant.name)!;
    expect(paused.progress.forecast).toEqual({
      lowerBoundSeconds: preview.forecast.lowerBound, estimatedMakespanSeconds: preview.forecast.estimatedMakespan, stepDurations: preview.stepDurations,
    });
    expect(preview.forecast.lowerBound).toBeLessThanOrEqual(preview.forecast.estimatedMakespan);
    expect(paused.progress.vms[critical.vm]).toMatchObject({ status: 'failed', attempts: 1, lastError: expect.stringMatching(/^attempt 1, recover: /) });
    await expectEtaMovesWhileHeld(id, paused);

    // The wave running the VMs answers for them: a retry of a VM that has not failed would not take effect.
    const waveVms = paused.progress.activeWave.vms as Record<string, { status: string }>;
    const notFailed = Object.keys(waveVms).find((vm) => vm !== critical.vm)!;
    expect(notFailed).toBeDefined();
    expect((await command(id, `vms/${notFailed}/retry`).expect(409)).body.message).toMatch(new RegExp(`${notFailed} has not failed: it is (pending|running|recovered)`));
    // A VM of a later wave has not failed either.
    const later = schedule.vms.find((v) => v.stage > critical.stage);
    if (later) expect((await command(id, `vms/${later.vm}/retry`).expect(409)).body.message).toContain(`${later.vm} has not failed: its wave ${later.group} has not started`);
    const earlier = schedule.vms.find((v) => v.stage < critical.stage);
    // An earlier wave's VMs stay in view while a later wave runs.
    if (earlier) expect(paused.progress.vms[earlier.vm].status).toBe('recovered');
    if (earlier) expect((await command(id, `vms/${earlier.vm}/retry`).expect(409)).body.message).toContain(`${earlier.vm} has not failed: it is recovered`);
    await t.http.post(`/v1/operations/${encodeURIComponent(id)}/vms/no-such-vm/retry`).set(t.auth()).send({}).expect(422);
    await t.http.post(`/v1/operations/${encodeURIComponent(id)}/vms/${critical.vm}/retry`).set(t.auth()).send({ comment: 'storage fixed' }).expect(200);
    await t.http.post(`/v1/operations/${encodeURIComponent(id)}/resume`).set(t.auth()).send({}).expect(200);
    const op = await until(id, ended);
    expect(op.status).toBe('completed');
    expect(op.result).toMatchObject({ status: 'failed-over', recovered: schedule.vms.length });
    expect(op.outcome).toBe('completed');
    expect(op.progress.vms[critical.vm]).toMatchObject({ status: 'recovered', attempts: 2, lastError: expect.stringMatching(/^attempt 1, recover: /) });
    // The retry was a new attempt: one failed and one successful recover call, each under its own key.
    const recovers = await estate.control.ops({ tenant: tenant.name, system: 'inmage', op: 'recover', target: critical.vm });
    expect(recovers.filter((e) => e.outcome === 'ok')).toHaveLength(1);
    expect(new Set(recovers.map((e) => e.idempotencyKey)).size).toBe(2);
    await recordHistory(e.tw.client.workflow.getHandle(id), 'failover-critical-retry');
    await recordHistory(e.tw.client.workflow.getHandle(`${id}/wave-${schedule.stages[critical.stage].index}`), 'failover-critical-retry-wave');
  });

  it('a pause holds the next wave; an approved gate lets its wave go; skip and abort at the last gate', async () => {
    const tenant = tenants[2];
    const schedule = schedules.get(tenant.name)!;
    const dataSource = e.dataSource;
    const [previousWave, lastWave] = schedule.stages.slice(-2).map((s) => s.group);
    for (const name of [previousWave, lastWave]) await dataSource.manager.update(RecoveryPlanGroupEntity, { planId: tenant.planId, name }, { approvalRequired: true });
    const id = await start(tenant);
    const waiting = await until(id, (op) => op.waitingFor === `approval before wave ${previousWave}` || ended(op));
    expect(waiting.status).toBe('waiting');
    await t.http.post(`/v1/operations/${encodeURIComponent(id)}/approve`).set(t.auth()).send({ gate: 'no-such-wave' }).expect(422);
    // A VM already recovered cannot be skipped, nor retried: refused, saying why, and nothing changes.
    const recoveredVm = schedule.stages[0].vms[0];
    expect((await command(id, `vms/${recoveredVm}/skip`).expect(409)).body.message).toContain(`${recoveredVm} is already recovered`);
    expect((await command(id, `vms/${recoveredVm}/retry`).expect(409)).body.message).toContain(`${recoveredVm} has not failed: it is recovered`);

    // Paused at the gate, then approved: the approved wave runs, and the pause holds the one after it.
    await command(id, 'pause').expect(200);
    await command(id, 'approve').expect(200);
    const held = await until(id, (op) => /^paused by /.test(String(op.waitingFor)) || ended(op));
    expect(held.waitingFor).toMatch(new RegExp(`^paused by .*; resume to start wave ${lastWave}$`));
    await expectEtaMovesWhileHeld(id, held);
    const lastWaveVms = schedule.stages[schedule.stages.length - 1].vms;
    const recoveredSoFar = await estate.control.ops({ tenant: tenant.name, system: 'inmage', op: 'recover', outcome: 'ok' });
    for (const vm of schedule.stages[schedule.stages.length - 2].vms) expect(recoveredSoFar.some((e) => e.target === vm)).toBe(true);
    for (const vm of lastWaveVms) expect(recoveredSoFar.some((e) => e.target === vm)).toBe(false);

    const lastVm = lastWaveVms[0];
    await t.http.post(`/v1/operations/${encodeURIComponent(id)}/vms/${lastVm}/skip`).set(t.auth()).send({}).expect(200);
    expect((await command(id, `vms/${lastVm}/skip`).expect(409)).body.message).toContain(`${lastVm} is already skipped`);
    await command(id, 'resume').expect(200);
    expect((await until(id, (op) => op.waitingFor === `approval before wave ${lastWave}` || ended(op))).status).toBe('waiting');
    await t.http.post(`/v1/operations/${encodeURIComponent(id)}/abort`).set(t.auth()).send({ comment: 'customer decided to wait' }).expect(200);
    const op = await until(id, ended);
    expect(op.status).toBe('cancelled');
    expect(op.error).toMatch(/^aborted by /);
    const recovered = await estate.control.ops({ tenant: tenant.name, system: 'inmage', op: 'recover', outcome: 'ok' });
    for (const vm of lastWaveVms) expect(recovered.some((e) => e.target === vm)).toBe(false);
    await t.http.post(`/v1/operations/${encodeURIComponent(id)}/resume`).set(t.auth()).send({}).expect(409);
    await recordHistory(e.tw.client.workflow.getHandle(id), 'failover-pause-gate-skip-abort');
  });
});
