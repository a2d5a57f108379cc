import { Context } from '@temporalio/activity';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { ApplicationFailure } from '@temporalio/common';
import { fixupPolicyOf, PARTIAL_FAILBACK_CAPTURE, planFixupServices, type EventPolicyMode, type FixupServicePlan, type ManagementServiceKind } from '../../domain/fixup-plan';
import {
  byKey, changedFields, collectionsOf, desiredAfterMove, identityMap, inScope, renameSite, reverseMerge, unresolvedServers, verifyCollection, type CollectionModel,
  type IdentityMap, type MgmtRec,
} from '../../domain/fixup-rules';
import { FixupRunEntity, type ManagementMetadataSnapshotEntity } from '../../infra/persistence/entities';
import { TypeOrmManagementMetadataRepository } from '../../infra/persistence/repositories/management-metadata.repository';
import { createTypeOrmRepositories } from '../../infra/persistence/repositories';
import type { FixupDirection, FixupOutcome, FixupServiceReport, VmIdentityChange } from '../../workflows/contracts';
import { eachLimited } from '../concurrency';
import type { ActivityDeps } from '../deps';
import { whileWaiting } from '../heartbeat';

/** Calls in flight per service while reconciling its records. */
const RECONCILE_CONCURRENCY = 16;
import { adapterFor, collectionAdapters, type CollectionAdapter } from './adapters';
import { createMetadataActivities } from './metadata';

/** Everything a fix-up run needs to know about the tenant, read once from the inventory (plain JSON). */
export interface FixupContext {
  tenantId: string;
  /** The tenant's name: how the provider's systems know it. */
  tenant: string;
  state: string;
  direction: FixupDirection;
  /**
   * The run's identities, when no run key stored them (a context loaded before they were stored by key).
   * A keyed run leaves them out: the per-service activities read them by `identitiesKey`.
   */
  identities?: VmIdentityChange[];
  /** The key (the run's workflow id) under which the run's identities are stored (`fixup_runs`). */
  identitiesKey?: string;
  /** The moved VMs' names, in the identities' order (what the workflow's own reports list). */
  vms?: string[];
  /** `formerPrimary`: on a failback onto a new primary site, the lost one, which captured records still name. */
  sites: { primary: string; dr: string; formerPrimary?: string };
  subnets: { primary: string; dr: string }[];
  services: FixupServicePlan[];
  /** The DR side's server of each service, where configured or listed (drEndpoint, or the DR site's server). */
  drServers: Partial<Record<ManagementServiceKind, string>>;
  /**
   * The DR site's server of a service as the provider lists it, where no drEndpoint is set (patching, LDAP,
   * event policy, DNS): it replaces references to servers that do not move with the tenant.
   */
  listedServers?: Partial<Record<ManagementServiceKind, string>>;
  /** The tenant's event-policy row's policy for moved servers' entries and event sources (FIG. 8). */
  eventPolicy?: EventPolicyMode;
  /** The primary-side snapshot the run starts from (failover) or merges into (failback). */
  snapshotVersion: number | null;
  /** The DR-side state the failover fix-up left (the failback merge's baseline). */
  drBaselineVersion: number | null;
  /**
   * Failback: the DR-side state captured once, when the run loaded, before it changed anything: the DR
   * period's changes are read from it, so a retried service does not take its own earlier writes for them.
   * Absent (older runs): they are read from the live services.
   */
  drFinalVersion?: number | null;
  /**
   * Failback that discards the DR period (a resume): every record goes back exactly as captured before the
   * failover, and what the DR period added is removed; nothing is merged.
   */
  discardDrChanges?: boolean;
}

export interface LoadFixupContextInput {
  tenantId: string;
  direction?: FixupDirection;
  identities?: VmIdentityChange[];
  services?: string[];
  /**
   * The run's workflow id: the identities are stored under it once (the first load wins, so a retried load
   * answers the same) and the context carries the key and the VM names instead of the list.
   */
  runKey?: string;
  /** A resume: the records go back exactly as captured; the DR period's changes are discarded. */
  discardDrChanges?: boolean;
  /** Failback onto a new primary site: the lost site, whose name the captured records hold. */
  formerPrimarySite?: string;
}

/** A service activity's context with the run's identities at hand. */
export type ResolvedFixupContext = Omit<FixupContext, 'services' | 'identities'> & { identities: VmIdentityChange[] };

export interface RestoreServiceInput {
  /** Without `vms` (the workflow keeps them); with `identitiesKey`, or the identities themselves (older runs). */
  context: Omit<FixupContext, 'services'>;
  kind: ManagementServiceKind;
  /** Minted by the workflow; each write's key is `<keyBase>:<collection>:<action>:<record>`. */
  keyBase: string;
  /**
   * The attempts the workflow's retry policy allows: a write a system refused transiently is retried (the whole
   * service, idempotently) before the last attempt; on the last, the records not written are reported failed.
   */
  attempts?: number;
}

