import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { DEFAULT_READ_TIMEOUT_MS } from '../../infra/clients/call-classes';
import type { OpEntry } from '../clients/estate-fixture';
import { ended, startDrEstate, type DrEstate, type OperationBody } from '../support/dr-estate';

/**
 * REAL LATENCY (about 9 minutes; `npm run test:real-latency` runs it alone, `npm test` with the rest).
 *
 * A small tenant fails over and fails back with the simulator at time scale 1: every synchronous call takes its
 * real-world time (vCenter power-on 45 s, re-IP 30 s, InMage readiness 20 s, a monitoring agent install 60 s...)
 * and the clients keep their production timeouts. Only the long jobs and the guest boot are shortened, so the run
 * stays bounded. The recorded histories must show no activity attempt that timed out, and the simulator's ops log
 * each side effect done once: at compressed time scales a blocking call that outlives its heartbeat timeout goes
 * unnoticed, and the simulator's idempotency store hides the repeated calls it causes.
 */

/** Jobs (accepted at once, polled) and lazily computed phases, shortened to a few seconds; nothing else. */
const SHORTENED_MS: Record<string, number> = {
  'inmage.recover': 3_000,
  'inmage.failbackProtect': 3_000,
  'inmage.createPlan': 3_000,
  'inmage.resumeProtection': 3_000,
  'inmage.resyncStep1': 3_000,
  'inmage.resyncStep2': 2_000,
  'inmage.replicationLag': 3_000,
  'inmage.pushAgent': 3_000,
  'inmage.drillSnapshot': 3_000,
  'inmage.deleteDrillSnapshot': 3_000,
  'compute.guestBoot': 3_000,
  'discovery.runDiscovery': 3_000,
};

const { EventType } = temporal.api.enums.v1;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const RUN_LIMIT_MS = 5 * 60_000;

