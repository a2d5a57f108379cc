import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ClmTask, ControlServerOffering, Tier } from '../infra/clients/clm';
import type { DrNetworkPathRecord } from '../workflows/contracts';
import type { ActivityDeps } from './deps';

/**
 * Waits inside an activity until `check` answers, heartbeating each round (a dead worker is noticed, an
 * aborted operation stops waiting). The pause grows with the time already waited, within bounds. A read
 * that fails transiently is simply read again on the next round; a final failure ends the wait.
 */
export async function waitUntil<T>(what: string, check: () => Promise<T | undefined>, maxMs = 5_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    let value: T | undefined;
    try {
      value = await check();
    } catch (err) {
      if (isFinal(err)) throw err;
    }
    if (value !== undefined) return value;
    const waited = Date.now() - started;
    Context.current().heartbeat({ waiting: what, waitedMs: waited });
    await Context.current().sleep(Math.min(maxMs, Math.max(50, waited * 0.05)));
  }
}

/** A non-retryable failure (bad input, exhausted capacity): retrying cannot help. */
export function isFinal(err: unknown): boolean {
  return err instanceof ApplicationFailure && err.nonRetryable === true;
}

/**
 * What a batch activity did: the items done, the items that failed transiently (the workflow calls again
 * with just those, after a timer), and the last transient error. A final failure of any item fails the
 * whole activity with that item's message instead.
 */
export interface BatchOutcome<T, R> {
  done: R[];
  retry: T[];
  lastError: string | null;
}