export interface RestoreServiceResult {
  report: FixupServiceReport;
  changes: Record<string, { created: number; updated: number; removed: number }>;
  merge?: Record<string, { added: number; deleted: number; modified: number }>;
}

/** The host of an endpoint (`https://dr-1-mon-1:3661/x` → `dr-1-mon-1`): how the services name their servers. */
export function endpointHost(endpoint: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `tcp://${endpoint}`;
  try {
    return new URL(withScheme).hostname || endpoint;
  } catch {
    return endpoint;
  }
}

const SERVER_KINDS: ManagementServiceKind[] = ['monitoring', 'event-policy', 'backup', 'patching', 'ldap', 'dns'];

/** The day-one backup a failover schedules per node re-registered with the DR backup server (TSM/BCRS). */
const DAY_ONE_BACKUP = 'storage-pool' as const;

/** Capture reasons the fix-up reads: the DR baseline a failover fix-up leaves, the DR state a failback starts from. */
const POST_FAILOVER_FIXUP = 'post-failover-fixup';
const PRE_FAILBACK_FIXUP = 'pre-failback-fixup';

export function createFixupActivities(deps: ActivityDeps) {
  const adapters = collectionAdapters(deps.clients);
  const metadata = createMetadataActivities(deps);
  const repos = () => createTypeOrmRepositories(deps.dataSource.manager);
  const snapshots = () => new TypeOrmManagementMetadataRepository(deps.dataSource.manager);

  /** The DR site's monitoring and backup servers, as listed: they serve every tenant's moved VMs. */
  async function listedDrServers(site: string): Promise<Partial<Record<ManagementServiceKind, string>>> {
    const out: Partial<Record<ManagementServiceKind, string>> = {};
    const [mon, bkp] = await Promise.all([deps.clients.monitoring.listServers(), deps.clients.backup.listServers()]);
    const atSite = mon.find((s) => s.site === site);
    if (atSite) out.monitoring = atSite.name;
    const tsm = bkp.find((s) => s.site === site);
    if (tsm) out.backup = tsm.name;
    return out;
  }

  /**
   * The DR site's patch, directory, event-policy and DNS servers, as listed: the fallback for a tenant whose
   * rows set no drEndpoint. A listing that does not answer leaves its kind out (the service that needs it then
   * reports the server it cannot resolve), so one service being down does not stop the others.
   */
  async function listedFallbackServers(site: string): Promise<Partial<Record<ManagementServiceKind, string>>> {
    const sources: [ManagementServiceKind, () => Promise<{ name: string; site: string }[]>][] = [
      ['patching', () => deps.clients.patch.listServers()],
      ['ldap', () => deps.clients.ldap.listServers()],
      ['event-policy', () => deps.clients.eventPolicy.listServers()],
      ['dns', () => deps.clients.dns.listServers()],
    ];
    const out: Partial<Record<ManagementServiceKind, string>> = {};
    await Promise.all(
      sources.map(async ([kind, list]) => {
        const atSite = (await list().catch(() => [])).find((s) => s.site === site);
        if (atSite) out[kind] = atSite.name;
      }),
    );
    return out;
  }

  /** Stores a run's identities under its key once; a key already stored answers with what it holds. */
  async function storeIdentities(runKey: string, tenantId: string, direction: FixupDirection, identities: VmIdentityChange[]): Promise<VmIdentityChange[]> {
    const em = deps.dataSource.manager;
    const existing = await em.findOneBy(FixupRunEntity, { id: runKey });
    if (existing) return existing.identities as unknown as VmIdentityChange[];
    try {
      const row = Object.assign(new FixupRunEntity(), {
        id: runKey, tenantId, direction, vmCount: identities.length, identities: identities as unknown as Record<string, unknown>[], createdAt: new Date(),
      });
      await em.insert(FixupRunEntity, row as QueryDeepPartialEntity<FixupRunEntity>);
      return identities;
    } catch (err) {
      // A concurrent attempt of the same load stored them first.
      const raced = await em.findOneBy(FixupRunEntity, { id: runKey });
      if (raced) return raced.identities as unknown as VmIdentityChange[];
      throw err;
    }
  }

  async function resolveIdentities(context: Omit<FixupContext, 'services'>): Promise<ResolvedFixupContext> {
    const { identities, vms: _vms, ...rest } = context;
    if (identities) return { ...rest, identities };
    if (!context.identitiesKey) throw ApplicationFailure.nonRetryable('the fix-up context names no identities', 'FixupIdentitiesMissing');
    const row = await deps.dataSource.manager.findOneBy(FixupRunEntity, { id: context.identitiesKey });
    if (!row) throw ApplicationFailure.nonRetryable(`no identities stored for fix-up run ${context.identitiesKey}`, 'FixupIdentitiesMissing');
    return { ...rest, identities: row.identities as unknown as VmIdentityChange[] };
  }

  return {
    /**
     * Reads the run's context: the tenant, its sites and subnet rules, its management services in restore
     * order, the DR servers, the snapshot versions, and (for a standalone run) the identities of its VMs from
     * the inventory: primary → DR on failover, DR → primary on failback.
     */
    async loadFixupContext(input: LoadFixupContextInput): Promise<FixupContext> {
      const r = repos();
      const tenant = await r.tenants.findById(input.tenantId);
      if (!tenant) throw ApplicationFailure.nonRetryable(`tenant ${input.tenantId} does not exist`, 'TenantNotFound');
      const [primarySite, drSite, mapping, rows] = await Promise.all([
        r.sites.findById(tenant.primarySiteId),
        r.sites.findById(tenant.drSiteId),
        r.ipMappings.findByTenant(tenant.id),
        r.managementServices.list({ tenantId: tenant.id, includeShared: true }),
      ]);
      const direction: FixupDirection = input.direction ?? (['failing-over', 'failed-over'].includes(tenant.state) ? 'failover' : 'failback');
      let identities = input.identities;
      if (!identities || identities.length === 0) {
        const vms = await r.vms.list(tenant.id, { limit: 100_000, offset: 0 });
        identities = vms.items
          .filter((vm) => vm.drIps && vm.drIps.length > 0)
          .map((vm) => {
            const primary = { hostname: vm.primaryHostname, ips: vm.primaryIps };
            const dr = { hostname: vm.drHostname ?? vm.primaryHostname, ips: vm.drIps as string[] };
            return { vm: vm.name, role: vm.role, from: direction === 'failover' ? primary : dr, to: direction === 'failover' ? dr : primary };
          });
      }
      // A tenant's own row wins over the provider's shared one for the DR server.
      const ordered = [...rows].sort((a, b) => Number(a.tenantId === null) - Number(b.tenantId === null));
      const [drServers, listed] = drSite ? await Promise.all([listedDrServers(drSite.name), listedFallbackServers(drSite.name)]) : [{}, {}];
      const listedServers: Partial<Record<ManagementServiceKind, string>> = {};
      for (const kind of SERVER_KINDS) {
        const row = ordered.find((x) => x.kind === kind && x.drEndpoint);
        if (row?.drEndpoint) drServers[kind] = endpointHost(row.drEndpoint);
        else if (listed[kind] !== undefined && drServers[kind] === undefined) listedServers[kind] = listed[kind];
      }
      const eventPolicy = ordered.map((x) => (x.kind === 'event-policy' ? fixupPolicyOf(x.metadata).eventPolicy : undefined)).find((p) => p !== undefined) ?? 'rewrite';
      let keyed: Pick<FixupContext, 'identitiesKey' | 'vms'> | null = null;
      if (input.runKey) {
        identities = await storeIdentities(input.runKey, tenant.id, direction, identities);
        keyed = { identitiesKey: input.runKey, vms: identities.map((c) => c.vm) };
      }
      const store = snapshots();
      // What a partial failback left is no primary baseline: the rest of the tenant still ran at the DR site.
      const [primary, dr] = await Promise.all([store.latestExcept(tenant.id, 'primary', [PARTIAL_FAILBACK_CAPTURE]), store.latest(tenant.id, 'dr', POST_FAILOVER_FIXUP)]);
      // A DR-side snapshot newer than the last primary capture is this DR period's baseline.
      const drBaseline = dr && (!primary || dr.version > primary.version) ? dr : null;
      const drFinal = direction === 'failback' && input.runKey
        ? await metadata.captureManagementMetadata({
          tenantId: tenant.id, side: 'dr', reason: PRE_FAILBACK_FIXUP, captureKey: `${input.runKey}:dr-before-failback`, basedOnVersion: drBaseline?.basedOnVersion ?? null,
        })
        : null;
      return {
        tenantId: tenant.id,
        tenant: tenant.name,
        state: tenant.state,
        direction,
        ...(keyed ?? { identities }),
        sites: {
          primary: primarySite?.name ?? tenant.primarySiteId,
          dr: drSite?.name ?? tenant.drSiteId,
          ...(direction === 'failback' && input.formerPrimarySite ? { formerPrimary: input.formerPrimarySite } : {}),
        },
        subnets: mapping.subnets.map((s) => ({ primary: s.primaryCidr, dr: s.drCidr })),
        services: planFixupServices(rows, input.services),
        drServers,
        listedServers,
        eventPolicy,
        snapshotVersion: direction === 'failback' && drBaseline?.basedOnVersion ? drBaseline.basedOnVersion : (primary?.version ?? null),
        drBaselineVersion: direction === 'failback' ? (drBaseline?.version ?? null) : null,
        ...(drFinal ? { drFinalVersion: drFinal.version ?? null } : {}),
        ...(direction === 'failback' && input.discardDrChanges ? { discardDrChanges: true } : {}),
      };
    },

    /**
     * One service's failover or failback script, then its verification: reads the service, computes the
     * target records (FIG. 10 re-addressing on failover; the reverse merge on failback), makes the service so
     * with idempotent writes, reads it again and reports each VM restored, failed (why) or skipped.
     */
    async restoreManagementService(input: RestoreServiceInput): Promise<RestoreServiceResult> {
      // A service's script holds many calls (an agent install alone takes a minute): heartbeat throughout.
      return whileWaiting(`fix-up of ${input.kind}`, async () => {
        const started = new Date().toISOString();
        const { kind } = input;
        const ctx = await resolveIdentities(input.context);
        if (kind === 'usage-accounting') return skippedAll(ctx, kind, started, 'no usage-accounting system is reachable in this estate');
        if (kind === 'discovery') return runDiscovery(deps, ctx, input.keyBase, started);

        const store = snapshots();
        const base = ctx.snapshotVersion === null ? null : await store.findVersion(ctx.tenantId, ctx.snapshotVersion);
        const drBaseline = ctx.drBaselineVersion === null ? null : await store.findVersion(ctx.tenantId, ctx.drBaselineVersion);
        const drFinal = ctx.drFinalVersion ? await store.findVersion(ctx.tenantId, ctx.drFinalVersion) : null;
        if (ctx.direction === 'failback' && base === null) {
          // The values to go back to are the ones captured before the failover; without them nothing says what
          // they were, and the DR side's values must not pass for restored.
          return failedAll(ctx, kind, started, `no management metadata of ${ctx.tenant} was captured before the failover: the values to restore are unknown`);
        }
        const models = collectionsOf(kind);
        const map = moveMap(ctx, models, base);
        const changes: RestoreServiceResult['changes'] = {};
        const merge: NonNullable<RestoreServiceResult['merge']> = {};
        const expected = new Map<string, MgmtRec[]>();
        // FIG. 8, by policy: a moved server's server → customer entries and event sources dropped, not rewritten.
        const drop = kind === 'event-policy' && ctx.direction === 'failover' && ctx.eventPolicy === 'drop' ? dropSelector(map) : null;
        const notes = new Map<string, string>();
        const writeErrors: WriteError[] = [];

        for (const model of models) {
          const adapter = adapterFor(adapters, model);
          const live = await adapter.list(ctx.tenant);
          if (drop && model.id === 'event-policy.serverMap') {
            const doomed = live.filter(drop.entry);
            await eachLimited(doomed, RECONCILE_CONCURRENCY, async (r) => {
              await adapter.remove?.(ctx.tenant, r, (action) => `${input.keyBase}:${model.id}:drop:${model.key(r)}:${action}`);
            });
            for (const vm of map.vms) notes.set(vm, `event-policy entries and event sources dropped by the tenant's policy (fixup.eventPolicy: drop)`);
            expected.set(model.id, []);
            changes[model.id] = { created: 0, updated: 0, removed: doomed.length };
            continue;
          }
          // After a failback onto a new primary site, what named the lost site names the new one.
          const captured = (base?.records[model.id] ?? []).map((r) => (ctx.sites.formerPrimary ? renameSite(r, model, ctx.sites.formerPrimary, ctx.sites.primary) : r));
          let want: MgmtRec[];
          if (ctx.direction === 'failover') {
            const unresolved = unresolvedServers([...captured, ...live], model, map);
            if (unresolved.length > 0) {
              throw ApplicationFailure.nonRetryable(`no DR server known for ${unresolved.join(', ')}: set the drEndpoint of the tenant's ${kind} service`, 'DrServerUnknown');
            }
            want = desiredAfterMove(model, captured, live, map);
          } else if (ctx.discardDrChanges) {
            // A resume: the DR period is discarded, so its records go back exactly as captured.
            want = captured.filter((r) => inScope(r, new Set(map.vms)));
          } else {
            const merged = reverseMerge(model, captured, drBaseline ? (drBaseline.records[model.id] ?? []) : null, drFinal?.records[model.id] ?? live, map);
            merge[model.id] = { added: merged.added.length, deleted: merged.deleted.length, modified: merged.modified.length };
            want = merged.records;
          }
          expected.set(model.id, want);
          changes[model.id] = await reconcile(adapter, model, ctx.tenant, want, live, map, `${input.keyBase}:${model.id}`, writeErrors);
          if (ctx.discardDrChanges) changes[model.id].removed += await removeUnwanted(adapter, model, ctx.tenant, want, live, map, `${input.keyBase}:${model.id}`, writeErrors);
        }
        if (kind === 'event-policy') {
          // FIG. 8 (804): the event store's sources move to the new identities too (or go, by policy).
          const ipOnly = Object.fromEntries(Object.entries(map.addresses).filter(([k]) => !k.includes('/')));
          const events = await deps.clients.eventPolicy.listEvents({ tenant: ctx.tenant });
          if (drop) {
            const sources = [...new Set(events.filter((e) => drop.source(e.source)).map((e) => e.source))];
            if (sources.length > 0) {
              const { deleted } = await deps.clients.eventPolicy.deleteEventsBySource(ctx.tenant, sources, `${input.keyBase}:event-policy.events:drop`);
              changes['event-policy.events'] = { created: 0, updated: 0, removed: deleted };
            }
          } else if (events.some((e) => ipOnly[e.source] !== undefined)) {
            await deps.clients.eventPolicy.rewriteEventSources(ctx.tenant, ipOnly, `${input.keyBase}:event-policy.events:rewrite`);
          }
        }
        if (kind === 'backup' && ctx.direction === 'failover') {
          changes['backup.schedules'] = await scheduleDayOneBackups(deps, ctx.tenant, expected.get('backup.nodes') ?? [], `${input.keyBase}:backup.schedules`);
        }
        if (kind === 'backup' && ctx.direction === 'failback') {
          changes['backup.schedules'] = await cancelLeftSchedules(deps, ctx.tenant, expected.get('backup.nodes') ?? [], `${input.keyBase}:backup.schedules`, writeErrors);
        }
        const transient = writeErrors.filter((w) => w.retryable);
        if (transient.length > 0 && Context.current().info.attempt < (input.attempts ?? 1)) {
          throw ApplicationFailure.retryable(`${kind}: ${summarise(transient.map((w) => w.text))}`, 'RestoreWriteFailed');
        }

        // Verification: read the service again, and judge it against the records it should now hold.
        const problems = new Map<string, string[]>();
        const tenantWide: string[] = [];
        const covered = new Set<string>();
        for (const model of models) {
          const live = await adapterFor(adapters, model).list(ctx.tenant);
          const v = verifyCollection(model, expected.get(model.id) ?? [], live, map);
          for (const [vm, list] of v.vms) problems.set(vm, [...(problems.get(vm) ?? []), ...list]);
          tenantWide.push(...v.tenantWide);
          if (ctx.discardDrChanges) {
            for (const r of unwanted(model, expected.get(model.id) ?? [], live, map)) {
              const text = `${model.id} ${model.key(r)} was added during the DR period and is still there`;
              if (typeof r.server === 'string' && map.vms.includes(r.server)) problems.set(r.server, [...(problems.get(r.server) ?? []), text]);
              else tenantWide.push(text);
            }
          }
          for (const vm of v.covered) covered.add(vm);
        }
        if (kind === 'event-policy') {
          const old = new Set(Object.keys(map.addresses));
          const events = await deps.clients.eventPolicy.listEvents({ tenant: ctx.tenant });
          for (const e of events.filter((x) => old.has(x.source))) tenantWide.push(`event ${e.id} still has the old source ${e.source}`);
          if (drop) {
            const left = (await deps.clients.eventPolicy.listServerMappings({ tenant: ctx.tenant })) as unknown as MgmtRec[];
            for (const r of left.filter(drop.entry)) {
              const vm = typeof r.server === 'string' && map.vms.includes(r.server) ? r.server : null;
              const text = `event-policy.serverMap still maps ${String(r.serverIp)} to ${String(r.customerId)} (policy: drop)`;
              if (vm) problems.set(vm, [...(problems.get(vm) ?? []), text]);
              else tenantWide.push(text);
            }
          }
        }
        if (kind === 'backup' && ctx.direction === 'failback') {
          for (const x of leftSchedules(await deps.clients.backup.listSchedules({ tenant: ctx.tenant, kind: DAY_ONE_BACKUP }), expected.get('backup.nodes') ?? [])) {
            const text = `backup.schedules ${x.node}: a ${DAY_ONE_BACKUP} backup is still scheduled at ${x.backupServer}, where the node is no longer registered`;
            if (x.server && map.vms.includes(x.server)) problems.set(x.server, [...(problems.get(x.server) ?? []), text]);
            else tenantWide.push(text);
          }
        }
        // A write the system refused: its record is named with the refusal (the comparison above says what differs).
        for (const w of writeErrors) {
          if (w.vm && map.vms.includes(w.vm)) problems.set(w.vm, [...(problems.get(w.vm) ?? []), w.text]);
          else tenantWide.push(w.text);
        }
        if (kind === 'backup' && ctx.direction === 'failover') {
          const scheduled = await deps.clients.backup.listSchedules({ tenant: ctx.tenant, kind: DAY_ONE_BACKUP });
          const at = new Set(scheduled.map((x) => `${x.node}|${x.backupServer}`));
          for (const n of expected.get('backup.nodes') ?? []) {
            if (at.has(`${String(n.nodeName)}|${String(n.backupServer)}`)) continue;
            const text = `no day-one ${DAY_ONE_BACKUP} backup of node ${String(n.nodeName)} scheduled at ${String(n.backupServer)}`;
            if (typeof n.server === 'string' && map.vms.includes(n.server)) problems.set(n.server, [...(problems.get(n.server) ?? []), text]);
            else tenantWide.push(text);
          }
        }
        return { report: report(ctx, kind, started, problems, tenantWide, covered, notes), changes, ...(ctx.direction === 'failback' ? { merge } : {}) };
      });
    },
  };
}

