import { callInFlightAt, simNow } from '../support/call-in-flight';
import { estateOf } from '../support/estate-snapshot';
import { ended, startDrEstate, type DrEstate, type OperationBody } from '../support/dr-estate';

const TIME_SCALE = 0.0005;
/** About 10 s at the test's time scale: far longer than it takes to see the step and abort it. */
const HELD_MS = 10_000 / TIME_SCALE;

/** A synchronous call answers after about 3 s: the abort comes 1 s into it. */
const IN_FLIGHT_MS = 3_000 / TIME_SCALE;
const ABORT_INTO_CALL_MS = 1_000;

/**
 * The steps of a failback before the DR VMs stop that can be held so as to abort them: a slow phase of the
 * simulator, the gate, or a slow synchronous call of failback protection (`call`: the abort lands while the
 * failback master target's registration is in flight, and it appears only when that answers).
 */
const STEPS: { step: string; hold?: Record<string, number>; call?: { system: string; op: string } }[] = [
  { step: 'failback protection (DR → primary)', hold: { 'inmage.registerControlServer': IN_FLIGHT_MS }, call: { system: 'inmage', op: 'registerControlServer' } },
  { step: 'wait: failback replication to reach Differential Sync', hold: { 'inmage.resyncStep1': HELD_MS } },
  { step: 'wait: approval of the maintenance window' },
];

/**
 * A failback aborted at any step before the DR VMs stop (the maintenance-window gate included) removes its
 * failback plans and control servers: the tenant's estate is as it was, failed over and running at the DR site.
 */
describe('failback aborted at each step leaves the estate as it was', () => {
  let e: DrEstate;

  beforeAll(async () => {
    e = await startDrEstate('failback-abort', { tenants: STEPS.length, vmsPerTenant: 3, managementVmsPerTenant: 1, waveConcurrency: 2 }, { timeScale: TIME_SCALE });
    const failovers = await Promise.all(e.tenants.map(async (tenant) =>
      (await e.t.http.post('/v1/operations').set(e.t.auth()).send({ kind: 'failover', tenantId: tenant.id, requestId: 'fo-1' }).expect(202)).body.operationId as string));
    for (const id of failovers) expect((await e.until(id, ended)).status).toBe('completed');
  });
  afterAll(async () => e?.close());

  const under = (name: string) => (op: OperationBody) => op.steps.some((s) => s.name === name && (s.status === 'running' || s.status === 'waiting')) || ended(op);

  it.each(STEPS.map((s, i) => [s.step, s, i] as const))('aborted at "%s"', async (_name, s, i) => {
    const tenant = e.tenants[i];
    const { t, estate } = e;
    await estate.control.request('PUT', '/_sim/latency', { ops: s.hold ?? {} });
    const before = estateOf(await estate.control.state(tenant.name));

    const id = (await t.http.post('/v1/operations').set(t.auth()).send({ kind: 'failback', tenantId: tenant.id, requestId: `fb-abort-${i}`, statusPollSeconds: 1 }).expect(202)).body.operationId as string;
    expect((await e.until(id, under(s.step))).status).not.toMatch(/completed|failed|cancelled/);
    if (s.call) await new Promise((r) => setTimeout(r, ABORT_INTO_CALL_MS));
    const abortedAt = await simNow(estate.control);
    await t.http.post(`/v1/operations/${encodeURIComponent(id)}/abort`).set(t.auth()).send({}).expect(200);
    const op = await e.until(id, ended);
    expect(op.status).not.toBe('completed');
    expect(op.steps.filter((x) => String(x.name).startsWith('undo: ') && x.status !== 'compensated')).toEqual([]);
    expect((await t.http.get(`/v1/tenants/${tenant.id}`).set(t.auth()).expect(200)).body.state).toBe('failed-over');

    // Whatever was still pending when the abort came finishes before the estate is read.
    if (s.call) await callInFlightAt(estate.control, { ...s.call, tenant: tenant.name }, abortedAt);
    await estate.control.request('PUT', '/_sim/latency', { ops: Object.fromEntries(Object.keys(s.hold ?? {}).map((k) => [k, 0])) });
    await estate.control.advance(2 * HELD_MS * TIME_SCALE);
    expect(estateOf(await estate.control.state(tenant.name))).toEqual(before);
  });
});
