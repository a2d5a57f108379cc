/**
 * What the API, the worker and the workflows agree on: task queue, message definitions, search attributes,
 * workflow id builders and plain-JSON inputs/outputs. Imported by workflow code: no Node, no frameworks.
 */
import { ApplicationFailure, defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ReplicationProgress } from '../activities/failback';
import type { WatchSettings } from '../activities/protection-health';
import type { OperationKind, OperationStatus } from '../domain/lifecycle';
import type { BreachState } from '../domain/protection-health';
import type { RecoveryPointRequest } from '../domain/recovery-point';
import type { DrillProbe, DrillProbeResult, DrillType } from '../domain/drill';

export type { OperationKind, OperationStatus } from '../domain/lifecycle';

export const TASK_QUEUE = 'lifeline';

/** Workflow ids come from business keys, so a duplicate request finds the running operation. */
export const workflowIds = {
  estateCheck: (requestId: string) => `estate-check:${requestId}`,
  operation: (kind: OperationKind, tenantId: string, requestId: string) => `${kind}:${tenantId}:${requestId}`,
  /** Children are named after their parent, so a replayed parent finds the same child. */
  child: (parentId: string, part: string) => `${parentId}/${part}`,
  /** One protection watch per tenant. */
  protectionWatch: (tenantId: string) => `protection-watch:${tenantId}`,
};

/** Search attributes set on every operation workflow, for listing in the Temporal UI. */
export const searchAttributes = {
  tenantId: defineSearchAttributeKey('TenantId', SearchAttributeType.KEYWORD),
  operationKind: defineSearchAttributeKey('OperationKind', SearchAttributeType.KEYWORD),
  siteId: defineSearchAttributeKey('SiteId', SearchAttributeType.KEYWORD),
  recoveryPlanId: defineSearchAttributeKey('RecoveryPlanId', SearchAttributeType.KEYWORD),
};

// ---- operations: what every long-running operation shows and accepts --------------------------------

export type StepStatus = 'running' | 'waiting' | 'completed' | 'failed' | 'skipped' | 'compensated';

export interface OperationStep {
  name: string;
  status: StepStatus;
  startedAt: string;
  finishedAt?: string;
  durationMs?: number;
  error?: string;
  detail?: Record<string, unknown>;
}

/** Who asked for the operation; carried in every operation's input. */
export interface OperationRequest {
  requestedBy: string;
  requestId: string;
}

/** The live view of an operation, answered by the `progress` query and projected to the inventory. */
export interface OperationView {
  id: string;
  kind: OperationKind;
  tenantId: string | null;
  status: OperationStatus;
  phase: string;
  /** What the operation waits for while `status` is `waiting` (e.g. `approval of the network container`). */
  waitingFor: string | null;
  startedAt: string;
  closedAt: string | null;
  steps: OperationStep[];
  progress: Record<string, unknown>;
  error: string | null;
  result: unknown;
}

export interface OperatorAction {
  /** The principal who acted (token name or id), recorded in the operation's steps. */
  by: string;
  comment?: string;
}

export interface ApprovalAction extends OperatorAction {
  /** Which gate is approved, when the operation has several; defaults to the one it waits at. */
  gate?: string;
}

export interface VmAction extends OperatorAction {
  vm: string;
}

export interface OperatorAnswer {
  accepted: true;
  detail: string;
}

export const progressQuery = defineQuery<OperationView>('progress');
export const approveUpdate = defineUpdate<OperatorAnswer, [ApprovalAction]>('approve');
export const abortUpdate = defineUpdate<OperatorAnswer, [OperatorAction]>('abort');
export const pauseUpdate = defineUpdate<OperatorAnswer, [OperatorAction]>('pause');
export const resumeUpdate = defineUpdate<OperatorAnswer, [OperatorAction]>('resume');
export const skipVmUpdate = defineUpdate<OperatorAnswer, [VmAction]>('skipVm');
export const retryVmUpdate = defineUpdate<OperatorAnswer, [VmAction]>('retryVm');

/**
 * The failure type of an operator command refused because it would not take effect now (the VM is already
 * recovered, the operation is already paused): the API answers 409 with the message. Other refusals (an
 * unknown VM or gate) are about the request itself: 422.
 */
export const COMMAND_NOT_APPLICABLE = 'CommandNotApplicable';