/** The identity map of the run; on failback the servers are the primary side's, as captured. */
function moveMap(ctx: ResolvedFixupContext, models: CollectionModel[], base: ManagementMetadataSnapshotEntity | null): IdentityMap {
  if (ctx.direction === 'failover') {
    return identityMap({
      identities: ctx.identities,
      subnets: ctx.subnets.map((s) => ({ from: s.primary, to: s.dr })),
      sites: { [ctx.sites.primary]: ctx.sites.dr },
      servers: ctx.drServers,
      fallbackServers: ctx.listedServers ?? {},
      applyDrOverrides: true,
    });
  }
  const servers: Partial<Record<ManagementServiceKind, string>> = {};
  for (const model of models) {
    for (const [field, kind] of Object.entries(model.serverRefs)) {
      const common = mostCommon((base?.records[model.id] ?? []).map((r) => r[field]));
      if (common !== undefined) servers[kind] = common;
    }
  }
  return identityMap({
    identities: ctx.identities,
    subnets: ctx.subnets.map((s) => ({ from: s.dr, to: s.primary })),
    sites: { [ctx.sites.dr]: ctx.sites.primary },
    servers,
    applyDrOverrides: false,
  });
}

function mostCommon(values: unknown[]): string | undefined {
  const counts = new Map<string, number>();
  for (const v of values) if (typeof v === 'string') counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: string | undefined;
  for (const [v, n] of counts) if (best === undefined || n > (counts.get(best) ?? 0)) best = v;
  return best;
}

