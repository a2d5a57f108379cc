import { Context } from '@temporalio/activity';
import { DIFFERENTIAL_SYNC, type Breach, type ClearedBreach, type VmException } from '../domain/protection-health';
import type { ControlServer, Pair, ProtectedServer, ProtectionPlan } from '../infra/clients/inmage';
import { ProtectedVmEntity, ProtectionBreachEntity, ProtectionSampleEntity, ProtectionStatusEntity, TenantEntity, type VmLag } from '../infra/persistence/entities';
import { TypeOrmProtectionHealthRepository } from '../infra/persistence/repositories/protection-health.repository';
import { startProtectionWatch } from '../infra/temporal/protection-watches';
import type { ActivityDeps } from './deps';

/** The tenant states a watch samples in: protection runs (a drill leaves it untouched). */
const WATCHED_STATES = ['protected', 'drilling'];
const STAGES = ['Resyncing (Step I)', 'Resyncing (Step II)', DIFFERENTIAL_SYNC];

export interface WatchSettings {
  sampleSeconds: number;
  graceSeconds: number;
  historySoftLimit?: number;
}

export type ProtectionHealthSample =
  | { watching: false; tenantState: string }
  | {
      watching: true;
      tenant: string;
      tenantState: string;
      rpoSeconds: number;
      settings: WatchSettings;
      watched: number;
      /** Only the VMs out of health (over their RPO, or a pair out of Differential Sync): the rest are fine. */
      exceptions: VmException[];
      worst: { vm: string; lagSeconds: number } | null;
      readinessProblems: number;
    };

interface Readiness {
  agentsMissing: string[];
  masterTargets: { name: string; healthy: boolean; problem: string | null }[];
  processServers: { name: string; healthy: boolean; problem: string | null }[];
  /** VMs with a pair in Differential Sync but no retention window (nothing to recover to). */
  noRetentionWindow: string[];
  applicationTags: { intervalMinutes: number; oldest: { vm: string; ageSeconds: number } | null; stale: string[]; missing: string[] };
}

/**
 * The protection watch's activities. Sampling only reads the estate (InMage pairs, control servers, tags) and
 * writes what it found to the inventory, keyed by the sample's time; breaches are told through the ticketing
 * system, one ticket per breach found by its correlation id before anything is created.
 */