/** Refuses an operator command that would not take effect now (see COMMAND_NOT_APPLICABLE). */
export function notApplicable(message: string): ApplicationFailure {
  return ApplicationFailure.create({ message, type: COMMAND_NOT_APPLICABLE, nonRetryable: true });
}

// ---- estate check --------------------------------------------------------------------------------------

export interface EstateEndpoint {
  system: string;
  url: string;
}

export interface EstateProbe {
  system: string;
  url: string;
  up: boolean;
  status?: number;
  error?: string;
  latencyMs: number;
}

export interface EstateCheckResult {
  checkedAt: string;
  inventory: { up: boolean; error?: string };
  systems: EstateProbe[];
  allUp: boolean;
}

// ---- management fix-up (failover and failback call it as a child; also its own operation) ------------

export type FixupDirection = 'failover' | 'failback';

export interface VmIdentity {
  hostname: string;
  ips: string[];
}

/** One VM's identity before and after the move (primary → DR on failover, DR → primary on failback). */
export interface VmIdentityChange {
  vm: string;
  role: 'management' | 'workload';
  from: VmIdentity;
  to: VmIdentity;
}

export interface FixupInput {
  tenantId: string;
  direction: FixupDirection;
  identities: VmIdentityChange[];
  /** Only these management-service kinds (a re-run after a manual repair); all of the tenant's when absent. */
  services?: string[];
  /**
   * Failback: other VMs of the tenant stay at the DR site after this run (a partial failback). What it leaves
   * is then no baseline for the rest: the next failback still restores from the capture before the failover.
   */
  othersStayAtDr?: boolean;
  /** Failback of a resume: every record back exactly as captured before the failover, the DR period's changes discarded. */
  discardDrChanges?: boolean;
  /**
   * Failback onto a new primary site: the lost site's name, which records captured before the failover hold
   * (CMDB CIs, assets, directory entries, ticketing resources); they name the new primary site instead.
   */
  formerPrimarySite?: string;
  request: OperationRequest;
}

export type FixupOutcome = 'restored' | 'failed' | 'skipped';

export interface FixupServiceReport {
  kind: string;
  outcome: FixupOutcome;
  startedAt: string;
  finishedAt: string;
  error?: string;
  vms: { vm: string; outcome: FixupOutcome; reason?: string }[];
}

/** The manageability report: per service and VM, restored, failed (with the reason) or skipped. */
export interface FixupReport {
  tenantId: string;
  direction: FixupDirection;
  services: FixupServiceReport[];
  /** Every service restored (or skipped by policy) for every VM. */
  manageable: boolean;
}

/** The fix-up workflow's type name, started by name so failover does not import its code. */
export const MANAGEMENT_FIXUP_WORKFLOW = 'managementFixup';

// ---- onboarding, DR container pre-provisioning and protection changes ---------------------------------

export const ONBOARDING_WORKFLOW = 'onboarding';
export const PROVISIONING_WORKFLOW = 'provisioning';
export const PROTECTION_CHANGE_WORKFLOW = 'protectionChange';

export interface OnboardingOptions {
  /** Seconds between replication-status polls while pairs resync (workflow timers, never a busy loop); default 60. */
  statusPollSeconds?: number;
  /** Size master targets for DR drills (at most 40 VMDKs each instead of 57); default true. */
  drillsEnabled?: boolean;
  /** The enterprise's IPsec peer for replication; default the first host of the tenant's primary network. */
  vpnPeer?: string;
  /** History events after which the Differential Sync wait continues as new; default 6,000 (tests set it low). */
  syncWaitHistorySoftLimit?: number;
}

export interface OnboardingInput extends OnboardingOptions {
  tenantId: string;
  request: OperationRequest;
  /**
   * Smoking hole: the tenant already runs in its DR container and has just failed back to a new primary site
   * (its parent failback owns the tenant's state). The container is kept, never undone; the lost site's
   * protection is retired and these VMs are protected afresh from the new site. `claimedBy` is the failback
   * that holds the tenant, under whose claim the child moves the tenant's state.
   */
  newPrimarySite?: { site: string; vms: string[]; claimedBy?: string };
}

/** Pre-provisioning of the tenant's DR network container; a child of onboarding or run on its own. */
export interface ProvisioningInput {
  tenantId: string;
  request: OperationRequest;
  vpnPeer?: string;
  /** The onboarding workflow to tell when an approval is awaited, so its `approve` reaches this child. */
  parentWorkflowId?: string;
}

