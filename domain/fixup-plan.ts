/**
 * The order of a management fix-up: which services run, in which stages, and what each waits for. Pure, so
 * workflow code and the API share it. TSM/BCRS slides: infrastructure (DNS, LDAP/AD) first, then backup,
 * monitoring and event management, patching, CMDB/asset, ticketing, discovery, usage accounting.
 */
import { MANAGEMENT_SERVICE_KINDS, type ManagementServiceKind } from '../infra/persistence/enums';

export { MANAGEMENT_SERVICE_KINDS, type ManagementServiceKind };

/** Lower restores first; equal priorities run in parallel. Firewall rules are infrastructure too. */
export const DEFAULT_RESTORE_PRIORITY: Record<ManagementServiceKind, number> = {
  dns: 10,
  ldap: 10,
  firewall: 10,
  backup: 20,
  monitoring: 30,
  'event-policy': 30,
  patching: 40,
  cmdb: 50,
  asset: 50,
  ticketing: 60,
  discovery: 70,
  'usage-accounting': 80,
};

/** Dependencies inherent to the services: discovery refreshes the CIs, so it needs them re-addressed. */
export const INHERENT_DEPENDENCIES: Partial<Record<ManagementServiceKind, ManagementServiceKind[]>> = {
  discovery: ['cmdb'],
};

export function isManagementServiceKind(kind: string): kind is ManagementServiceKind {
  return (MANAGEMENT_SERVICE_KINDS as readonly string[]).includes(kind);
}

/** One service of the tenant as the fix-up sees it (from the inventory's management-service rows). */
export interface FixupServicePlan {
  kind: ManagementServiceKind;
  priority: number;
  /** Services that must be restored first; a failed one makes this one skipped. */
  dependsOn: ManagementServiceKind[];
  /** May the tenant be handed back while this service is not restored? (policy; default no). */
  required: boolean;
}

export interface FixupStage {
  priority: number;
  kinds: ManagementServiceKind[];
}

/**
 * Groups services into stages: by priority, lowest first, and never before a service they depend on (a
 * dependency of equal or lower rank pushes the dependent to a later stage; cycles are ignored). Services in
 * one stage have no dependency between them and run in parallel.
 */
export function fixupStages(services: (Pick<FixupServicePlan, 'kind' | 'priority'> & { dependsOn?: ManagementServiceKind[] })[]): FixupStage[] {
  const priorities = [...new Set(services.map((s) => s.priority))].sort((a, b) => a - b);
  const level = new Map<ManagementServiceKind, number>();
  for (const s of services) level.set(s.kind, Math.max(level.get(s.kind) ?? 0, priorities.indexOf(s.priority) * (services.length + 1)));
  // Longest-path relaxation; at most one pass per service, so a cycle cannot loop forever.
  for (let pass = 0; pass < services.length; pass++) {
    let moved = false;
    for (const s of services) {
      for (const d of s.dependsOn ?? []) {
        const need = (level.get(d) ?? -1) + 1;
        if (level.has(d) && need > (level.get(s.kind) ?? 0)) {
          level.set(s.kind, need);
          moved = true;
        }
      }
    }
    if (!moved) break;
  }
  const byLevel = new Map<number, { priority: number; kinds: ManagementServiceKind[] }>();
  for (const s of services) {
    const l = level.get(s.kind) ?? 0;
    const stage = byLevel.get(l) ?? { priority: s.priority, kinds: [] };
    if (!stage.kinds.includes(s.kind)) stage.kinds.push(s.kind);
    stage.priority = Math.max(stage.priority, s.priority);
    byLevel.set(l, stage);
  }
  return [...byLevel.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, st]) => ({ priority: st.priority, kinds: st.kinds.sort((a, b) => MANAGEMENT_SERVICE_KINDS.indexOf(a) - MANAGEMENT_SERVICE_KINDS.indexOf(b)) }));
}

/**
 * The tenant's services for a run: its own and the provider's shared rows (lowest priority of a kind wins),
 * or every kind at the default priority when it has none; narrowed to `only` (a re-run for one service).
 * Dependencies that are not part of the run are dropped: they cannot fail in it.
 */
export function planFixupServices(
  rows: { kind: string; restorePriority: number; metadata: Record<string, unknown> | null }[],
  only?: string[],
): FixupServicePlan[] {
  const byKind = new Map<ManagementServiceKind, FixupServicePlan>();
  const source = rows.length > 0 ? rows : MANAGEMENT_SERVICE_KINDS.map((kind) => ({ kind, restorePriority: DEFAULT_RESTORE_PRIORITY[kind], metadata: null }));
  for (const row of source) {
    if (!isManagementServiceKind(row.kind)) continue;
    const policy = fixupPolicyOf(row.metadata);
    const dependsOn = [...(INHERENT_DEPENDENCIES[row.kind] ?? []), ...policy.dependsOn.filter(isManagementServiceKind)];
    const existing = byKind.get(row.kind);
    if (existing && existing.priority <= row.restorePriority) continue;
    byKind.set(row.kind, { kind: row.kind, priority: row.restorePriority, dependsOn: [...new Set(dependsOn)], required: policy.required });
  }
  let plans = [...byKind.values()];
  if (only && only.length > 0) plans = plans.filter((p) => only.includes(p.kind));
  const inRun = new Set(plans.map((p) => p.kind));
  return plans.map((p) => ({ ...p, dependsOn: p.dependsOn.filter((d) => inRun.has(d) && d !== p.kind) }));
}

/** The fix-up policy kept in a management-service row's metadata under `fixup`. */
export interface FixupPolicy {
  required: boolean;
  dependsOn: string[];
  /** Set on the event-policy row: the set of entries it rewrites or drops for moved servers (patent FIG. 8). */
  eventPolicy?: EventPolicyMode;
}

/**
 * What the event-policy mapper does with a moved server's server → customer entries and event sources:
 * rewrite them to the new identity (default), or drop them (`metadata.fixup.eventPolicy: 'drop'`).
 */
export type EventPolicyMode = 'rewrite' | 'drop';

export function fixupPolicyOf(metadata: Record<string, unknown> | null | undefined): FixupPolicy {
  const raw = metadata && typeof metadata.fixup === 'object' && metadata.fixup !== null ? (metadata.fixup as Record<string, unknown>) : {};
  return {
    required: raw.required !== false,
    dependsOn: Array.isArray(raw.dependsOn) ? raw.dependsOn.filter((d): d is string => typeof d === 'string') : [],
    ...(raw.eventPolicy === 'drop' || raw.eventPolicy === 'rewrite' ? { eventPolicy: raw.eventPolicy } : {}),
  };
}

/** Names of the metadata-capture workflow and its messages (the API drives them by name). */
export const METADATA_CAPTURE_WORKFLOW = 'managementMetadataCapture';
export const metadataCaptureMessages = {
  captureNow: 'captureNow',
  setInterval: 'setCaptureInterval',
  status: 'captureStatus',
} as const;
export const metadataCaptureWorkflowId = (tenantId: string) => `metadata-capture:${tenantId}`;

/**
 * The capture a partial failback's fix-up leaves: part of the tenant still runs at the DR site, so it is not
 * the primary side's truth; the failback of the rest restores from the capture before the failover.
 */
export const PARTIAL_FAILBACK_CAPTURE = 'post-partial-failback-fixup';

/** Default capture interval: 5 minutes, well inside any tenant's data RPO. */
export const DEFAULT_CAPTURE_INTERVAL_SECONDS = 300;
export const MIN_CAPTURE_INTERVAL_SECONDS = 10;
export const MAX_CAPTURE_INTERVAL_SECONDS = 86_400;
