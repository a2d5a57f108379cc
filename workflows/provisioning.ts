import {
  ApplicationFailure, CancellationScope, condition, getExternalWorkflowHandle, isCancellation, patched, setHandler, workflowInfo,
} from '@temporalio/workflow';
import type { Tier } from '../infra/clients/clm';
import { containerLayout, coveringNetwork, firstHost } from '../domain/onboarding';
import { untilAllDone } from './batch';
import { Compensations } from './compensation';
import {
  abortUpdate, approveUpdate, containerApprovalSignal, provisioningStatusSignal, type ApprovalAction, type DrContainerRecord, type DrNetworkPathRecord,
  type DrVipRecord, type DrVlanRecord, type OperatorAction, type ProvisioningInput,
} from './contracts';
import { OperationTracker } from './operation-tracker';
import { ABORT_WAITS_FOR_CALLS, undoableCalls } from './undoable-calls';

const APPROVAL = 'approval of the network container';
/**
 * Workflow version marker: the undos of the container, the DR VLAN and the ASA context (and in onboarding of
 * control servers, agents and plans) are registered before the calls that create them, found by name, so an
 * abort while a call is in flight (or its answer lost) removes what it made too.
 */
export const UNDO_BEFORE_CREATE = 'undo-before-create';

const VIP_OWNER = 'vip-https';
/**
 * Workflow version marker: set-aside addresses for management VMs only, and each workload VM's mapped DR
 * address reserved in BNA (before it, every VM took a set-aside address).
 */
export const MAPPED_DR_ADDRESSES = 'ip-mapping-reservations';

/** ASA context names: 1-32 letters, digits, `_ . -`. */
export function vpnContextName(tenant: string): string {
  return `${tenant.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 28)}-vpn`;
}

/**
 * Pre-provisioning of a tenant's DR network container (Cisco DRaaS guide, "Container Pre-Provisioning for
 * DR Services"): the CLM container by tier → the provider's approval (reminder, escalation; automatic where
 * the DR site's policy says so) → the CLM job → DR VLANs → ASA context and IPsec VPN for replication → each
 * management VM's DR address from the BNA set-aside pool → each workload VM's mapped DR address reserved in
 * BNA → firewall network paths by subnet and load-balancer
 * VIPs → the container recorded in the inventory. A failure or an abort undoes what was built, newest first.
 */