export interface ProtectionChangeInput extends OnboardingOptions {
  tenantId: string;
  request: OperationRequest;
  /** VM names (as in the inventory) to start protecting and to stop protecting. */
  protection: { add?: string[]; remove?: string[] };
}

export interface DrVlanRecord { name: string; role: string; vlanId: number; subnet: string | null; bnaId?: string }
export interface DrTunnelRecord { interface: string; sequence: number; peer: string; localNetwork: string; remoteNetwork: string }
export interface DrNetworkPathRecord { guid: string; name: string; source: string; destination: string }
export interface DrVipRecord { guid: string; name: string; virtualIp: string; port: number; poolId: string; owner: string }
export interface DrManagementIpRecord { vm: string; address: string; poolId: string }
export interface DrControlServerRecord { role: 'cx' | 'ps' | 'mt'; hostname: string; controlServerId: string; clmGuid: string; osFamily?: string }
export interface DrProtectionPlanRecord { id: string; name: string; masterTarget: string; processServer: string; servers: string[] }
export interface DrControlPlaneRecord { controlServers: DrControlServerRecord[]; plans: DrProtectionPlanRecord[]; drillsEnabled: boolean }

/** What pre-provisioning built, as recorded in the inventory (`dr_containers`). */
export interface DrContainerRecord {
  tenantId: string;
  tenant: string;
  name: string;
  clmGuid: string;
  tier: string;
  drSiteId: string;
  vlans: DrVlanRecord[];
  asaContext: string | null;
  tunnel: DrTunnelRecord | null;
  networkPaths: DrNetworkPathRecord[];
  vips: DrVipRecord[];
  managementIps: DrManagementIpRecord[];
  controlPlane: DrControlPlaneRecord | null;
}

export interface VmProtectionRecord {
  vm: string;
  replicationState: 'unprotected' | 'resyncing' | 'differential-sync' | 'error';
  rpoLagSeconds: number | null;
  masterTarget: string | null;
  drIps: string[] | null;
  drHostname: string | null;
}

export interface OnboardingResult {
  tenantId: string;
  container: string;
  protectedVms: number;
  masterTargets: number;
  processServers: number;
  plans: number;
  maxRpoSeconds: number | null;
}

/** One poll's replication summary, as the parent's `replication` progress showed it. */
export interface ReplicationPollProgress {
  vms: number;
  inDifferentialSync: number;
  pairStates: Record<string, number>;
  minResyncPercent: number | null;
  polls: number;
}

/** The wait for every pair to reach Differential Sync, a child of onboarding and protection-change. */
export interface DifferentialSyncWaitInput {
  /** The tenant's name in InMage. */
  tenant: string;
  vms: string[];
  pollSeconds: number;
  /** Whose wait this is (the parent's operation kind), as the `progress` query shows it. */
  kind: OperationKind;
  tenantId: string | null;
  /** Past this many history events the wait continues as new; default 6,000 (Temporal's limit is 10,000). */
  historySoftLimit?: number;
  /** Carried across continue-as-new. */
  carried?: { startedAt: string; polls: number; runs: number; replication: ReplicationPollProgress | null };
}

export interface DifferentialSyncWaitResult {
  /** Each VM's RPO once in Differential Sync (an array: a Map does not cross workflow boundaries). */
  rpo: { vm: string; rpoSeconds: number | null }[];
  replication: ReplicationPollProgress;
  /** Runs of the wait, continue-as-new included. */
  runs: number;
}

/** The wait for one direction's pairs to reach Differential Sync, a child of failback and resume. */
export interface ReplicationWaitInput {
  /** The tenant's name in InMage. */
  tenant: string;
  vms: string[];
  direction: 'forward' | 'failback';
  pollSeconds: number;
  /** Whose wait this is (the parent's operation kind), as the `progress` query shows it. */
  kind: OperationKind;
  tenantId: string | null;
  /** Past this many history events the wait continues as new; default 6,000 (Temporal's limit is 10,000). */
  historySoftLimit?: number;
  /** Carried across continue-as-new. */
  carried?: { startedAt: string; polls: number; runs: number; replication: ReplicationProgress | null };
}

export interface ReplicationWaitResult {
  replication: ReplicationProgress;
  polls: number;
  /** Runs of the wait, continue-as-new included. */
  runs: number;
}