/**
 * Makes the service hold `want` for the in-scope records: creates what is missing, rewrites what differs
 * (the adapter's verb: reinstall, re-register, PATCH or upsert), and removes duplicates under an old
 * identity. A record already right is not touched, so a second run writes nothing.
 */
async function reconcile(
  adapter: CollectionAdapter, model: CollectionModel, tenant: string, want: MgmtRec[], live: MgmtRec[], map: IdentityMap, keyBase: string, errors: WriteError[],
): Promise<{ created: number; updated: number; removed: number }> {
  const vms = new Set(map.vms);
  const liveByKey = new Map<string, MgmtRec[]>();
  for (const r of live) {
    if (typeof r.server === 'string' && r.server !== '' && !vms.has(r.server)) continue;
    const k = model.key(r);
    liveByKey.set(k, [...(liveByKey.get(k) ?? []), r]);
  }
  const counts = { created: 0, updated: 0, removed: 0 };
  // Records are independent (each its own key): many VMs at once, so their latencies add up per slot, not in total.
  await eachLimited(want, RECONCILE_CONCURRENCY, async (target) => {
    const k = model.key(target);
    const key = (action: string) => `${keyBase}:${action}:${k}`;
    const have = liveByKey.get(k) ?? [];
    const match = have.find((h) => changedFields(h, target, model).length === 0 && Object.entries(model.expectLive ?? {}).every(([f, v]) => h[f] === v));
    try {
      if (!match && have.length === 0) {
        await adapter.create(tenant, target, key);
        counts.created++;
      } else if (!match) {
        await adapter.update(tenant, have[0], target, key);
        counts.updated++;
      }
      const kept = match ?? have[0];
      for (const extra of have.filter((h) => h !== kept && h.id !== kept?.id)) {
        if (!adapter.remove) continue;
        await adapter.remove(tenant, extra, (action) => `${keyBase}:${action}:${k}#${String(extra.id)}`);
        counts.removed++;
      }
    } catch (err) {
      // One record refused does not stop the others: it is reported, by its VM, once every record was tried.
      errors.push(writeError(target, `${model.id} ${k}`, err));
    }
  });
  return counts;
}

