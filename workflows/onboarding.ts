import {
  ApplicationFailure, CancellationScope, executeChild, getExternalWorkflowHandle, isCancellation, patched, setHandler, sleep, workflowInfo,
} from '@temporalio/workflow';
import type { ControlServerOffering } from '../infra/clients/clm';
import { sizeControlPlane, type MasterTargetSizing } from '../domain/inmage-sizing';
import { assignProcessServers, osFamilyOf } from '../domain/onboarding';
import { untilAllDone } from './batch';
import { Compensations } from './compensation';
import { differentialSyncWait } from './differential-sync-wait';
import {
  abortUpdate, approveUpdate, containerApprovalSignal, provisioningStatusSignal, searchAttributes, workflowIds, PROVISIONING_WORKFLOW,
  type ApprovalAction, type DrContainerRecord, type DrControlPlaneRecord, type DrControlServerRecord, type DrProtectionPlanRecord, type OnboardingInput,
  type OnboardingResult, type OperationKind, type OperatorAction, type ProvisioningInput, type VmProtectionRecord,
} from './contracts';
import { errorText, OperationTracker } from './operation-tracker';
import { containerUndoSteps, MAPPED_DR_ADDRESSES, UNDO_BEFORE_CREATE } from './provisioning';
import { startWatchingProtection } from './protection-watch';
import { TenantClaim } from './tenant-claim';
import { undoableCalls } from './undoable-calls';

export const DEFAULT_STATUS_POLL_SECONDS = 60;
/**
 * Workflow version marker: a smoking-hole reprotect registers the undo of its tunnel re-point before it, so a
 * reprotect that fails or is aborted leaves the IPsec path as it found it (its control plane, agents and plans
 * were already undone that way, by `undo-before-create`).
 */
const REPROTECT_UNDO_BEFORE_CREATE = 'reprotect-undo-before-create';
/** The IPsec tunnel negotiates in seconds; give up on it after this long. */
const TUNNEL_DEADLINE_SECONDS = 30 * 60;

/**
 * Onboarding a tenant (Cisco DRaaS guide, "New Customer Protection Workflow"): tenant `onboarding` → the DR
 * container pre-provisioned (child workflow) → IPsec tunnel up and verified → the InMage control plane (CX,
 * process servers, master targets) ordered as CLM service offerings, sized from InMage's profile of each VM
 * → Scout agents pushed → readiness checked and one protection plan per master target → every pair in
 * Differential Sync (status polled between workflow timers) → tenant `protected`, each VM's RPO recorded.
 * A failure or an abort undoes everything, the container included, and leaves the tenant in `error`; with
 * `newPrimarySite` (a child of a smoking-hole failback) it keeps the container and the tenant's state.
 */
