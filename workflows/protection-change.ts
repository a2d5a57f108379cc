import { ApplicationFailure, CancellationScope, isCancellation, patched, proxyActivities, setHandler, uuid4, workflowInfo } from '@temporalio/workflow';
import type { LifelineActivities } from '../activities';
import { blockingCall, inventoryWrite, longPoll, quickCall } from './activity-options';
import { untilAllDone } from './batch';
import { Compensations } from './compensation';
import {
  abortUpdate, type DrControlPlaneRecord, type DrManagementIpRecord, type DrProtectionPlanRecord, type OperatorAction, type ProtectionChangeInput,
  type VmProtectionRecord,
} from './contracts';
import { buildControlPlane, waitForDifferentialSync } from './onboarding';
import { OperationTracker } from './operation-tracker';
import { MAPPED_DR_ADDRESSES } from './provisioning';
import { mappedOwner } from '../domain/ip-mapping';
import { TenantClaim } from './tenant-claim';

const act = proxyActivities<LifelineActivities>(quickCall);
/** Calls that block on a slow system (an ASA context, an InMage readiness check or plan removal) and heartbeat while they wait. */
const blocking = proxyActivities<LifelineActivities>(blockingCall);
const waits = proxyActivities<LifelineActivities>(longPoll);
const inv = proxyActivities<LifelineActivities>(inventoryWrite);

export interface ProtectionChangeResult {
  added: string[];
  removed: string[];
  /** Plans rebuilt without the removed VMs (their remaining VMs resynced). */
  rebuiltPlans: string[];
  newPlans: string[];
  maxRpoSeconds: number | null;
}

/**
 * Changing a protected tenant's protection: added VMs get a DR management IP, master-target capacity (new
 * master targets and plans sized for them, a process server with room or a new one) and protection, and are
 * waited on until Differential Sync; removed VMs stop replicating and their IPs are released. InMage
 * changes a plan's servers only by re-creating it, so a plan that loses VMs is rebuilt with the rest (they
 * resync) and a plan left empty gives its master target back. Adds are undone if they fail.
 */