describe('[real latency, ~9 min] failover and failback with every synchronous call at its real-world duration', () => {
  let e: DrEstate;

  beforeAll(async () => {
    e = await startDrEstate(
      'real-latency',
      { tenants: 1, vmsPerTenant: 3, managementVmsPerTenant: 0, waveConcurrency: 3 },
      { timeScale: 1, callTimeouts: { timeoutMs: DEFAULT_READ_TIMEOUT_MS } },
    );
  });
  afterAll(async () => e?.close());

  /** Waits for the operation; one that does not get there in time fails naming the activities it keeps retrying, and why. */
  const settle = async (id: string, done: (op: OperationBody) => boolean): Promise<OperationBody> => {
    try {
      return await e.until(id, done, RUN_LIMIT_MS);
    } catch (err) {
      const retrying = await retryingActivities(e.tw.client, id);
      throw new Error(`${retrying.join('; ') || 'no activity retrying'}; ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  it('no activity attempt times out, and each re-IP, power-on and recovery happens once per VM', async () => {
    const { t, estate } = e;
    const [tenant] = e.tenants;
    const vms = ((await t.http.get(`/v1/tenants/${tenant.id}/vms?limit=1000`).set(t.auth()).expect(200)).body.items as { name: string }[]).map((v) => v.name).sort();
    expect(vms).toHaveLength(3);
    // One wave, all three at once: the shortest plan that still runs every step at real speed.
    await t.http.put(`/v1/recovery-plans/${tenant.planId}`).set(t.auth()).send({ name: 'default', groups: [{ name: 'all', vms, maxConcurrency: 3 }], dependencies: [] }).expect(200);
    // Every management service at one restore priority: the fix-up restores them side by side.
    const services = (await t.http.get(`/v1/tenants/${tenant.id}/management-services`).set(t.auth()).expect(200)).body as { id: string }[];
    for (const s of services) await t.http.patch(`/v1/management-services/${s.id}`).set(t.auth()).send({ restorePriority: 10 }).expect(200);
    const latency = await estate.control.request<{ timeScale: number }>('PUT', '/_sim/latency', { ops: SHORTENED_MS });
    expect(latency).toMatchObject({ status: 200, body: { timeScale: 1 } });

    const fo = (await t.http.post('/v1/operations').set(t.auth()).send({ kind: 'failover', tenantId: tenant.id, requestId: 'real-latency-fo' }).expect(202)).body.operationId as string;
    const foOp = await settle(fo, ended);
    expect({ status: foOp.status, error: foOp.error ?? null }).toEqual({ status: 'completed', error: null });
    const afterFailover = await estate.control.ops({ tenant: tenant.name });

    const fb = (await t.http.post('/v1/operations').set(t.auth()).send({ kind: 'failback', tenantId: tenant.id, requestId: 'real-latency-fb', statusPollSeconds: 1 }).expect(202)).body.operationId as string;
    const atWindow = await settle(fb, (op) => ended(op) || (op.status === 'waiting' && String(op.waitingFor).includes('maintenance window')));
    expect(atWindow.status).toBe('waiting');
    await t.http.post(`/v1/operations/${encodeURIComponent(fb)}/approve`).set(t.auth()).send({ comment: 'window open' }).expect(200);
    const fbOp = await settle(fb, ended);
    expect({ status: fbOp.status, error: fbOp.error ?? null }).toEqual({ status: 'completed', error: null });
    const all = await estate.control.ops({ tenant: tenant.name });

    // The histories of both operations and every child they ran: no attempt of any activity timed out.
    const timedOut: string[] = [];
    let activities = 0;
    for (const run of [...(await histories(e.tw.client, fo)), ...(await histories(e.tw.client, fb))]) {
      const scheduled = new Map<string, string>();
      for (const ev of run.events) {
        const id = String(ev.eventId);
        if (ev.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) scheduled.set(id, ev.activityTaskScheduledEventAttributes?.activityType?.name ?? '?');
        const name = (eventId: unknown) => `${run.workflowId}: ${scheduled.get(String(eventId)) ?? '?'}`;
        if (ev.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT) timedOut.push(`${name(ev.activityTaskTimedOutEventAttributes?.scheduledEventId)} timed out`);
        if (ev.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
          activities += 1;
          const a = ev.activityTaskStartedEventAttributes!;
          if ((a.attempt ?? 1) > 1 && a.lastFailure?.timeoutFailureInfo) {
            timedOut.push(`${name(a.scheduledEventId)} attempt ${a.attempt} after a ${temporal.api.enums.v1.TimeoutType[a.lastFailure.timeoutFailureInfo.timeoutType ?? 0]}`);
          }
        }
      }
    }
    expect(activities).toBeGreaterThan(20);
    expect(timedOut).toEqual([]);

    // The estate: each VM recovered, re-addressed and powered on once in each direction, with no call
    // sent twice (a repeat would show as a second entry, or as one the simulator replayed or joined).
    const lastFailoverSeq = Math.max(...afterFailover.map((o) => o.seq));
    const failbackOps = all.filter((o) => o.seq > lastFailoverSeq);
    for (const [direction, ops] of [['failover', afterFailover], ['failback', failbackOps]] as const) {
      for (const vm of vms) {
        const calls = (system: string, op: string) => ops.filter((o) => o.system === system && o.op === op && o.target === vm).map((o) => o.outcome);
        // Back at the primary a VM may already have its own identity (startVm reads it first): no re-IP then.
        const reIp = calls('compute', 'reconfigureNetwork');
        expect({ direction, vm, recover: calls('inmage', 'recover'), reIp, powerOn: calls('compute', 'powerOn') })
          .toEqual({ direction, vm, recover: ['ok'], reIp: direction === 'failback' && reIp.length === 0 ? [] : ['ok'], powerOn: ['ok'] });
      }
    }
    expect(all.filter((o) => o.outcome === 'replayed' || o.outcome === 'timeout').map(describeOp)).toEqual([]);
    process.stdout.write(`real latency: failover ${seconds(foOp)} s (${stepTimes(foOp)}), failback ${seconds(fbOp)} s (${stepTimes(fbOp)}), ${activities} activities, ${all.length} calls\n`);
  }, 13 * 60_000);
});

function describeOp(o: OpEntry): string {
  return `${o.system}.${o.op} ${o.target ?? ''} ${o.outcome} (${o.idempotencyKey ?? 'no key'})`;
}

function stepTimes(op: OperationBody): string {
  return (op.steps as { name: string; durationMs?: number }[]).map((s) => `${s.name} ${Math.round((s.durationMs ?? 0) / 1000)} s`).join('; ');
}

function seconds(op: OperationBody): string {
  return Number((op.result as { makespanSeconds?: number } | null)?.makespanSeconds ?? NaN).toFixed(0);
}

/** The activities of a running workflow and its running children past their first attempt, with their last failure. */
async function retryingActivities(client: Client, workflowId: string): Promise<string[]> {
  const { raw } = await client.workflow.getHandle(workflowId).describe();
  const out = (raw.pendingActivities ?? [])
    .filter((a) => (a.attempt ?? 1) > 1)
    .map((a) => `${workflowId}: ${a.activityType?.name} attempt ${a.attempt} (${a.lastFailure?.message ?? 'no failure recorded'})`);
  for (const child of raw.pendingChildren ?? []) if (child.workflowId) out.push(...(await retryingActivities(client, child.workflowId)));
  return out;
}

/** Every run of a workflow and of the children it started (runs continued as new followed), with their events. */
async function histories(client: Client, workflowId: string, runId?: string): Promise<{ workflowId: string; events: HistoryEvent[] }[]> {
  const out: { workflowId: string; events: HistoryEvent[] }[] = [];
  const events = (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
  out.push({ workflowId, events });
  for (const ev of events) {
    const child = ev.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
    if (child?.workflowId) out.push(...(await histories(client, child.workflowId, child.runId ?? undefined)));
    const next = ev.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    if (next) out.push(...(await histories(client, workflowId, next)));
  }
  return out;
}