export async function onboarding(input: OnboardingInput): Promise<OnboardingResult> {
  const { act, blocking, waits, inv } = undoableCalls();
  const id = workflowInfo().workflowId;
  const key = (step: string) => `${id}:${step}`;
  const childId = workflowIds.child(id, 'provisioning');
  const tracker = new OperationTracker('onboarding', input.tenantId, input.request);
  const claim = input.newPrimarySite ? TenantClaim.inherited(input.tenantId, input.newPrimarySite.claimedBy) : TenantClaim.own(input.tenantId);
  const undo = new Compensations();
  const main = new CancellationScope();
  let childWaitingFor: string | null = null;
  let aborted: OperatorAction | null = null;
  let closed = false;

  setHandler(provisioningStatusSignal, (s) => {
    childWaitingFor = s.awaitingApproval ? s.what : null;
    tracker.view.status = childWaitingFor ? 'waiting' : 'running';
    tracker.view.waitingFor = childWaitingFor;
  });
  setHandler(
    approveUpdate,
    async (a) => {
      const what = childWaitingFor ?? 'approval';
      childWaitingFor = null;
      tracker.view.status = 'running';
      tracker.view.waitingFor = null;
      await getExternalWorkflowHandle(childId).signal(containerApprovalSignal, a);
      return { accepted: true, detail: `${what}: approved by ${a.by}` };
    },
    {
      validator: (_a: ApprovalAction) => {
        if (!childWaitingFor) throw new Error('nothing awaits approval');
      },
    },
  );
  setHandler(
    abortUpdate,
    (a) => {
      aborted = a;
      main.cancel();
      return { accepted: true, detail: `aborted by ${a.by}; undoing what was built` };
    },
    {
      validator: (_a: OperatorAction) => {
        if (closed) throw new Error('the operation has already finished');
      },
    },
  );

  const run = async (): Promise<OnboardingResult> => {
    if (input.newPrimarySite) return reprotect(input.newPrimarySite);
    if (patched(MAPPED_DR_ADDRESSES)) {
      // Refused before anything changes: every workload VM needs a DR address of its own from the mapping.
      await tracker.step('pre-flight: IP mapping', async () => {
        const plan = await act.planDrAddresses({ tenantId: input.tenantId });
        if (plan.problems.length > 0) {
          throw ApplicationFailure.nonRetryable(`the IP mapping places no DR address for ${plan.problems.map((p) => `${p.vm}: ${p.reason}`).join('; ')}`, 'IpMappingIncomplete', plan.problems);
        }
        return plan;
      }, (p) => ({ mappedAddresses: p.addresses.length }));
    }
    await claim.take();
    await tracker.step('tenant onboarding', () => claim.setState('onboarding', ['registered', 'error', 'onboarding']));
    undo.add('tenant state', () => claim.setState('error'));
    await tracker.publish();

    const childInput: ProvisioningInput = { tenantId: input.tenantId, request: input.request, vpnPeer: input.vpnPeer, parentWorkflowId: id };
    const container = await tracker.step(
      'pre-provision DR container',
      () =>
        executeChild<(i: ProvisioningInput) => Promise<DrContainerRecord>>(PROVISIONING_WORKFLOW, {
          workflowId: childId,
          args: [childInput],
          typedSearchAttributes: childAttributes(input.tenantId, 'provisioning'),
        }),
      (c) => ({ container: c.name, tier: c.tier, managementIps: c.managementIps.length }),
    );
    for (const step of containerUndoSteps(container, key('undo:container'))) undo.add(step.name, step.undo);
    return protect(container);
  };

  /**
   * Smoking hole, after the failback brought the VMs up at a new primary site: the tenant keeps the DR
   * container it runs in (nothing here undoes it), the IPsec path is re-pointed to the new site's peer when
   * that changed, the lost site's protection plans and their master targets and process servers are retired
   * (they replicated from a site that no longer exists and hold DR master-target slots), and the VMs are
   * protected afresh from the new site. Its failback parent owns the tenant's state throughout.
   */
  const reprotect = async (to: { site: string; vms: string[] }): Promise<OnboardingResult> => {
    await tracker.step('tenant failing back to the new primary site', () => claim.setState('failing-back', ['failing-back']));
    await tracker.publish();
    const container = await tracker.step('existing DR container', async () => {
      const c = await inv.loadDrContainer({ tenantId: input.tenantId });
      if (!c) throw ApplicationFailure.nonRetryable('the tenant has no DR container to keep; it must be onboarded from scratch', 'NoDrContainer');
      return c;
    }, (c) => ({ container: c.name, asaContext: c.asaContext, tunnelPeer: c.tunnel?.peer ?? null }));
    const t = container.tenant;
    const tunnel = container.tunnel;
    const context = container.asaContext;
    if (!tunnel || !context) throw ApplicationFailure.nonRetryable(`container ${container.name} has no IPsec tunnel to re-point`, 'NoTunnel');

    let path = tunnel;
    if (input.vpnPeer && input.vpnPeer !== tunnel.peer) {
      const peer = input.vpnPeer;
      if (patched(REPROTECT_UNDO_BEFORE_CREATE)) {
        // Registered before the re-point, each found by its peer: undone, the path is the lost site's again.
        const { interface: iface, sequence, localNetwork, remoteNetwork } = tunnel;
        undo.add('IPsec tunnel to the lost site', () =>
          act.configureReplicationTunnel({ context, spec: { interface: iface, peer: tunnel.peer, sequence, localNetwork, remoteNetwork }, idempotencyKey: key('undo:asa:tunnel:lost-site') }));
        undo.add('IPsec tunnel to the new site', () => act.removeReplicationTunnel({ context, iface, peer, idempotencyKey: key('undo:asa:tunnel') }));
      }
      path = await tracker.step('re-point the IPsec tunnel to the new site', async () => {
        const added = await act.configureReplicationTunnel({
          context, spec: { interface: tunnel.interface, peer, localNetwork: tunnel.localNetwork, remoteNetwork: tunnel.remoteNetwork }, idempotencyKey: key('asa:tunnel'),
        });
        await act.removeReplicationTunnel({ context, iface: tunnel.interface, sequence: tunnel.sequence, idempotencyKey: key('asa:tunnel:lost-site') });
        return added;
      }, (p) => ({ from: tunnel.peer, to: p.peer }));
    }

    const lost = container.controlPlane ?? { controlServers: [], plans: [], drillsEnabled: input.drillsEnabled ?? true };
    const kept = lost.controlServers.filter((c) => c.role === 'cx');
    await tracker.step('retire the lost site\'s protection', async () => {
      for (const p of lost.plans) await blocking.deleteProtectionPlan({ tenant: t, planId: p.id, name: p.name, idempotencyKey: key(`retire:plan:${p.name}`) });
      await Promise.all(lost.controlServers.filter((c) => c.role !== 'cx').map((c) =>
        waits.decommissionControlServer({ clmGuid: c.clmGuid, idempotencyKey: key(`retire:soi:${c.hostname}`) })));
    }, () => ({ plans: lost.plans.map((p) => p.name), controlServers: lost.controlServers.filter((c) => c.role !== 'cx').map((c) => `${c.role} ${c.hostname}`), kept: kept.map((c) => `${c.role} ${c.hostname}`) }));

    // Control servers are named after the site they serve, so they never collide with the lost site's in CLM.
    return protect({ ...container, tunnel: path, controlPlane: { ...lost, controlServers: kept, plans: [] } }, {
      vms: to.vms, prefix: `${t}-${to.site.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`, existingCx: kept.length > 0, drillsEnabled: input.drillsEnabled ?? lost.drillsEnabled,
    });
  };

  const protect = async (container: DrContainerRecord, scope?: { vms: string[]; prefix: string; existingCx: boolean; drillsEnabled: boolean }): Promise<OnboardingResult> => {
    const t = container.tenant;
    const context = container.asaContext as string;
    const peer = container.tunnel?.peer as string;
    await tracker.step('verify IPsec tunnel', async () => {
      const pollMs = Math.min(pollSeconds(input), 10) * 1000;
      for (let waited = 0; ; waited += pollMs) {
        const s = await act.getReplicationTunnelStatus({ context, peer });
        tracker.setProgress({ tunnel: s.status });
        if (s.status === 'UP') return s;
        if (waited >= TUNNEL_DEADLINE_SECONDS * 1000) {
          throw ApplicationFailure.nonRetryable(`IPsec tunnel to ${peer} is ${s.status}${s.reason ? `: ${s.reason}` : ''}`, 'TunnelDown');
        }
        await sleep(pollMs);
      }
    });

    const facts = await inv.loadOnboardingFacts({ tenantId: input.tenantId });
    const vms = scope?.vms ?? facts.vms.map((v) => v.name);
    const drillsEnabled = scope?.drillsEnabled ?? input.drillsEnabled ?? true;
    const built = await buildControlPlane({ t, vms, drillsEnabled, prefix: scope?.prefix ?? t, existingCx: scope?.existingCx, key, tracker, undo });
    const plane = { ...built, controlServers: [...(container.controlPlane?.controlServers ?? []), ...built.controlServers] };

    const mgmtIp = new Map(container.managementIps.map((m) => [m.vm, m.address]));
    const hostnames = new Map(facts.vms.map((v) => [v.name, v.primaryHostname]));
    const protection = (state: VmProtectionRecord['replicationState'], rpo: Map<string, number | null>): VmProtectionRecord[] =>
      plane.plans.flatMap((p) =>
        p.servers.map((vm) => ({
          vm,
          replicationState: state,
          rpoLagSeconds: rpo.get(vm) ?? null,
          masterTarget: p.masterTarget,
          drIps: mgmtIp.has(vm) ? [mgmtIp.get(vm) as string] : (facts.drAddresses?.[vm] ?? null),
          drHostname: hostnames.get(vm) ?? null,
        })),
      );
    await inv.recordDrContainer({ record: { ...container, controlPlane: plane }, operationId: id });
    await inv.recordVmProtection({ tenantId: input.tenantId, vms: protection('resyncing', new Map()) });

    const rpo = await waitForDifferentialSync(t, vms, pollSeconds(input), tracker, input.syncWaitHistorySoftLimit);
    await tracker.step('record protection per VM', () => inv.recordVmProtection({ tenantId: input.tenantId, vms: protection('differential-sync', rpo) }));
    if (!input.newPrimarySite) await tracker.step('tenant protected', () => claim.setState('protected', ['onboarding']));
    const rpos = [...rpo.values()].filter((x): x is number => x !== null);
    return {
      tenantId: input.tenantId,
      container: container.name,
      protectedVms: vms.length,
      masterTargets: plane.controlServers.filter((c) => c.role === 'mt').length,
      processServers: plane.controlServers.filter((c) => c.role === 'ps').length,
      plans: plane.plans.length,
      maxRpoSeconds: rpos.length ? Math.max(...rpos) : null,
    };
  };

  try {
    const result = await main.run(run);
    closed = true;
    await claim.release();
    if (!input.newPrimarySite) await startWatchingProtection(input.tenantId, tracker);
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
    if (aborted || isCancellation(err)) throw err;
    throw ApplicationFailure.nonRetryable(errorText(err), 'OnboardingFailed');
  }
}