/** A resume's DNS and firewall calls back to the primary, one per VM, in a child that continues as new. */
export interface PublishBackInput {
  tenant: string;
  /** Each VM's DNS name and addresses: from its DR addresses back to its primary ones. */
  vms: { vm: string; fqdn: string; from: string[]; to: string[] }[];
  /** The resume's id: each VM's calls carry `<id>:<vm>` keys, as when the resume made them itself. */
  idempotencyPrefix: string;
  kind: OperationKind;
  tenantId: string | null;
  /** Past this many history events the child continues as new with the VMs left; default 6,000. */
  historySoftLimit?: number;
  carried?: { startedAt: string; published: number; runs: number };
}

export interface PublishBackResult {
  published: number;
  runs: number;
}

/** The child's news for its parent: it waits for (or no longer waits for) an approval. */
export const provisioningStatusSignal = defineSignal<[{ awaitingApproval: boolean; what: string | null }]>('provisioningStatus');
/** The parent forwards its `approve` to the child that waits for it. */
export const containerApprovalSignal = defineSignal<[ApprovalAction]>('containerApproval');

// ---- failover ------------------------------------------------------------------------------------------

/** Operator commands a failover forwards to the stage (wave) that is running. */
export interface StageCommand {
  action: 'pause' | 'resume' | 'abort' | 'skip' | 'retry';
  vm?: string;
  by: string;
}

export const stageCommandSignal = defineSignal<[StageCommand]>('stageCommand');

export type FailoverMode = 'disaster' | 'planned';

/** Latest application-consistent tag common to all volumes, latest common time, tag before a time, a time. */
export type FailoverRecoveryPoint = RecoveryPointRequest;

/** Step durations in seconds for the forecast (ETA); defaults are the products' typical real-world times. */
export interface FailoverStepDurations {
  recover: number;
  reIp: number;
  powerOn: number;
  boot: number;
  publish: number;
}

export interface FailoverInput {
  tenantId: string;
  planId?: string;
  recoveryPoint?: FailoverRecoveryPoint;
  mode?: FailoverMode;
  request: OperationRequest;
  /** The VMs of this tenant that may recover at once on the DR site (a site failover shares the site). */
  perSiteCap?: number;
  stepDurations?: FailoverStepDurations;
  /**
   * A follow-up failover of a tenant already failed over: recovers only these VMs, the ones a partial
   * failover left at the primary (failed, blocked, skipped); the others keep running at the DR site.
   */
  vms?: string[];
  /** Run for a parent operation holding the tenant (a `full` drill): under its claim, neither taken nor released here. */
  claimedBy?: string;
}

export type FailoverVmStatus = 'pending' | 'running' | 'recovered' | 'failed' | 'blocked' | 'skipped';

export interface FailoverResult {
  tenantId: string;
  status: 'failed-over' | 'partially-failed-over' | 'aborted';
  recovered: number;
  failed: { vm: string; reason: string }[];
  blocked: { vm: string; reason: string }[];
  skipped: string[];
  notStarted: string[];
  makespanSeconds: number;
  rtoMet: boolean;
  fixup: FixupReport | null;
  /** Per recovered VM, the point it was recovered to and the writes that lost (results since they were reported). */
  recoveryPoints?: Record<string, VmRecoveryPoint>;
  /** The largest data loss of any recovered VM, in seconds (zero for a planned migration); null when none recovered. */
  dataLossSeconds?: number | null;
}

/**
 * The point a VM was recovered to, and the data-loss window: the seconds of writes between that point and
 * the last write the operation had to keep (its final tag, on a planned migration or a failback: zero; the
 * failover's start, on a disaster).
 */
export interface VmRecoveryPoint {
  kind: 'tag' | 'time' | 'latest-time';
  tag?: string;
  at: string;
  dataLossSeconds: number;
}

/** A whole primary site fails: every protected tenant on it fails over, higher tiers first. */
export interface SiteFailoverInput {
  /** The failed primary site (inventory id). */
  siteId: string;
  request: OperationRequest;
  recoveryPoint?: FailoverRecoveryPoint;
  /** VMs recovering at once on the DR site, shared by all tenants (the site's oversubscription guard). */
  perSiteCap?: number;
  /** Seconds between capacity re-checks for tenants that do not fit yet. */
  recheckSeconds?: number;
  stepDurations?: FailoverStepDurations;
  /** History length past which a wait for DR capacity (a child) continues as new; default 6,000. */
  capacityWaitHistorySoftLimit?: number;
  /** Only these tenants of the site (a declaration holds back those whose own policy asks for approval). */
  onlyTenantIds?: string[];
}