export async function provisioning(input: ProvisioningInput): Promise<DrContainerRecord> {
  const { act, blocking, waits, inv } = undoableCalls();
  const id = workflowInfo().workflowId;
  const key = (step: string) => `${id}:${step}`;
  const tracker = new OperationTracker('provisioning', input.tenantId, input.request);
  const undo = new Compensations();
  const main = new CancellationScope();
  let awaiting: string | null = null;
  let approval: ApprovalAction | null = null;
  let aborted: OperatorAction | null = null;
  let closed = false;

  setHandler(
    approveUpdate,
    (a) => {
      approval = a;
      return { accepted: true, detail: `network container approved by ${a.by}` };
    },
    {
      validator: (_a: ApprovalAction) => {
        if (!awaiting) throw new Error('nothing awaits approval');
      },
    },
  );
  setHandler(containerApprovalSignal, (a) => {
    if (awaiting) approval = a;
  });
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

  const tellParent = async (what: string | null) => {
    if (!input.parentWorkflowId) return;
    try {
      await getExternalWorkflowHandle(input.parentWorkflowId).signal(provisioningStatusSignal, { awaitingApproval: what !== null, what });
    } catch {
      // The parent is gone or this scope is being cancelled: nobody is left to tell.
    }
  };

  const awaitApproval = async (policy: { approvalReminderSeconds: number; approvalEscalationSeconds: number }): Promise<ApprovalAction> => {
    awaiting = APPROVAL;
    await tellParent(APPROVAL);
    try {
      const approved = () => approval !== null;
      const event = (action: string) => inv.recordOperationEvent({ tenantId: input.tenantId, operationId: id, action, details: { waitingFor: APPROVAL } });
      if (!(await condition(approved, Math.max(1, policy.approvalReminderSeconds) * 1000))) {
        tracker.setProgress({ approvalReminderAt: new Date().toISOString() });
        await event('operation.approval-reminder');
        const rest = Math.max(1, policy.approvalEscalationSeconds - policy.approvalReminderSeconds) * 1000;
        if (!(await condition(approved, rest))) {
          tracker.view.waitingFor = `${APPROVAL} (escalated)`;
          tracker.setProgress({ approvalEscalatedAt: new Date().toISOString() });
          await event('operation.approval-escalated');
          await tracker.publish();
          await tellParent(tracker.view.waitingFor);
          await condition(approved);
        }
      }
      return approval as unknown as ApprovalAction;
    } finally {
      awaiting = null;
      await tellParent(null);
    }
  };

  const build = async (): Promise<DrContainerRecord> => {
    const facts = await inv.loadOnboardingFacts({ tenantId: input.tenantId });
    const t = facts.tenant.name;
    const site = facts.drSite.name;
    const layout = containerLayout(facts.tenant.tier);
    const primaryNet = coveringNetwork(facts.vms.flatMap((v) => v.primaryIps));
    if (!primaryNet) throw ApplicationFailure.nonRetryable(`tenant ${t} has no VM with a primary IP: nothing to protect`, 'NothingToProtect');
    const peer = input.vpnPeer ?? firstHost(primaryNet);
    tracker.setProgress({ tenant: t, tier: layout.tier, vms: facts.vms.length });
    await tracker.publish();

    const name = `${t}-dr`;
    // A pending order is cancelled by its deletion (its change request rejected); a completed one deleted.
    const undoFirst = patched(UNDO_BEFORE_CREATE);
    if (undoFirst) undo.add('network container', () => waits.deleteNetworkContainer({ ref: name, idempotencyKey: key('undo:container') }));
    const sub = await tracker.step(
      'request network container',
      () => act.requestNetworkContainer({ name, tenant: t, tier: layout.tier as Tier, site, idempotencyKey: key('container') }),
      (s) => ({ guid: s.guid, state: s.state }),
    );
    if (!undoFirst) undo.add('network container', () => waits.deleteNetworkContainer({ ref: sub.guid, idempotencyKey: key('undo:container') }));
    if (sub.state === 'waiting-approval' && sub.changeRequestGuid) {
      let approver: string;
      if (facts.policy.autoApproveContainers) {
        approver = `site policy of ${site}`;
        tracker.skip(`wait: ${APPROVAL}`, `approved automatically by the policy of ${site}`);
      } else {
        approver = (await tracker.waitFor(APPROVAL, () => awaitApproval(facts.policy))).by;
      }
      const change = sub.changeRequestGuid;
      await tracker.step('approve the change request', () => act.approveContainerChange({ changeRequestGuid: change, approver, idempotencyKey: key('approve') }), () => ({ approver }));
    }
    const container = await tracker.step(
      'provision network container',
      () => waits.awaitNetworkContainer({ guid: sub.guid, taskGuid: sub.taskGuid }),
      (c) => ({ vlans: c.vlans.map((v) => `${v.name} (${v.vlanId})`), services: c.services }),
    );

    const vlans: DrVlanRecord[] = container.vlans.map((v) => ({ ...v }));
    const outside = vlans[0];
    let inside = vlans[1] ?? vlans[0];
    if (layout.needsInmageVlan) {
      const vlanName = `${t}-inmage`;
      if (undoFirst) undo.add('DR VLAN', () => waits.removeDrVlan({ tenant: t, name: vlanName, idempotencyKey: key('undo:vlan:inmage') }));
      const v = await tracker.step('add DR VLAN for the InMage servers', () =>
        waits.addDrVlan({ name: vlanName, tenant: t, site, idempotencyKey: key('vlan:inmage') }),
      );
      if (!undoFirst) undo.add('DR VLAN', () => waits.removeDrVlan({ bnaId: v.bnaId, idempotencyKey: key('undo:vlan:inmage') }));
      inside = { name: v.name, role: 'inmage', vlanId: v.vlanId, subnet: null, bnaId: v.bnaId };
      vlans.push(inside);
    } else {
      tracker.skip('add DR VLAN for the InMage servers', `a ${layout.tier} container hosts them in its app VLAN ${inside.name}`);
    }

    const contextName = vpnContextName(t);
    const undoContext = () => blocking.deleteVpnContext({ name: contextName, idempotencyKey: key('undo:asa:context') });
    if (undoFirst) undo.add('ASA VPN context', undoContext);
    await tracker.step('create ASA VPN context', () =>
      blocking.createVpnContext({
        name: contextName,
        tenant: t,
        interfaces: [
          { name: 'outside', vlan: outside.vlanId },
          { name: 'inside', vlan: inside.vlanId },
        ],
        idempotencyKey: key('asa:context'),
      }),
    );
    if (!undoFirst) undo.add('ASA VPN context', undoContext);
    const localNetwork = inside.subnet ?? outside.subnet ?? primaryNet;
    // Found by its peer, so a tunnel whose answer the abort did not wait for is removed too.
    const tunnelFirst = patched(ABORT_WAITS_FOR_CALLS);
    if (tunnelFirst) undo.add('IPsec tunnel', () => act.removeReplicationTunnel({ context: contextName, iface: 'outside', peer, idempotencyKey: key('undo:asa:tunnel') }));
    const tunnel = await tracker.step(
      'configure IPsec VPN',
      () => act.configureReplicationTunnel({ context: contextName, spec: { interface: 'outside', peer, localNetwork, remoteNetwork: primaryNet }, idempotencyKey: key('asa:tunnel') }),
      (x) => ({ peer: x.peer, localNetwork: x.localNetwork, remoteNetwork: x.remoteNetwork }),
    );
    if (!tunnelFirst) {
      undo.add('IPsec tunnel', () =>
        act.removeReplicationTunnel({ context: contextName, iface: tunnel.interface, sequence: tunnel.sequence, idempotencyKey: key('undo:asa:tunnel') }),
      );
    }

    const mapped = patched(MAPPED_DR_ADDRESSES);
    const mgmtPool = await act.findIpPool({ site, purpose: 'management' });
    if (!mgmtPool) throw ApplicationFailure.nonRetryable(`no management IP pool (set-aside) at ${site} in BNA`, 'NoManagementPool');
    const owners = facts.vms.filter((v) => !mapped || v.role === 'management').map((v) => v.name);
    // Registered before the reservations: a batch that fails half-way is released by owner.
    undo.add('DR management IPs', () => waits.releaseDrIps({ poolId: mgmtPool.poolId, tenant: t, owners, keyPrefix: key('undo:mgmt-ip') }));
    const reserved = await tracker.step(
      'reserve DR management IPs',
      () =>
        untilAllDone('reserving DR management IPs', owners, (items) =>
          waits.reserveDrIps({ poolId: mgmtPool.poolId, tenant: t, owners: items, purpose: 'dr-management', keyPrefix: key('mgmt-ip') }),
        ),
      (r) => ({ pool: mgmtPool.poolId, reserved: r.length }),
    );

    if (mapped) {
      const plan = await act.planDrAddresses({ tenantId: input.tenantId });
      if (plan.problems.length > 0) throw ApplicationFailure.nonRetryable(`the IP mapping places no DR address for ${plan.problems.map((p) => `${p.vm}: ${p.reason}`).join('; ')}`, 'IpMappingIncomplete', plan.problems);
      undo.add('mapped DR addresses', () => waits.releaseMappedIps({ tenant: t, site, keyPrefix: key('undo:mapped-ip') }));
      await tracker.step(
        'reserve mapped DR addresses',
        () => untilAllDone('reserving mapped DR addresses', plan.addresses, (items) => waits.reserveMappedIps({ tenant: t, site, addresses: items, keyPrefix: key('mapped-ip') })),
        (r) => ({ reserved: r.length }),
      );
    }

    const undoPathsAndVips = () => waits.removeContainerPathsAndVips({ container: sub.guid, keyPrefix: key('undo:paths-vips') });
    let pathsUndone = false;
    let networkPaths: DrNetworkPathRecord[] = [];
    if (layout.hasFirewall) {
      const specs = vlans
        .filter((v) => v.subnet)
        .flatMap((v) => [
          { name: `${t}-${v.role}-from-primary`, source: primaryNet, destination: v.subnet as string },
          { name: `${t}-${v.role}-from-mgmt`, source: mgmtPool.cidr, destination: v.subnet as string },
        ]);
      undo.add('firewall network paths and VIPs', undoPathsAndVips);
      pathsUndone = true;
      networkPaths = await tracker.step(
        'create firewall network paths',
        () => untilAllDone('creating network paths', specs, (items) => waits.createNetworkPaths({ container: sub.guid, paths: items, keyPrefix: key('path') })),
        (p) => ({ paths: p.map((x) => x.name) }),
      );
    } else {
      tracker.skip('create firewall network paths', `a ${layout.tier} container has no firewall service`);
    }

    const vips: DrVipRecord[] = [];
    const dataPool = layout.hasLoadBalancer ? await act.findIpPool({ site, purpose: 'dr-data', tenant: t }) : null;
    if (!layout.hasLoadBalancer) tracker.skip('create load-balancer VIPs', `a ${layout.tier} container has no load balancer`);
    else if (!dataPool) tracker.skip('create load-balancer VIPs', `BNA has no DR data pool for ${t} at ${site}`);
    else {
      undo.add('VIP address', () => waits.releaseDrIps({ poolId: dataPool.poolId, tenant: t, owners: [VIP_OWNER], keyPrefix: key('undo:vip-ip') }));
      if (!pathsUndone) undo.add('load-balancer VIPs', undoPathsAndVips);
      const created = await tracker.step(
        'create load-balancer VIPs',
        async () => {
          const [address] = await untilAllDone('reserving the VIP address', [VIP_OWNER], (items) =>
            waits.reserveDrIps({ poolId: dataPool.poolId, tenant: t, owners: items, purpose: 'vip', keyPrefix: key('vip-ip') }),
          );
          const spec = { name: `${t}-https`, virtualIp: address.address, port: 443 };
          const [vip] = await untilAllDone('creating VIPs', [spec], (items) => waits.createLoadBalancerVips({ container: sub.guid, vips: items, keyPrefix: key('vip') }));
          return { ...spec, guid: vip.guid };
        },
        (v) => ({ vip: `${v.virtualIp}:${v.port}` }),
      );
      vips.push({ guid: created.guid, name: created.name, virtualIp: created.virtualIp, port: created.port, poolId: dataPool.poolId, owner: VIP_OWNER });
    }

    const record: DrContainerRecord = {
      tenantId: input.tenantId,
      tenant: t,
      name,
      clmGuid: sub.guid,
      tier: layout.tier,
      drSiteId: facts.drSite.id,
      vlans,
      asaContext: contextName,
      tunnel,
      networkPaths,
      vips,
      managementIps: reserved.map((r) => ({ vm: r.owner, address: r.address, poolId: r.poolId })),
      controlPlane: null,
    };
    await tracker.step('record the container', () => inv.recordDrContainer({ record, operationId: id }));
    return record;
  };

  try {
    const record = await main.run(build);
    closed = true;
    await tracker.complete({
      container: record.name,
      tier: record.tier,
      vlans: record.vlans.length,
      networkPaths: record.networkPaths.length,
      vips: record.vips.length,
      managementIps: record.managementIps.length,
    });
    return record;
  } catch (err) {
    closed = true;
    await CancellationScope.nonCancellable(async () => {
      tracker.setPhase('undoing');
      const failed = await undo.run(tracker);
      if (failed.length > 0) tracker.setProgress({ undoFailed: failed });
      const why = aborted ? new Error(`aborted by ${(aborted as OperatorAction).by}`) : err;
      await tracker.fail(why, aborted !== null || isCancellation(err));
    });
    throw err;
  }
}