function pollSeconds(input: { statusPollSeconds?: number }): number {
  const s = input.statusPollSeconds ?? DEFAULT_STATUS_POLL_SECONDS;
  return Math.min(3600, Math.max(0.05, s));
}

/** The parent's search attributes (tenant, site, ...) with the child's own kind, so the UI lists it too. */
export function childAttributes(tenantId: string, kind: OperationKind) {
  return workflowInfo().typedSearchAttributes.updateCopy([
    { key: searchAttributes.tenantId, value: tenantId },
    { key: searchAttributes.operationKind, value: kind },
  ]);
}

/**
 * The InMage control plane for `vms`: sized from InMage's own profile, ordered as CLM service offerings
 * (CX unless `existingCx`, process servers, master targets), agents pushed, readiness checked and one
 * protection plan per master target. Each piece is undone if a later one fails.
 */
export async function buildControlPlane(o: {
  t: string;
  vms: string[];
  drillsEnabled: boolean;
  prefix: string;
  key: (step: string) => string;
  tracker: OperationTracker;
  undo: Compensations;
  existingCx?: boolean;
  existingProcessServers?: { id: string; name: string; freeGbPerDay: number }[];
}): Promise<DrControlPlaneRecord> {
  const { act, blocking, waits } = undoableCalls();
  const { t, vms, key, tracker, undo } = o;
  const sizing = await tracker.step(
    'size the InMage control plane',
    async () => {
      const { profiles, unknown } = await act.profileProtectionSources({ tenant: t, vms });
      if (unknown.length > 0) throw ApplicationFailure.nonRetryable(`InMage does not know ${unknown.join(', ')}`, 'UnknownSourceServers');
      const sized = sizeControlPlane(
        o.prefix,
        profiles.map((p) => ({ name: p.name, osFamily: osFamilyOf(p.os), vmdks: p.vmdks, changeRateGbPerDay: p.changeRateGbPerDay })),
        { drillsEnabled: o.drillsEnabled },
      );
      if (!sized.ok) throw ApplicationFailure.nonRetryable(`cannot protect: ${sized.problems.join('; ')}`, 'SizingFailed');
      const rate = new Map(profiles.map((p) => [p.name, p.changeRateGbPerDay]));
      const loads = sized.sizing.masterTargets.map((mt) => ({ plan: mt.protectionPlan, changeRateGbPerDay: mt.vms.reduce((s, vm) => s + (rate.get(vm) ?? 0), 0) }));
      const ps = assignProcessServers(loads, `${o.prefix}-ps`, (o.existingProcessServers ?? []).map((p) => ({ name: p.name, freeGbPerDay: p.freeGbPerDay })));
      return { masterTargets: sized.sizing.masterTargets, ps, vmdks: sized.sizing.totalVmdks, changeRate: sized.sizing.totalChangeRateGbPerDay };
    },
    (s) => ({
      masterTargets: s.masterTargets.map((m) => `${m.name}: ${m.vms.length} VMs, ${m.vmdks} VMDKs`),
      processServers: s.ps.servers.map((p) => `${p.name}: ${Math.round(p.changeRateGbPerDay)} GB/day`),
      vmdks: s.vmdks,
      changeRateGbPerDay: s.changeRate,
    }),
  );

  const orders: { role: 'cx' | 'ps' | 'mt'; offering: ControlServerOffering; hostname: string; mt?: MasterTargetSizing }[] = [
    ...(o.existingCx ? [] : [{ role: 'cx' as const, offering: 'cx' as const, hostname: `${o.prefix}-cx-1` }]),
    ...sizing.ps.newServers.map((hostname) => ({ role: 'ps' as const, offering: 'ps' as const, hostname })),
    ...sizing.masterTargets.map((mt) => ({
      role: 'mt' as const,
      offering: (mt.osFamily === 'windows' ? 'mt-windows' : 'mt-linux') as ControlServerOffering,
      hostname: mt.name,
      mt,
    })),
  ];
  // Each order's undo finds its server by hostname, so one whose answer never came back is decommissioned too.
  const undoFirst = patched(UNDO_BEFORE_CREATE);
  const decommission = (hostname: string, clmGuid?: string) => () =>
    waits.decommissionControlServer({ ...(clmGuid ? { clmGuid } : { tenant: t, hostname }), idempotencyKey: key(`undo:soi:${hostname}`) });
  if (undoFirst) for (const x of orders) undo.add(`control server ${x.hostname}`, decommission(x.hostname));
  const servers = await tracker.step(
    'order the InMage control plane from CLM',
    async () => {
      const settled = await Promise.allSettled(
        orders.map((x) =>
          waits.provisionControlServer({ tenant: t, offering: x.offering, hostname: x.hostname, drillsEnabled: o.drillsEnabled, idempotencyKey: key(`soi:${x.hostname}`) }),
        ),
      );
      const done: DrControlServerRecord[] = [];
      settled.forEach((s, i) => {
        if (s.status !== 'fulfilled') return;
        const x = orders[i];
        done.push({ role: x.role, hostname: s.value.hostname, controlServerId: s.value.controlServerId, clmGuid: s.value.clmGuid, ...(x.mt ? { osFamily: x.mt.osFamily } : {}) });
        if (!undoFirst) undo.add(`control server ${x.hostname}`, decommission(x.hostname, s.value.clmGuid));
      });
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw failed.reason;
      return done;
    },
    (d) => ({ servers: d.map((s) => `${s.role} ${s.hostname}`) }),
  );

  if (undoFirst) {
    const agentless = await act.listAgentless({ tenant: t, vms: o.vms });
    undo.add('Scout agents', () => untilAllDone('uninstalling agents', agentless, (items) => act.uninstallScoutAgents({ tenant: t, vms: items, keyPrefix: key('undo:agent') })));
  }
  await tracker.step(
    'push Scout agents',
    () => untilAllDone('pushing agents', o.vms, (items) => waits.pushScoutAgents({ tenant: t, vms: items, keyPrefix: key('agent') })),
    (r) => ({ pushed: r.filter((x) => !x.alreadyInstalled).length, alreadyInstalled: r.filter((x) => x.alreadyInstalled).length }),
  );

  const psId = new Map([...servers.filter((s) => s.role === 'ps').map((s) => [s.hostname, s.controlServerId] as const), ...(o.existingProcessServers ?? []).map((p) => [p.name, p.id] as const)]);
  const mtId = new Map(servers.filter((s) => s.role === 'mt').map((s) => [s.hostname, s.controlServerId]));
  const planned = sizing.masterTargets.map((mt) => {
    const ps = sizing.ps.planToServer[mt.protectionPlan];
    return { name: mt.protectionPlan, masterTarget: mt.name, processServer: ps, mtId: mtId.get(mt.name) as string, psId: psId.get(ps) as string, servers: mt.vms };
  });

  await tracker.step('readiness checks', async () => {
    const reports = await Promise.all(
      planned.map((p) => blocking.checkProtectionReadiness({ tenant: t, servers: p.servers, masterTargetId: p.mtId, processServerId: p.psId })),
    );
    const failures = reports.flatMap((r) => r.failures);
    if (failures.length > 0) {
      tracker.setProgress({ readinessFailures: failures });
      const lines = failures.map((f) => `${f.server}: ${f.check} failed${f.correctiveAction ? ` (corrective action: ${f.correctiveAction})` : ''}`);
      throw ApplicationFailure.nonRetryable(`readiness checks failed: ${lines.join('; ')}`, 'ReadinessFailed', failures);
    }
  });

  const undoPlan = (name: string, planId?: string) => () => blocking.deleteProtectionPlan({ tenant: t, ...(planId ? { planId } : {}), name, idempotencyKey: key(`undo:plan:${name}`) });
  if (undoFirst) for (const p of planned) undo.add(`protection plan ${p.name}`, undoPlan(p.name));
  const plans = await tracker.step(
    'create protection plans',
    async () => {
      const settled = await Promise.allSettled(
        planned.map((p) =>
          act.createProtectionPlan({
            tenant: t,
            name: p.name,
            masterTargetId: p.mtId,
            processServerId: p.psId,
            servers: p.servers,
            drillsEnabled: o.drillsEnabled,
            idempotencyKey: key(`plan:${p.name}`),
          }),
        ),
      );
      const done: DrProtectionPlanRecord[] = [];
      settled.forEach((s, i) => {
        if (s.status !== 'fulfilled') return;
        const p = planned[i];
        done.push({ id: s.value.id, name: p.name, masterTarget: p.masterTarget, processServer: p.processServer, servers: p.servers });
        if (!undoFirst) undo.add(`protection plan ${p.name}`, undoPlan(p.name, s.value.id));
      });
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw failed.reason;
      return done;
    },
    (d) => ({ plans: d.map((p) => `${p.name} on ${p.masterTarget}: ${p.servers.length} VMs`) }),
  );

  return { controlServers: servers, plans, drillsEnabled: o.drillsEnabled };
}