/** The in-scope records the service holds that the target does not name (on a resume: the DR period's additions). */
function unwanted(model: CollectionModel, want: MgmtRec[], live: MgmtRec[], map: IdentityMap): MgmtRec[] {
  const vms = new Set(map.vms);
  const keys = new Set(want.map((r) => model.key(r)));
  return live.filter((r) => inScope(r, vms) && !keys.has(model.key(r)));
}

/** Removes what `unwanted` finds; a record refused is reported like any write. */
async function removeUnwanted(
  adapter: CollectionAdapter, model: CollectionModel, tenant: string, want: MgmtRec[], live: MgmtRec[], map: IdentityMap, keyBase: string, errors: WriteError[],
): Promise<number> {
  let removed = 0;
  await eachLimited(unwanted(model, want, live, map), RECONCILE_CONCURRENCY, async (r) => {
    if (!adapter.remove) return;
    try {
      await adapter.remove(tenant, r, (action) => `${keyBase}:discard:${action}:${model.key(r)}#${String(r.id)}`);
      removed++;
    } catch (err) {
      errors.push(writeError(r, `${model.id} ${model.key(r)}`, err));
    }
  });
  return removed;
}

/** A write a management system refused: which record (and VM), why, and whether a retry may succeed. */
interface WriteError {
  vm: string | null;
  text: string;
  retryable: boolean;
}