/**
 * The undo steps of a recorded container, in the order it was built: onboarding pushes them onto its
 * compensation stack so a failure after pre-provisioning still leaves nothing behind.
 */
export function containerUndoSteps(record: DrContainerRecord, keyPrefix: string): { name: string; undo: () => Promise<unknown> }[] {
  const { act, blocking, waits, inv } = undoableCalls();
  const k = (step: string) => `${keyPrefix}:${step}`;
  const t = record.tenant;
  const steps: { name: string; undo: () => Promise<unknown> }[] = [
    { name: 'network container', undo: () => waits.deleteNetworkContainer({ ref: record.clmGuid, idempotencyKey: k('container') }) },
  ];
  for (const v of record.vlans) {
    if (v.bnaId) {
      const bnaId = v.bnaId;
      steps.push({ name: `DR VLAN ${v.name}`, undo: () => waits.removeDrVlan({ bnaId, idempotencyKey: k(`vlan:${bnaId}`) }) });
    }
  }
  const context = record.asaContext;
  if (context) {
    steps.push({ name: 'ASA VPN context', undo: () => blocking.deleteVpnContext({ name: context, idempotencyKey: k('asa:context') }) });
    const tunnel = record.tunnel;
    if (tunnel) {
      steps.push({
        name: 'IPsec tunnel',
        undo: () => act.removeReplicationTunnel({ context, iface: tunnel.interface, sequence: tunnel.sequence, idempotencyKey: k('asa:tunnel') }),
      });
    }
  }
  const byPool = new Map<string, string[]>();
  for (const ip of record.managementIps) byPool.set(ip.poolId, [...(byPool.get(ip.poolId) ?? []), ip.vm]);
  for (const [poolId, owners] of byPool) {
    steps.push({ name: 'DR management IPs', undo: () => waits.releaseDrIps({ poolId, tenant: t, owners, keyPrefix: k('mgmt-ip') }) });
  }
  if (patched(MAPPED_DR_ADDRESSES)) steps.push({ name: 'mapped DR addresses', undo: () => waits.releaseMappedIps({ tenant: t, keyPrefix: k('mapped-ip') }) });
  for (const vip of record.vips) {
    steps.push({ name: `VIP address ${vip.virtualIp}`, undo: () => waits.releaseDrIps({ poolId: vip.poolId, tenant: t, owners: [vip.owner], keyPrefix: k('vip-ip') }) });
  }
  steps.push({ name: 'firewall network paths and VIPs', undo: () => waits.removeContainerPathsAndVips({ container: record.clmGuid, keyPrefix: k('paths-vips') }) });
  steps.push({ name: 'container record', undo: () => inv.deleteDrContainerRecord({ tenantId: record.tenantId }) });
  return steps;
}