/** A site failover's wait for room at the DR site for the next tenant in tier order. */
export interface DrCapacityWaitInput {
  /** The DR site's name and the tenant that waits for it. */
  site: string;
  tenant: string;
  vcpu: number;
  memoryGb: number;
  recheckSeconds: number;
  /** Past this many history events the wait continues as new; default 6,000. */
  historySoftLimit?: number;
  carried?: { startedAt: string; checks: number; runs: number };
}

export interface DrCapacityWaitResult {
  checks: number;
  runs: number;
}

export interface SiteTenantStatus {
  tenantId: string;
  name: string;
  tier: string;
  vms: number;
  status: 'waiting-for-capacity' | 'failing-over' | 'failed-over' | 'partially-failed-over' | 'failed' | 'aborted' | 'not-started';
  operationId?: string;
  reason?: string;
}

export interface SiteFailoverResult {
  siteId: string;
  tenants: SiteTenantStatus[];
}

// ---- failback and resume ------------------------------------------------------------------------------

export interface FailbackInput {
  tenantId: string;
  planId?: string;
  request: OperationRequest;
  /** Only these VMs fail back (partial failback); every VM at the DR site when absent. */
  vms?: string[];
  /** The maintenance window opens at this time; without it the failback waits for an `approve` before the DR VMs stop. */
  maintenanceWindowStart?: string;
  /** Seconds between replication-status polls while pairs resync (workflow timers); default 60. */
  statusPollSeconds?: number;
  /** The primary site was lost ("smoking hole"): the tenant returns to this rebuilt or new primary site instead. */
  primarySiteId?: string;
  /** A new primary site's IPsec peer for replication, when it is not the one the tunnel already names. */
  vpnPeer?: string;
  /** History length past which each replication wait (a child) continues as new; default 6,000. */
  syncWaitHistorySoftLimit?: number;
  /** Run for a parent operation holding the tenant (a `full` drill): under its claim, neither taken nor released here. */
  claimedBy?: string;
}

/** The outage a failback causes: from the first DR VM's power-off to the last primary VM's health. */
export interface FailbackOutage {
  startedAt: string;
  endedAt: string;
  seconds: number;
}

export interface FailbackResult {
  tenantId: string;
  status: 'failed-back' | 'partially-failed-back' | 'aborted';
  failedBack: number;
  failed: { vm: string; reason: string }[];
  blocked: { vm: string; reason: string }[];
  skipped: string[];
  notStarted: string[];
  outage: FailbackOutage | null;
  /** Forward protection re-established for these VMs (Differential Sync). */
  reprotected: number;
  drResourcesReleased: { vmsDeleted: number; ipsReleased: number; drillSnapshotsDeleted: number };
  makespanSeconds: number;
  fixup: FixupReport | null;
  /** Per VM back at the primary, the point it was recovered to (its final tag) and the data lost (zero). */
  recoveryPoints?: Record<string, VmRecoveryPoint>;
  dataLossSeconds?: number | null;
}

export interface ResumeInput {
  tenantId: string;
  planId?: string;
  request: OperationRequest;
  /** Must be true: changes made at the DR site since the failover are discarded. */
  confirmDataLoss?: boolean;
  statusPollSeconds?: number;
  /** History length past which the replication wait (a child) continues as new; default 6,000. */
  syncWaitHistorySoftLimit?: number;
  /** History length past which the per-VM DNS and firewall child continues as new; default 6,000. */
  publishHistorySoftLimit?: number;
}

export interface ResumeResult {
  tenantId: string;
  restarted: number;
  reprotected: number;
  drResourcesReleased: { vmsDeleted: number; ipsReleased: number; drillSnapshotsDeleted: number };
  fixup: FixupReport | null;
  makespanSeconds: number;
}

/** `POST /v1/tenants/{id}/reconcile`: `staleHolder` is the operation the API found holding the tenant but no longer running. */
export interface ReconcileInput {
  tenantId: string;
  staleHolder: string | null;
}

/** The tenant's inventory before and after, and the estate it was set from. */
export interface ReconcileResult {
  tenantId: string;
  before: { state: string; primarySiteId: string; activeOperationId: string | null };
  after: { state: string; primarySiteId: string; activeOperationId: string | null };
  changed: boolean;
  estate: { forwardPlans: string[]; forwardSourceSites: string[]; recoveredAtDr: string[]; runningAtDr: string[]; failbackLeftovers: string[] };
  /** What the estate showed that reconcile could not settle by itself. */
  problems: string[];
}