export async function protectionChange(input: ProtectionChangeInput): Promise<ProtectionChangeResult> {
  const id = workflowInfo().workflowId;
  const key = (step: string) => `${id}:${step}`;
  const tracker = new OperationTracker('protection-change', input.tenantId, input.request);
  const claim = TenantClaim.own(input.tenantId);
  const undo = new Compensations();
  const main = new CancellationScope();
  let aborted: OperatorAction | null = null;
  let closed = false;

  setHandler(
    abortUpdate,
    (a) => {
      aborted = a;
      main.cancel();
      return { accepted: true, detail: `aborted by ${a.by}; undoing the additions` };
    },
    {
      validator: (_a: OperatorAction) => {
        if (closed) throw new Error('the operation has already finished');
      },
    },
  );

  const run = async (): Promise<ProtectionChangeResult> => {
    const add = input.protection.add ?? [];
    const remove = input.protection.remove ?? [];
    await claim.take();
    const facts = await inv.loadOnboardingFacts({ tenantId: input.tenantId });
    const container = await inv.loadDrContainer({ tenantId: input.tenantId });
    if (!container?.controlPlane) throw ApplicationFailure.nonRetryable(`tenant ${facts.tenant.name} has no DR container with a control plane: onboard it first`, 'NotOnboarded');
    const t = facts.tenant.name;
    const byName = new Map(facts.vms.map((v) => [v.name, v]));
    const problems = [
      ...add.filter((n) => !byName.has(n) || byName.get(n)?.replicationState !== 'unprotected').map((n) => `${n} cannot be added (unknown or already protected)`),
      ...remove.filter((n) => !byName.has(n) || byName.get(n)?.replicationState === 'unprotected').map((n) => `${n} cannot be removed (unknown or not protected)`),
    ];
    if (problems.length > 0) throw ApplicationFailure.nonRetryable(problems.join('; '), 'BadProtectionChange');
    tracker.setProgress({ tenant: t, adding: add.length, removing: remove.length });
    await tracker.publish();

    // Added workload VMs take their mapped DR address (management VMs a set-aside one); refused before acting.
    const mapped = patched(MAPPED_DR_ADDRESSES) ? await act.planDrAddresses({ tenantId: input.tenantId }) : null;
    const unplaced = (mapped?.problems ?? []).filter((p) => add.includes(p.vm));
    if (unplaced.length > 0) throw ApplicationFailure.nonRetryable(`the IP mapping places no DR address for ${unplaced.map((p) => `${p.vm}: ${p.reason}`).join('; ')}`, 'IpMappingIncomplete', unplaced);
    const addedAddresses = (mapped?.addresses ?? []).filter((a) => add.includes(a.vm));
    const setAsideFor = mapped ? add.filter((n) => byName.get(n)?.role === 'management') : add;

    let plane: DrControlPlaneRecord = container.controlPlane;
    let managementIps: DrManagementIpRecord[] = container.managementIps;
    const poolId = managementIps[0]?.poolId ?? (await act.findIpPool({ site: facts.drSite.name, purpose: 'management' }))?.poolId;
    if (!poolId) throw ApplicationFailure.nonRetryable(`no management IP pool at ${facts.drSite.name}`, 'NoManagementPool');
    const newPlans: DrProtectionPlanRecord[] = [];

    if (add.length > 0) {
      undo.add('DR management IPs of the added VMs', () => waits.releaseDrIps({ poolId, tenant: t, owners: setAsideFor, keyPrefix: key('undo:mgmt-ip') }));
      const reserved = await tracker.step(
        'reserve DR management IPs',
        () => untilAllDone('reserving DR management IPs', setAsideFor, (items) => waits.reserveDrIps({ poolId, tenant: t, owners: items, purpose: 'dr-management', keyPrefix: key('mgmt-ip') })),
        (r) => ({ reserved: r.length }),
      );
      managementIps = [...managementIps, ...reserved.map((r) => ({ vm: r.owner, address: r.address, poolId }))];
      if (mapped) {
        const owners = addedAddresses.map((a) => a.owner);
        undo.add('mapped DR addresses of the added VMs', () => waits.releaseMappedIps({ tenant: t, site: facts.drSite.name, owners, keyPrefix: key('undo:mapped-ip') }));
        await tracker.step(
          'reserve mapped DR addresses',
          () => untilAllDone('reserving mapped DR addresses', addedAddresses, (items) => waits.reserveMappedIps({ tenant: t, site: facts.drSite.name, addresses: items, keyPrefix: key('mapped-ip') })),
          (r) => ({ reserved: r.length }),
        );
      }
      const existingProcessServers = await act.listProcessServers({ tenant: t });
      const part = await buildControlPlane({
        t,
        vms: add,
        drillsEnabled: plane.drillsEnabled,
        prefix: `${t}-${uuid4().slice(0, 4)}`,
        key,
        tracker,
        undo,
        existingCx: true,
        existingProcessServers,
      });
      newPlans.push(...part.plans);
      plane = { ...plane, controlServers: [...plane.controlServers, ...part.controlServers], plans: [...plane.plans, ...part.plans] };
    }

    const rebuilt: DrProtectionPlanRecord[] = [];
    if (remove.length > 0) {
      const gone = new Set(remove);
      const serverId = new Map(plane.controlServers.map((c) => [c.hostname, c]));
      const affected = plane.plans.filter((p) => p.servers.some((s) => gone.has(s)));
      const decommissioned: string[] = [];
      await tracker.step(
        'unprotect removed VMs',
        async () => {
          for (const p of affected) {
            await blocking.deleteProtectionPlan({ tenant: t, planId: p.id, name: p.name, idempotencyKey: key(`delete-plan:${p.name}`) });
            const rest = p.servers.filter((s) => !gone.has(s));
            if (rest.length > 0) {
              const plan = await act.createProtectionPlan({
                tenant: t,
                name: p.name,
                masterTargetId: serverId.get(p.masterTarget)?.controlServerId as string,
                processServerId: serverId.get(p.processServer)?.controlServerId as string,
                servers: rest,
                drillsEnabled: plane.drillsEnabled,
                idempotencyKey: key(`replan:${p.name}`),
              });
              rebuilt.push({ ...p, id: plan.id, servers: rest });
            } else {
              const mt = serverId.get(p.masterTarget);
              if (mt) await waits.decommissionControlServer({ clmGuid: mt.clmGuid, idempotencyKey: key(`decommission:${mt.hostname}`) });
              decommissioned.push(p.masterTarget);
            }
          }
        },
        () => ({ rebuilt: rebuilt.map((p) => p.name), decommissioned }),
      );
      const affectedNames = new Set(affected.map((p) => p.name));
      plane = {
        ...plane,
        controlServers: plane.controlServers.filter((c) => !decommissioned.includes(c.hostname)),
        plans: [...plane.plans.filter((p) => !affectedNames.has(p.name)), ...rebuilt],
      };
      await tracker.step('release DR management IPs', () => waits.releaseDrIps({ poolId, tenant: t, owners: remove, keyPrefix: key('release-ip') }));
      if (mapped) {
        const owners = remove.flatMap((vm) => (byName.get(vm)?.primaryIps ?? []).map((_, i) => mappedOwner(vm, i)));
        await tracker.step('release mapped DR addresses', () => waits.releaseMappedIps({ tenant: t, site: facts.drSite.name, owners, keyPrefix: key('release-mapped-ip') }));
      }
      managementIps = managementIps.filter((m) => !gone.has(m.vm));
      await inv.recordVmProtection({
        tenantId: input.tenantId,
        vms: remove.map((vm) => ({ vm, replicationState: 'unprotected', rpoLagSeconds: null, masterTarget: null, drIps: null, drHostname: null })),
      });
    }

    await inv.recordDrContainer({ record: { ...container, managementIps, controlPlane: plane }, operationId: id });
    const watched = [...newPlans, ...rebuilt];
    const vms = watched.flatMap((p) => p.servers);
    const ip = new Map(managementIps.map((m) => [m.vm, m.address]));
    for (const [vm, addresses] of Object.entries(facts.drAddresses ?? {})) if (!ip.has(vm)) ip.set(vm, addresses[0]);
    const record = (state: VmProtectionRecord['replicationState'], rpo: Map<string, number | null>): VmProtectionRecord[] =>
      watched.flatMap((p) =>
        p.servers.map((vm) => ({
          vm,
          replicationState: state,
          rpoLagSeconds: rpo.get(vm) ?? null,
          masterTarget: p.masterTarget,
          drIps: ip.has(vm) ? [ip.get(vm) as string] : null,
          drHostname: byName.get(vm)?.primaryHostname ?? null,
        })),
      );
    let maxRpo: number | null = null;
    if (vms.length > 0) {
      await inv.recordVmProtection({ tenantId: input.tenantId, vms: record('resyncing', new Map()) });
      const rpo = await waitForDifferentialSync(t, vms, Math.min(3600, Math.max(0.05, input.statusPollSeconds ?? 60)), tracker, input.syncWaitHistorySoftLimit);
      await tracker.step('record protection per VM', () => inv.recordVmProtection({ tenantId: input.tenantId, vms: record('differential-sync', rpo) }));
      const rpos = [...rpo.values()].filter((x): x is number => x !== null);
      maxRpo = rpos.length ? Math.max(...rpos) : null;
    }
    return { added: add, removed: remove, rebuiltPlans: rebuilt.map((p) => p.name), newPlans: newPlans.map((p) => p.name), maxRpoSeconds: maxRpo };
  };

  try {
    const result = await main.run(run);
    closed = true;
    await claim.release();
    await tracker.complete(result);
    return result;
  } catch (err) {
    closed = true;
    await CancellationScope.nonCancellable(async () => {
      tracker.setPhase('undoing');
      const failed = await undo.run(tracker);
      if (failed.length > 0) tracker.setProgress({ undoFailed: failed });
      await claim.release();
      const why = aborted ? new Error(`aborted by ${(aborted as OperatorAction).by}`) : err;
      await tracker.fail(why, aborted !== null || isCancellation(err));
    });
    throw err;
  }
}