export function createProtectionHealthActivities(deps: ActivityDeps) {
  const inmage = deps.clients.inmage;
  const ticketing = deps.clients.ticketing;
  const em = () => deps.dataSource.manager;
  const health = () => new TypeOrmProtectionHealthRepository(em());
  const settings = (): WatchSettings & { historySamples: number } => ({
    sampleSeconds: deps.protectionWatch?.sampleSeconds ?? 60,
    graceSeconds: deps.protectionWatch?.graceSeconds ?? 300,
    historySamples: deps.protectionWatch?.historySamples ?? 1440,
    ...(deps.protectionWatch?.historySoftLimit ? { historySoftLimit: deps.protectionWatch.historySoftLimit } : {}),
  });

  return {
    /**
     * One sample of a tenant's protection at `at` (the watch's clock): per watched VM (in Differential Sync in
     * the inventory) its pairs' least advanced state and worst lag, and readiness (agents, master targets and
     * process servers, retention windows, the age of the latest application-consistent tag). Stored as the
     * tenant's status and in its history. A tenant no longer protected is not sampled: the watch ends.
     */
    async sampleProtectionHealth(input: { tenantId: string; at: number }): Promise<ProtectionHealthSample> {
      const tenant = await em().findOneBy(TenantEntity, { id: input.tenantId });
      if (!tenant || !WATCHED_STATES.includes(tenant.state)) {
        const state = tenant?.state ?? 'gone';
        if (tenant) await health().stopWatch(tenant.id, state);
        return { watching: false, tenantState: state };
      }
      const s = settings();
      const rpoSeconds = tenant.rpoMinutes * 60;
      const names = (await em().find(ProtectedVmEntity, { select: ['name'], where: { tenantId: tenant.id, replicationState: 'differential-sync' }, order: { name: 'ASC' } })).map((v) => v.name);
      const [servers, controlServers, plans] = await Promise.all([
        inmage.listServers(tenant.name), inmage.listControlServers(tenant.name), inmage.listProtectionPlans(tenant.name),
      ]);
      const byName = new Map(servers.map((x) => [x.name, x]));
      const vms: VmLag[] = names.map((vm) => vmLag(vm, byName.get(vm)));
      const forwardPlans = plans.filter((p) => p.direction === 'forward');
      const readiness = await readinessOf(names, byName, controlServers, forwardPlans, input.at, (vm) => inmage.listConsistencyTags(tenant.name, vm, { type: 'application', limit: 1 }));

      const exceptions = vms.filter((v) => v.state !== DIFFERENTIAL_SYNC || (v.lagSeconds !== null && v.lagSeconds > rpoSeconds));
      const inSync = vms.filter((v) => v.state === DIFFERENTIAL_SYNC && v.lagSeconds !== null);
      const worst = inSync.reduce<VmLag | null>((w, v) => (w === null || (v.lagSeconds as number) > (w.lagSeconds as number) ? v : w), null);
      const readinessProblems =
        readiness.agentsMissing.length + readiness.masterTargets.filter((m) => !m.healthy).length + readiness.processServers.filter((p) => !p.healthy).length +
        readiness.noRetentionWindow.length + readiness.applicationTags.stale.length + readiness.applicationTags.missing.length;
      const sampledAt = new Date(input.at);
      await health().saveSample(
        Object.assign(new ProtectionStatusEntity(), {
          tenantId: tenant.id, watch: 'running', tenantState: tenant.state, rpoSeconds, sampledAt, worstVm: worst?.vm ?? null,
          worstLagSeconds: worst?.lagSeconds ?? null, vms, readiness: readiness as unknown as Record<string, unknown>, updatedAt: new Date(),
        }),
        Object.assign(new ProtectionSampleEntity(), {
          id: `${tenant.id}:${input.at}`, tenantId: tenant.id, sampledAt, vmCount: vms.length,
          vmsOverRpo: inSync.filter((v) => (v.lagSeconds as number) > rpoSeconds).length, vmsOutOfSync: vms.length - inSync.length,
          worstVm: worst?.vm ?? null, worstLagSeconds: worst?.lagSeconds ?? null, readinessProblems,
        }),
        s.historySamples,
      );
      return {
        watching: true, tenant: tenant.name, tenantState: tenant.state, rpoSeconds,
        settings: { sampleSeconds: s.sampleSeconds, graceSeconds: s.graceSeconds, ...(s.historySoftLimit ? { historySoftLimit: s.historySoftLimit } : {}) },
        watched: vms.length, exceptions: exceptions.map((v) => ({ vm: v.vm, state: v.state, lagSeconds: v.lagSeconds })),
        worst: worst ? { vm: worst.vm, lagSeconds: worst.lagSeconds as number } : null, readinessProblems,
      };
    },

    /**
     * A breach opened: its ticket (the one already opened for the breach id is adopted, never doubled) and its
     * inventory record.
     */
    async openBreachTicket(input: { tenant: string; tenantId: string; breach: Breach; summary: string }): Promise<{ ticket: string }> {
      const b = input.breach;
      const [existing] = await ticketing.listTickets({ tenant: input.tenant, correlationId: b.id });
      const ticket = existing
        ? existing.id
        : String((await ticketing.createTicket({ tenant: input.tenant, summary: input.summary, severity: 2, server: b.vm, correlationId: b.id }, `${b.id}:open`)).record.id);
      await health().saveBreach(breachRow(input.tenantId, { ...b, ticket }, null));
      return { ticket };
    },

    /** The breach got worse (its lag reached another doubling of the RPO): its ticket says so, at a higher severity. */
    async escalateBreachTicket(input: { tenant: string; tenantId: string; breach: Breach; summary: string }): Promise<void> {
      const b = input.breach;
      const open = (await ticketing.listTickets({ tenant: input.tenant, correlationId: b.id })).filter((t) => t.status !== 'closed');
      for (const t of open) {
        if (t.summary !== input.summary) await ticketing.updateTicket(t.id, { summary: input.summary, severity: 1 }, `${b.id}:escalate:${b.escalations}:${t.id}`);
      }
      await health().saveBreach(breachRow(input.tenantId, b, null));
    },

    /** The breach cleared: its ticket updated with the resolution and closed, and the breach recorded as cleared. */
    async closeBreachTicket(input: { tenantId: string; breach: ClearedBreach }): Promise<{ closed: string[] }> {
      const b = input.breach;
      // Found by the breach id alone: a watch ending because its tenant is gone no longer knows the tenant's name.
      const open = (await ticketing.listTickets({ correlationId: b.id })).filter((t) => t.status !== 'closed');
      for (const t of open) {
        await ticketing.updateTicket(t.id, { status: 'closed', resolution: b.resolution }, `${b.id}:close:${t.id}`);
      }
      await health().saveBreach(breachRow(input.tenantId, b, b));
      return { closed: open.map((t) => t.id) };
    },

    /**
     * Starts the tenant's protection watch unless it runs already (one per tenant, by workflow id), on this
     * worker's task queue: an operation that leaves the tenant protected calls it as it ends.
     */
    async ensureProtectionWatch(input: { tenantId: string }): Promise<{ workflowId: string }> {
      const ctx = Context.current();
      return { workflowId: await startProtectionWatch(ctx.client, ctx.info.taskQueue, input.tenantId) };
    },
  };
}