// ---- drills ----------------------------------------------------------------------------------------------

export const DRILL_WORKFLOW = 'drill';

export interface DrillInput {
  tenantId: string;
  planId?: string;
  recoveryPoint?: FailoverRecoveryPoint;
  /** `parallel` when absent. */
  drillType?: DrillType;
  /** A `full` drill's failback: seconds between replication-status polls (default 60). */
  statusPollSeconds?: number;
  request: OperationRequest;
}

/** One VM of a drill as the report shows it: its steps' times, its point, its probes. */
export interface DrillVmReport {
  vm: string;
  drillVm: string;
  wave: string;
  status: FailoverVmStatus;
  reason?: string;
  attempts: number;
  /** The VM's steps: recover (startedAt → recoveredAt), boot and probes (→ healthyAt), drill-zone record (→ finishedAt). */
  startedAt?: string;
  recoveredAt?: string;
  healthyAt?: string;
  finishedAt?: string;
  recoveryPoint?: { kind: string; tag?: string; at: string };
  recoveredTo?: string;
  probes: DrillProbeResult[];
}

/** A protection check of a drill: every forward pair in Differential Sync, or the VMs that are not. */
export interface DrillProtectionCheck {
  when: 'before' | 'during' | 'after';
  label: string;
  inSync: boolean;
  checkedAt: string;
  notInSync: { vm: string; state: string }[];
}

/**
 * The drill's report, kept with the operation (its result): what ran, how it measured against the tenant's
 * targets, who approved and who aborted, and the clean-up's proof read from the estate.
 */
export interface DrillReport {
  operationId: string;
  tenantId: string;
  tenant: string;
  drillType: DrillType;
  drillId: string;
  outcome: 'passed' | 'failed' | 'aborted' | 'cleanup-pending';
  requestedBy: string;
  startedAt: string;
  endedAt: string | null;
  plan: { id: string; name: string; revision: number };
  /** Inputs exactly as run, for a replay. */
  inputs: { planId: string; planRevision: number; recoveryPoint: FailoverRecoveryPoint; drillType: DrillType; probes: Record<string, DrillProbe[]> };
  checks: { readiness: { passed: boolean; failures: { vm: string; reason: string }[] }; recoveryPoints: { vm: string; reason: string }[]; capacity: Record<string, unknown> } | null;
  protection: DrillProtectionCheck[];
  /** When the drill's first change began (the RTO clock) and when its last VM was green. */
  recoveryStartedAt: string | null;
  allGreenAt: string | null;
  rto: { targetSeconds: number; achievedSeconds: number | null; passed: boolean };
  rpo: { targetSeconds: number; achievedSeconds: number | null; passed: boolean };
  network: { vlan: string; vlanId: number; subnet: string } | null;
  vms: DrillVmReport[];
  approvals: { gate: string; by: string; at: string }[];
  controls: { action: string; by: string; at: string; detail?: string }[];
  abortedBy: string | null;
  error: string | null;
  cleanup: { status: 'not-needed' | 'clean' | 'pending'; attempts: number; removed: Record<string, number> | null; verifiedAt: string | null; leftovers: string[]; lastError: string | null };
  /** A `full` drill: its failover and failback operations and how they ended. */
  children?: { failover?: { id: string; status: string }; failback?: { id: string; status: string } };
  steps: OperationStep[];
}

// ---- protection health: the watch per protected tenant ------------------------------------------------

export const PROTECTION_WATCH_WORKFLOW = 'protectionWatch';

export interface ProtectionWatchInput {
  tenantId: string;
  /** What a run continued as new hands to the next: the breach state (pending and open breaches) and counts. */
  carried?: { startedAt: string; samples: number; runs: number; breaches: BreachState; settings: WatchSettings };
}

export interface ProtectionWatchResult {
  samples: number;
  runs: number;
  /** The tenant's state that ended the watch (`failing-over`, `gone`...). */
  stoppedAt: string;
  /** Breaches still open then, closed as the watch ended. */
  closedAtStop: string[];
}

export interface ProtectionWatchView {
  tenantId: string;
  startedAt: string;
  samples: number;
  runs: number;
  breaches: BreachState;
  /** Why the last sample could not be taken; null once one is. */
  lastError: string | null;
}

/** The watch's live state: its open and pending breaches. */
export const protectionWatchQuery = defineQuery<ProtectionWatchView>('protectionWatch');
