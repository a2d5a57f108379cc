import type { WorkflowHandle } from '@temporalio/client';
import { onboarding } from '../../workflows';
import { abortUpdate, progressQuery, workflowIds, type OperationView } from '../../workflows/contracts';
import { callInFlightAt, simNow } from '../support/call-in-flight';
import { estateOf } from '../support/estate-snapshot';
import { openTestInventory, type TestInventory } from '../support/inventory';
import { startTestWorker, type TestWorker } from '../support/worker';
import { seedInventory, seedSimTenants, startOnboardingEstate, TIME_SCALE, type OnboardingEstate } from './onboarding-fixture';

/**
 * One step of onboarding a Bronze tenant (every step of the runbook runs for that tier), held long enough
 * to abort it: by the provider's approval, or by a slow job or phase of the simulator (real-world ms in
 * `/_sim/latency`, so the resource exists, pending, when the abort comes), or by a slow synchronous create
 * (`call`: the abort lands while the call is in flight, and the resource appears only when it answers).
 * `inChild`: a step of the container's pre-provisioning child.
 */
interface HeldStep {
  step: string;
  hold?: Record<string, number>;
  call?: { system: string; op: string };
  inChild?: boolean;
  approval?: boolean;
}

/** About 10 s at the test's time scale: far longer than it takes to see the step and abort it. */
const HELD_MS = 10_000 / TIME_SCALE;
/** A synchronous create answers after about 3 s: the abort comes 1 s into it. */
const IN_FLIGHT_MS = 3_000 / TIME_SCALE;
const ABORT_INTO_CALL_MS = 1_000;
const during = (step: string, system: string, op: string, inChild = false): HeldStep => ({ step, call: { system, op }, hold: { [`${system}.${op}`]: IN_FLIGHT_MS }, inChild });

const STEPS: HeldStep[] = [
  { step: 'wait: approval of the network container', inChild: true, approval: true },
  { step: 'provision network container', inChild: true, hold: { 'clm.createContainer': HELD_MS } },
  { step: 'add DR VLAN for the InMage servers', inChild: true, hold: { 'bna.createVlan': HELD_MS } },
  during('create ASA VPN context', 'asa', 'createContext', true),
  during('configure IPsec VPN', 'asa', 'createTunnel', true),
  during('reserve DR management IPs', 'bna', 'reserveIp', true),
  during('reserve mapped DR addresses', 'bna', 'reserveIp', true),
  { step: 'create firewall network paths', inChild: true, hold: { 'clm.createNetworkPath': HELD_MS } },
  { step: 'create load-balancer VIPs', inChild: true, hold: { 'clm.createLoadBalancerPool': HELD_MS } },
  { step: 'verify IPsec tunnel', hold: { 'asa.tunnelUp': HELD_MS } },
  { step: 'order the InMage control plane from CLM', hold: { 'clm.provisionServiceOffering': HELD_MS } },
  { step: 'push Scout agents', hold: { 'inmage.pushAgent': HELD_MS } },
  { step: 'readiness checks', hold: { 'inmage.readinessCheck': HELD_MS } },
  { step: 'wait: every pair in Differential Sync', hold: { 'inmage.resyncStep1': HELD_MS } },
];

describe('onboarding aborted at each step leaves the estate as it was', () => {
  let estate: OnboardingEstate;
  let inventory: TestInventory;
  let tw: TestWorker;

  beforeAll(async () => {
    // Call timeouts beyond the slow creates, so the call the abort lands in is the only one.
    estate = await startOnboardingEstate(TIME_SCALE, {}, { timeoutMs: 10_000, sideEffectTimeoutMs: 10_000, slowTimeoutMs: 10_000 });
    inventory = await openTestInventory('sqlite');
    tw = await startTestWorker({ dataSource: inventory.dataSource, clients: estate.clients, estateEndpoints: [] }, 'onboarding-abort');
  });

  afterAll(async () => {
    await tw?.stop();
    await inventory?.close();
    await estate?.close();
  });

  const view = (h: WorkflowHandle): Promise<OperationView> => h.query(progressQuery);

  /** Polls the workflow that runs `s` until that step is under way. */
  const until = async (h: WorkflowHandle, s: HeldStep): Promise<void> => {
    for (let i = 0; i < 600; i++) {
      try {
        const v = await view(h);
        if (v.steps.some((x) => x.name === s.step && (x.status === 'running' || x.status === 'waiting'))) return;
      } catch {
        // The child has not started yet.
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`step ${s.step} never started`);
  };

  it.each(STEPS.map((s, i) => [s.step, s, i] as const))('aborted at "%s"', async (_name, s, i) => {
    await estate.control.reset();
    const name = `tailspin${i}`;
    const [t] = await seedSimTenants(estate.control, [{ id: name, vms: 4, managementVms: 1, tier: 'Bronze' }]);
    const ids = await seedInventory(inventory.dataSource, [t], { autoApproveContainers: !s.approval, approvalReminderSeconds: 3600, approvalEscalationSeconds: 7200 });
    const tenantId = ids.get(name) as string;
    if (s.hold) {
      const res = await estate.control.request('PUT', '/_sim/latency', { ops: s.hold });
      expect(res.status).toBe(200);
    }
    const before = estateOf(await estate.control.state(name));

    const workflowId = workflowIds.operation('onboarding', tenantId, `abort-${i}`);
    const handle = await tw.client.workflow.start(onboarding, {
      taskQueue: tw.taskQueue,
      workflowId,
      args: [{ tenantId, request: { requestedBy: 'test', requestId: `abort-${i}` }, statusPollSeconds: 0.2 }],
    });
    await until(s.inChild ? tw.client.workflow.getHandle(workflowIds.child(workflowId, 'provisioning')) : handle, s);
    if (s.call) await new Promise((r) => setTimeout(r, ABORT_INTO_CALL_MS));
    const abortedAt = await simNow(estate.control);
    await handle.executeUpdate(abortUpdate, { args: [{ by: 'ops-lead' }] });
    await expect(handle.result()).rejects.toThrow();
    // The create the abort landed in has answered (and made its resource) before the estate is read.
    if (s.call) await callInFlightAt(estate.control, { ...s.call, tenant: name }, abortedAt);
    const v = await view(handle);
    expect(v.status).toBe('cancelled');
    expect(v.steps.filter((x) => x.status === 'failed' && x.name.startsWith('undo: '))).toEqual([]);
    // Whatever was still pending when the abort came (a job, a phase) finishes before the estate is read.
    await estate.control.advance(2 * HELD_MS * TIME_SCALE);

    expect(estateOf(await estate.control.state(name))).toEqual(before);
  });
});