function writeError(r: MgmtRec, what: string, err: unknown): WriteError {
  const message = err instanceof Error ? err.message : String(err);
  const retryable = !(err instanceof ApplicationFailure && err.nonRetryable);
  return { vm: typeof r.server === 'string' && r.server !== '' ? r.server : null, text: `${what} was not written: ${message}`, retryable };
}

/** Day-one backups of the restored nodes still scheduled at another backup server than the node's own. */
function leftSchedules<T extends { node: string; backupServer: string }>(scheduled: T[], nodes: MgmtRec[]): T[] {
  const home = new Map(nodes.map((n) => [String(n.nodeName), String(n.backupServer)]));
  return scheduled.filter((x) => home.has(x.node) && home.get(x.node) !== x.backupServer);
}

/**
 * Failback: the day-one backups the failover scheduled at the DR backup server are cancelled once their nodes
 * are registered with their own server again (a re-run finds nothing left to cancel).
 */
async function cancelLeftSchedules(
  deps: ActivityDeps, tenant: string, nodes: MgmtRec[], keyBase: string, errors: WriteError[],
): Promise<{ created: number; updated: number; removed: number }> {
  const left = leftSchedules(await deps.clients.backup.listSchedules({ tenant, kind: DAY_ONE_BACKUP }), nodes);
  let removed = 0;
  await eachLimited(left, RECONCILE_CONCURRENCY, async (x) => {
    try {
      if (await deps.clients.backup.cancelSchedule(x.id, `${keyBase}:cancel:${x.node}|${x.backupServer}`)) removed++;
    } catch (err) {
      errors.push(writeError({ server: x.server }, `backup.schedules ${x.node} at ${x.backupServer}`, err));
    }
  });
  return { created: 0, updated: 0, removed };
}