/** Runs `work` over `items`, `width` at a time, heartbeating as items finish. */
export async function eachItem<T, R>(items: T[], width: number, work: (item: T) => Promise<R>): Promise<BatchOutcome<T, R>> {
  const done: R[] = [];
  const retry: T[] = [];
  let lastError: string | null = null;
  let final: unknown = null;
  let next = 0;
  // A cancelled activity takes no new item; the calls in flight answer first (see whileWaiting).
  const cancelled = () => Context.current().cancellationSignal.aborted;
  const lane = async () => {
    while (next < items.length && final === null && !cancelled()) {
      const item = items[next++];
      try {
        done.push(await work(item));
      } catch (err) {
        if (isFinal(err)) final = err;
        else {
          retry.push(item);
          lastError = err instanceof Error ? err.message : String(err);
        }
      }
      Context.current().heartbeat({ done: done.length, of: items.length });
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
  if (final !== null) throw final;
  if (cancelled()) await Context.current().cancelled;
  return { done, retry, lastError };
}

export interface ContainerSubmission {
  guid: string;
  taskGuid: string;
  state: ClmTask['state'];
  changeRequestGuid: string | null;
  alreadyExisted: boolean;
}

export interface NetworkPathSpecInput {
  name: string;
  source: string;
  destination: string;
  protocol?: string;
  port?: string;
}

export interface VipSpecInput {
  name: string;
  virtualIp: string;
  port: number;
}

/** BMC CLM: the tenant's network container, its approval, network paths, VIPs and InMage service offerings. */
export function createClmActivities(deps: ActivityDeps) {
  const clm = deps.clients.clm;

  const finishTask = async (taskGuid: string, what: string): Promise<ClmTask> => {
    const task = await waitUntil(what, async () => {
      const t = await clm.getTask(taskGuid);
      return t.state === 'completed' || t.state === 'failed' ? t : undefined;
    });
    if (task.state === 'failed') throw clm.taskFailure(task);
    return task;
  };

  return {
    /** Requests the container by tier; it may wait for the provider's approval of the change. */
    async requestNetworkContainer(input: { name: string; tenant: string; tier: Tier; site: string; idempotencyKey: string }): Promise<ContainerSubmission> {
      const { container, task, alreadyExisted } = await clm.requestNetworkContainer(
        { name: input.name, tenant: input.tenant, tier: input.tier, site: input.site },
        input.idempotencyKey,
      );
      return { guid: container.guid, taskGuid: task.guid, state: task.state, changeRequestGuid: task.changeRequestGuid, alreadyExisted };
    },

    async approveContainerChange(input: { changeRequestGuid: string; approver: string; idempotencyKey: string }): Promise<{ state: string }> {
      const change = await clm.approveChangeRequest(input.changeRequestGuid, input.idempotencyKey, input.approver);
      if (change.state === 'REJECTED') throw ApplicationFailure.nonRetryable(`change ${change.guid} was rejected in CLM`, 'ChangeRejected');
      return { state: change.state };
    },

    /** Waits for the container's creation task, then answers its VLANs and services. */
    async awaitNetworkContainer(input: { guid: string; taskGuid: string }): Promise<{
      state: string;
      vlans: { name: string; role: string; vlanId: number; subnet: string }[];
      services: string[];
    }> {
      await finishTask(input.taskGuid, 'network container');
      const c = await clm.getNetworkContainer(input.guid);
      if (!c) throw ApplicationFailure.nonRetryable(`container ${input.guid} vanished after provisioning`, 'ContainerMissing');
      return { state: c.state, vlans: c.vlans, services: c.services.map((s) => s.type) };
    },

    /** Deletes the container (releasing its VLANs, paths and VIPs) and waits until it is gone. */
    async deleteNetworkContainer(input: { ref: string; idempotencyKey: string }): Promise<{ deleted: boolean }> {
      if (!(await clm.getNetworkContainer(input.ref))) return { deleted: false };
      const task = await clm.deleteNetworkContainer(input.ref, input.idempotencyKey);
      if (task) await finishTask(task.guid, 'container deletion');
      await waitUntil('container gone', async () => ((await clm.getNetworkContainer(input.ref)) ? undefined : true));
      return { deleted: true };
    },

    /** Firewall policies by subnet, created before any declaration; an existing path of that name counts. */
    async createNetworkPaths(input: { container: string; paths: NetworkPathSpecInput[]; keyPrefix: string }): Promise<BatchOutcome<NetworkPathSpecInput, DrNetworkPathRecord>> {
      return eachItem(input.paths, 4, async (p) => {
        const sub = await clm.createNetworkPath({ container: input.container, ...p, action: 'permit' }, `${input.keyPrefix}:${p.name}`);
        const guid = sub.alreadyExisted ? sub.resource.guid : (await finishTask(sub.task.guid, `network path ${p.name}`)).resourceGuid;
        if (!guid) throw ApplicationFailure.nonRetryable(`network path ${p.name} completed without a guid`, 'ClmNoResult');
        return { guid, name: p.name, source: p.source, destination: p.destination };
      });
    },

    async createLoadBalancerVips(input: { container: string; vips: VipSpecInput[]; keyPrefix: string }): Promise<BatchOutcome<VipSpecInput, { guid: string; name: string }>> {
      return eachItem(input.vips, 4, async (v) => {
        const sub = await clm.createLoadBalancerVip({ container: input.container, name: v.name, virtualIp: v.virtualIp, port: v.port }, `${input.keyPrefix}:${v.name}`);
        const guid = sub.alreadyExisted ? sub.resource.guid : (await finishTask(sub.task.guid, `VIP ${v.name}`)).resourceGuid;
        if (!guid) throw ApplicationFailure.nonRetryable(`VIP ${v.name} completed without a guid`, 'ClmNoResult');
        return { guid, name: v.name };
      });
    },

    /**
     * Undo of paths and VIPs: removes every network path and VIP of the container (whatever a failed batch
     * managed to create is found this way too). Nothing to do when the container is gone.
     */
    async removeContainerPathsAndVips(input: { container: string; keyPrefix: string }): Promise<{ paths: number; vips: number }> {
      const c = await clm.getNetworkContainer(input.container);
      if (!c) return { paths: 0, vips: 0 };
      // No task: already gone, or a deletion an earlier attempt started is still under way (CLM starts no second one).
      const paths = await eachItem(c.networkPathGuids, 4, async (guid) => {
        const task = await clm.deleteNetworkPath(guid, `${input.keyPrefix}:path:${guid}`);
        if (task) await finishTask(task.guid, `path ${guid} deletion`);
        else await waitUntil(`path ${guid} gone`, async () => ((await clm.getNetworkPath(guid)) ? undefined : true));
        return guid;
      });
      const vips = await eachItem(c.loadBalancerVipGuids, 4, async (guid) => {
        const task = await clm.deleteLoadBalancerVip(guid, `${input.keyPrefix}:vip:${guid}`);
        if (task) await finishTask(task.guid, `VIP ${guid} deletion`);
        else await waitUntil(`VIP ${guid} gone`, async () => ((await clm.getLoadBalancerVip(guid)) ? undefined : true));
        return guid;
      });
      const left = paths.retry.length + vips.retry.length;
      if (left > 0) throw ApplicationFailure.retryable(`${left} paths or VIPs not removed yet: ${paths.lastError ?? vips.lastError}`, 'BatchIncomplete');
      return { paths: paths.done.length, vips: vips.done.length };
    },

    /**
     * One InMage control server (CX, process server or master target) ordered as a CLM service offering;
     * waits until it is active and registered with the CX. An instance of that hostname already counts.
     */
    async provisionControlServer(input: {
      tenant: string;
      offering: ControlServerOffering;
      hostname: string;
      drillsEnabled: boolean;
      idempotencyKey: string;
    }): Promise<{ clmGuid: string; hostname: string; controlServerId: string }> {
      const sub = await clm.provisionServiceOffering(
        { tenant: input.tenant, offering: input.offering, hostnamePrefix: input.hostname, quantity: 1, drillsEnabled: input.drillsEnabled },
        input.idempotencyKey,
      );
      let guid: string;
      if (sub.alreadyExisted) guid = sub.resource.guid;
      else {
        const task = await finishTask(sub.task.guid, `${input.offering} ${input.hostname}`);
        guid = String(task.results[0]?.guid ?? task.resourceGuid ?? '');
      }
      const soi = await waitUntil(`${input.hostname} active`, async () => {
        const s = await clm.getServiceOfferingInstance(guid);
        if (s?.state === 'FAILED') throw ApplicationFailure.nonRetryable(`service offering instance ${input.hostname} failed`, 'ClmInstanceFailed');
        return s && s.state === 'ACTIVE' && s.controlServerId ? s : undefined;
      });
      return { clmGuid: soi.guid, hostname: soi.hostname, controlServerId: soi.controlServerId as string };
    },

    /**
     * Decommissions a control server (deregisters it from the CX, freeing a master target's slot); already
     * gone is fine. Found by guid, or by tenant and hostname when the order's answer never came back. CLM
     * cannot delete an order still provisioning: it is deleted once it completes.
     */
    async decommissionControlServer(input: { clmGuid?: string; tenant?: string; hostname?: string; idempotencyKey: string }): Promise<{ decommissioned: boolean }> {
      const find = async () => {
        if (input.clmGuid) return clm.getServiceOfferingInstance(input.clmGuid);
        if (!input.tenant || !input.hostname) throw ApplicationFailure.nonRetryable('a control server is named by clmGuid or by tenant and hostname', 'BadInput');
        return (await clm.findServiceOfferingInstances({ tenant: input.tenant, hostname: input.hostname }))[0] ?? null;
      };
      const soi = await waitUntil('the control server order to complete', async () => {
        const s = await find();
        return s?.state === 'PROVISIONING' ? undefined : { found: s };
      });
      if (!soi.found) return { decommissioned: false };
      const guid = soi.found.guid;
      const task = await clm.decommissionServiceOffering(guid, input.idempotencyKey);
      // No task: gone already, or an earlier attempt's decommission is still under way.
      if (task) await finishTask(task.guid, 'decommission');
      else await waitUntil('the control server decommissioned', async () => ((await clm.getServiceOfferingInstance(guid)) ? undefined : true));
      return { decommissioned: true };
    },
  };
}