/** Onboardings and protection changes started before the wait became a child poll in their own history. */
const SYNC_WAIT_AS_CHILD = 'differential-sync-wait-as-child';

/**
 * Waits until every VM's pairs are in Differential Sync, in a child workflow that polls between workflow
 * timers and continues as new (a multi-day resync would outgrow one history); the child's id is in
 * `progress.differentialSyncWait` meanwhile and the API shows its polls. Answers each VM's RPO.
 */
export async function waitForDifferentialSync(
  t: string, vms: string[], seconds: number, tracker: OperationTracker, historySoftLimit?: number,
): Promise<Map<string, number | null>> {
  return tracker.waitFor('every pair in Differential Sync', async () => {
    if (!patched(SYNC_WAIT_AS_CHILD)) return pollUntilDifferentialSync(t, vms, seconds, tracker);
    const childId = workflowIds.child(workflowInfo().workflowId, 'differential-sync');
    tracker.setProgress({ differentialSyncWait: childId });
    const r = await executeChild(differentialSyncWait, {
      workflowId: childId,
      args: [{ tenant: t, vms, pollSeconds: seconds, kind: tracker.view.kind, tenantId: tracker.view.tenantId, ...(historySoftLimit ? { historySoftLimit } : {}) }],
      typedSearchAttributes: workflowInfo().typedSearchAttributes,
    });
    tracker.setProgress({ differentialSyncWait: null, replication: r.replication });
    return new Map(r.rpo.map((x) => [x.vm, x.rpoSeconds]));
  });
}

/** The wait as it ran before it became a child: polls in the operation's own history (replay only). */
async function pollUntilDifferentialSync(t: string, vms: string[], seconds: number, tracker: OperationTracker): Promise<Map<string, number | null>> {
  const { act } = undoableCalls();
  for (let poll = 1; ; poll++) {
    const s = await act.getReplicationStatus({ tenant: t, vms, detail: false });
    tracker.setProgress({
      replication: { vms: s.total, inDifferentialSync: s.differentialSync, pairStates: s.pairStates, minResyncPercent: s.minResyncPercent, polls: poll },
    });
    if (s.differentialSync === s.total) break;
    await sleep(seconds * 1000);
  }
  const detail = await act.getReplicationStatus({ tenant: t, vms, detail: true });
  return new Map((detail.vms ?? []).map((v) => [v.vm, v.rpoSeconds]));
}