/**
 * The "drop" policy's selection: a server → customer entry of a moved VM (by name, or by its old or new
 * address), and an event whose source is a moved VM's old address (events raised since, from the new
 * address, stay).
 */
function dropSelector(map: IdentityMap): { entry: (r: MgmtRec) => boolean; source: (ip: string) => boolean } {
  const vms = new Set(map.vms);
  const old = Object.keys(map.addresses).filter((ip) => !ip.includes('/'));
  const ips = new Set([...old, ...old.map((ip) => map.addresses[ip])]);
  const oldIps = new Set(old);
  return {
    entry: (r) => (typeof r.server === 'string' && r.server !== '' ? vms.has(r.server) : ips.has(String(r.serverIp))) && inScope(r, vms),
    source: (ip) => oldIps.has(ip),
  };
}

/**
 * TSM/BCRS "schedule day-one backup of the storage pool": one per node of the moved VMs at the DR backup
 * server it is now registered with, unless it is already scheduled there (a re-run schedules nothing).
 */
async function scheduleDayOneBackups(deps: ActivityDeps, tenant: string, nodes: MgmtRec[], keyBase: string): Promise<{ created: number; updated: number; removed: number }> {
  const existing = await deps.clients.backup.listSchedules({ tenant, kind: DAY_ONE_BACKUP });
  const have = new Set(existing.map((x) => `${x.node}|${x.backupServer}`));
  const missing = nodes.filter((n) => !have.has(`${String(n.nodeName)}|${String(n.backupServer)}`));
  const startAt = new Date().toISOString();
  let created = 0;
  await eachLimited(missing, RECONCILE_CONCURRENCY, async (n) => {
    const node = String(n.nodeName);
    const res = await deps.clients.backup.scheduleBackup(
      { tenant, node, ...(typeof n.server === 'string' ? { server: n.server } : {}), kind: DAY_ONE_BACKUP, startAt },
      `${keyBase}:${DAY_ONE_BACKUP}:${node}`,
    );
    if (!res.alreadyExisted) created++;
  });
  return { created, updated: 0, removed: 0 };
}