function vmLag(vm: string, server: ProtectedServer | undefined): VmLag {
  const pairs: Pair[] = server?.protection?.pairs.filter((p) => p.direction === 'forward') ?? [];
  if (pairs.length === 0) return { vm, state: 'Unprotected', lagSeconds: null };
  const stage = (p: Pair) => STAGES.indexOf(p.state);
  const least = pairs.reduce((a, b) => (stage(b) < stage(a) ? b : a));
  const lags = pairs.map((p) => p.rpoSeconds).filter((x): x is number => x !== null);
  return { vm, state: least.state, lagSeconds: lags.length ? Math.max(...lags) : null };
}

async function readinessOf(
  vms: string[],
  servers: Map<string, ProtectedServer>,
  controlServers: ControlServer[],
  plans: ProtectionPlan[],
  at: number,
  appTags: (vm: string) => Promise<{ volumes: { tags: { time: string }[] }[] }>,
): Promise<Readiness> {
  const byId = new Map(controlServers.map((c) => [c.id, c]));
  const check = (id: string, role: 'mt' | 'ps') => {
    const c = byId.get(id);
    if (!c) return { name: id, healthy: false, problem: `${role === 'mt' ? 'master target' : 'process server'} ${id} is not registered with the CX` };
    const over = role === 'mt' ? (c.freeVmdks ?? 0) < 0 : (c.freeChangeRateGbPerDay ?? 0) < 0;
    return { name: c.name, healthy: !over, problem: over ? (role === 'mt' ? `${c.name} serves more VMDKs than it may` : `${c.name} carries more than 1 TB/day`) : null };
  };
  const interval = Math.max(15, ...plans.map((p) => p.appTagIntervalMin));
  const oldest = { vm: '', ageSeconds: -1 };
  const stale: string[] = [];
  const missing: string[] = [];
  for (let i = 0; i < vms.length; i += 8) {
    await Promise.all(
      vms.slice(i, i + 8).map(async (vm) => {
        const inSync = (servers.get(vm)?.protection?.pairs ?? []).some((p) => p.state === DIFFERENTIAL_SYNC);
        if (!inSync) return;
        const report = await appTags(vm);
        // The latest tag every volume holds is the oldest of the volumes' latest.
        const latest = report.volumes.map((v) => (v.tags[0] ? Date.parse(v.tags[0].time) : null));
        if (latest.length === 0 || latest.some((t) => t === null)) {
          missing.push(vm);
          return;
        }
        const age = Math.max(0, Math.round((at - Math.min(...(latest as number[]))) / 1000));
        if (age > 2 * interval * 60) stale.push(vm);
        if (age > oldest.ageSeconds) Object.assign(oldest, { vm, ageSeconds: age });
      }),
    );
  }
  return {
    agentsMissing: vms.filter((vm) => servers.get(vm) && !servers.get(vm)?.agentInstalled),
    masterTargets: [...new Set(plans.map((p) => p.masterTargetId))].map((id) => check(id, 'mt')),
    processServers: [...new Set(plans.map((p) => p.processServerId))].map((id) => check(id, 'ps')),
    noRetentionWindow: vms.filter((vm) => (servers.get(vm)?.protection?.pairs ?? []).some((p) => p.state === DIFFERENTIAL_SYNC && p.retentionWindowStart === null)),
    applicationTags: { intervalMinutes: interval, oldest: oldest.ageSeconds < 0 ? null : oldest, stale: stale.sort(), missing: missing.sort() },
  };
}

function breachRow(tenantId: string, b: Breach, cleared: ClearedBreach | null): ProtectionBreachEntity {
  return Object.assign(new ProtectionBreachEntity(), {
    id: b.id, tenantId, vm: b.vm, kind: b.kind, since: new Date(b.since), openedAt: new Date(b.openedAt),
    clearedAt: cleared ? new Date(cleared.clearedAt) : null, peakLagSeconds: b.peakLagSeconds, detail: b.detail,
    resolution: cleared?.resolution ?? null, ticket: b.ticket,
  });
}