function report(
  ctx: ResolvedFixupContext, kind: ManagementServiceKind, startedAt: string, problems: Map<string, string[]>, tenantWide: string[], covered: Set<string>,
  notes: Map<string, string> = new Map(),
): FixupServiceReport {
  const vms = ctx.identities.map(({ vm }) => {
    const list = problems.get(vm);
    if (list && list.length > 0) return { vm, outcome: 'failed' as FixupOutcome, reason: summarise(list) };
    if (covered.has(vm)) return { vm, outcome: 'restored' as FixupOutcome };
    return { vm, outcome: 'skipped' as FixupOutcome, reason: notes.get(vm) ?? `${kind} holds nothing about ${vm}` };
  });
  const failed = vms.some((v) => v.outcome === 'failed') || tenantWide.length > 0;
  const outcome: FixupOutcome = failed ? 'failed' : vms.some((v) => v.outcome === 'restored') || covered.size > 0 || vms.length === 0 ? 'restored' : 'skipped';
  const errors = [...tenantWide, ...vms.filter((v) => v.outcome === 'failed').map((v) => `${v.vm}: ${v.reason}`)];
  return { kind, outcome, startedAt, finishedAt: new Date().toISOString(), ...(failed ? { error: summarise(errors) } : {}), vms };
}

function summarise(list: string[]): string {
  return list.length <= 3 ? list.join('; ') : `${list.slice(0, 3).join('; ')} (and ${list.length - 3} more)`;
}

function failedAll(ctx: ResolvedFixupContext, kind: ManagementServiceKind, startedAt: string, reason: string): RestoreServiceResult {
  return {
    report: {
      kind, outcome: 'failed', startedAt, finishedAt: new Date().toISOString(), error: reason,
      vms: ctx.identities.map(({ vm }) => ({ vm, outcome: 'failed' as FixupOutcome, reason })),
    },
    changes: {},
  };
}

function skippedAll(ctx: ResolvedFixupContext, kind: ManagementServiceKind, startedAt: string, reason: string): RestoreServiceResult {
  return {
    report: { kind, outcome: 'skipped', startedAt, finishedAt: new Date().toISOString(), vms: ctx.identities.map(({ vm }) => ({ vm, outcome: 'skipped' as FixupOutcome, reason })) },
    changes: {},
  };
}

/** TSM/BCRS: "Trigger TADDM discovery" over the moved VMs' addresses; restored when their CIs are discovered. */
async function runDiscovery(deps: ActivityDeps, ctx: ResolvedFixupContext, keyBase: string, started: string): Promise<RestoreServiceResult> {
  const scope = [...new Set(ctx.identities.flatMap((c) => c.to.ips))];
  if (scope.length === 0) return skippedAll(ctx, 'discovery', started, 'no addresses to discover');
  // Discovery keeps no idempotency store: the run an earlier attempt of this fix-up started is found by its reference.
  const reference = `${keyBase}:discovery.runs:run`;
  const [earlier] = await deps.clients.discovery.listRuns({ tenant: ctx.tenant, reference });
  const run = earlier ?? (await deps.clients.discovery.runDiscovery({ tenant: ctx.tenant, scope, reference }, reference));
  let status = run.status;
  for (let wait = 250; status !== 'COMPLETED'; wait = Math.min(wait * 2, 10_000)) {
    Context.current().heartbeat({ run: run.id });
    await Context.current().sleep(wait);
    const now = await deps.clients.discovery.getRun(run.id);
    if (!now) throw ApplicationFailure.retryable(`discovery run ${run.id} disappeared`, 'DiscoveryRunLost');
    status = now.status;
  }
  const cis = byKey(((await deps.clients.cmdb.listCis({ tenant: ctx.tenant })) as unknown as MgmtRec[]).filter((ci) => typeof ci.server === 'string'), {
    key: (r) => String(r.server),
  } as CollectionModel);
  const vms = ctx.identities.map(({ vm, to }) => {
    const ci = cis.get(vm);
    if (!ci) return { vm, outcome: 'skipped' as FixupOutcome, reason: `no CI for ${vm}` };
    if (!to.ips.includes(String(ci.ip)) || typeof ci.lastDiscoveredAt !== 'string' || ci.lastDiscoveredAt < run.startedAt) {
      return { vm, outcome: 'failed' as FixupOutcome, reason: `CI ${String(ci.name)} (${String(ci.ip)}) was not discovered by run ${run.id}` };
    }
    return { vm, outcome: 'restored' as FixupOutcome };
  });
  const failed = vms.filter((v) => v.outcome === 'failed');
  return {
    report: {
      kind: 'discovery',
      outcome: failed.length > 0 ? 'failed' : 'restored',
      startedAt: started,
      finishedAt: new Date().toISOString(),
      ...(failed.length > 0 ? { error: summarise(failed.map((v) => `${v.vm}: ${v.reason}`)) } : {}),
      vms,
    },
    changes: { 'discovery.runs': { created: 1, updated: 0, removed: 0 } },
  };
}
