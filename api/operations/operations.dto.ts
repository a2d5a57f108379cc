import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, ValidateBy, ValidateIf } from 'class-validator';
import { MANAGEMENT_SERVICE_KINDS } from '../../infra/persistence/enums';
import { DRILL_TYPES, type DrillType } from '../../domain/drill';
import { OPERATION_KINDS, OPERATION_STATUSES, type OperationKind, type OperationStatus } from '../../domain/lifecycle';
import type { OperationEntity } from '../../infra/persistence/entities';
import type { OperationView } from '../../workflows/contracts';
import { Bool, Int, Ip, Nested, OneOf, PageQueryDto, Text, TextArray, Uuid } from '../common/validation';

/** How an ended operation came out; `completed-with-failures` keeps status `completed` (the contract's enum). */
const OPERATION_OUTCOMES = ['completed', 'completed-with-failures', 'failed', 'cancelled'] as const;
export type OperationOutcome = (typeof OPERATION_OUTCOMES)[number];

/** The kinds an API caller may start; the others are started by workflows (children) or declarations. */
export const STARTABLE_KINDS = ['onboarding', 'protection-change', 'failover', 'failback', 'resume', 'drill', 'fixup'] as const;
export type StartableKind = (typeof STARTABLE_KINDS)[number];

export const RECOVERY_POINT_KINDS = ['latest-app-consistent', 'latest-common-time', 'tag-before', 'time'] as const;

export class RecoveryPointDto {
  @OneOf(RECOVERY_POINT_KINDS, 'RecoveryPointKind') kind: (typeof RECOVERY_POINT_KINDS)[number];

  @ApiPropertyOptional({ description: 'For tag-before: the latest application-consistent tag at or before this time', format: 'date-time' })
  @ValidateIf((o: RecoveryPointDto) => o.kind === 'tag-before' || o.before !== undefined)
  @IsISO8601({ strict: true }, { message: 'recoveryPoint.before must be an ISO 8601 time (needed for kind tag-before)' })
  before?: string;

  @ApiPropertyOptional({ description: 'For time: the point in time to recover to', format: 'date-time' })
  @ValidateIf((o: RecoveryPointDto) => o.kind === 'time' || o.at !== undefined)
  @IsISO8601({ strict: true }, { message: 'recoveryPoint.at must be an ISO 8601 time (needed for kind time)' })
  at?: string;
}

export class ProtectionChangeDto {
  @TextArray({ optional: true, max: 5000, description: 'VMs of the tenant (by name, already in the inventory) to start protecting' }) add?: string[];
  @TextArray({ optional: true, max: 5000, description: 'Protected VMs (by name) to stop protecting; their DR IPs are released' }) remove?: string[];
}

/** Every item a management-service kind; the message names the ones that are not. */
function ManagementServiceKinds() {
  const unknown = (v: unknown) => (Array.isArray(v) ? v.filter((k) => !(MANAGEMENT_SERVICE_KINDS as readonly unknown[]).includes(k)) : []);
  return ValidateBy({
    name: 'managementServiceKinds',
    validator: {
      validate: (v) => unknown(v).length === 0,
      defaultMessage: (args) => `services has unknown management-service kinds: ${unknown(args?.value).join(', ')} (expected ${MANAGEMENT_SERVICE_KINDS.join(', ')})`,
    },
  });
}

export class CreateOperationDto {
  @OneOf(STARTABLE_KINDS, 'OperationKindStartable') kind: StartableKind;
  @Uuid() tenantId: string;
  @Uuid({ optional: true, description: 'Recovery plan (failover, failback, drill); the tenant\'s only plan when omitted' }) planId?: string;
  @Nested(() => RecoveryPointDto, { optional: true }) recoveryPoint?: RecoveryPointDto;
  @OneOf(['disaster', 'planned'], 'FailoverMode', { optional: true, description: 'Failover: unplanned disaster (default) or planned migration' }) mode?: 'disaster' | 'planned';
  @Text({ optional: true, max: 200, description: 'Idempotency: the same requestId returns the same operation' }) requestId?: string;
  @OneOf(DRILL_TYPES, 'DrillType', { optional: true, description: 'Drill: checklist (plan, readiness, recovery points, capacity; creates nothing), parallel (default: recovery into an isolated bubble while production runs) or full (a planned failover, then a failback)' }) drillType?: DrillType;
  @Bool({ optional: true, description: 'Resume: confirms that changes made at the DR site are discarded' }) confirmDataLoss?: boolean;
  @TextArray({ optional: true, min: 1, max: MANAGEMENT_SERVICE_KINDS.length, description: `Fixup: only these management services (a re-run after a manual repair); all of the tenant's when omitted. One of: ${MANAGEMENT_SERVICE_KINDS.join(', ')}` })
  @ManagementServiceKinds() services?: string[];
  @OneOf(['failover', 'failback'], 'FixupDirection', { optional: true, description: 'Fixup: to the DR identities (default when failed over) or back to the primary ones (default when protected)' }) direction?: 'failover' | 'failback';
  @Nested(() => ProtectionChangeDto, { optional: true, description: 'protection-change: the VMs to add to and remove from protection' }) protection?: ProtectionChangeDto;
  @Int({ optional: true, min: 1, max: 3600, description: 'Onboarding, protection-change, failback, resume, a full drill: seconds between replication-status polls (default 60)' }) statusPollSeconds?: number;
  @Bool({ optional: true, description: 'Onboarding: size master targets for DR drills, at most 40 VMDKs each (default true)' }) drillsEnabled?: boolean;
  @Ip({ optional: true, version: 4, description: "Onboarding: the enterprise's IPsec peer (default: first host of its primary network); failback to a new primary site: its peer, when it changed" }) vpnPeer?: string;
  @TextArray({ optional: true, min: 1, max: 5000, description: 'Failback: only these VMs return to the primary (partial failback); a VM whose dependency stays at the DR site is refused. Every VM at the DR site when omitted. Failover of a tenant already failed over (required then): the VMs a partial failover left at the primary, recovered now without failing back; a VM whose dependency is still at the primary is refused' }) vms?: string[];

  @ApiPropertyOptional({ description: 'Failback: the maintenance window opens at this time (the DR VMs stop then); without it the failback waits for an approve', format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'maintenanceWindowStart must be an ISO 8601 time' })
  maintenanceWindowStart?: string;

  @Uuid({ optional: true, description: 'Failback after the primary site was lost ("smoking hole"): the rebuilt or new primary site (kind primary) the tenant returns to; the inventory records it' }) primarySiteId?: string;
}

export class SiteFailoverDto {
  @Text({ optional: true, max: 200, description: 'Idempotency: the same requestId returns the same operation' }) requestId?: string;
  @Nested(() => RecoveryPointDto, { optional: true }) recoveryPoint?: RecoveryPointDto;
  @Int({ optional: true, min: 1, max: 100_000, description: 'VMs recovering at once on the DR site, shared by all tenants' }) perSiteCap?: number;
}

export class ListOperationsQueryDto extends PageQueryDto {
  @Uuid({ optional: true }) tenantId?: string;
  @OneOf(OPERATION_KINDS, 'OperationKind', { optional: true }) kind?: OperationKind;
  @OneOf(OPERATION_STATUSES, 'OperationStatus', { optional: true }) status?: OperationStatus;
}

export class OperationIdParamDto {
  @Text({ max: 255, description: 'Operation id (the Temporal workflow id)' }) id: string;
}

export class OperationVmParamDto extends OperationIdParamDto {
  @Text({ max: 200, description: 'VM name or id' }) vmId: string;
}

export class SiteIdParamDto {
  @Uuid({ description: 'The failed primary site' }) siteId: string;
}

export class OperatorActionDto {
  @Text({ optional: true, max: 1000 }) comment?: string;
  @Text({ optional: true, max: 200, description: 'approve: the gate to approve when several are open' }) gate?: string;
}

export class OperationCreatedDto {
  @ApiProperty() operationId: string;
}

export class OperationStepDto {
  @ApiProperty() name: string;
  @ApiProperty({ enum: ['running', 'waiting', 'completed', 'failed', 'skipped', 'compensated'] }) status: string;
  @ApiProperty() startedAt: string;
  @ApiPropertyOptional() finishedAt?: string;
  @ApiPropertyOptional() durationMs?: number;
  @ApiPropertyOptional() error?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) detail?: Record<string, unknown>;
}

export class OperationResponseDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: OPERATION_KINDS, enumName: 'OperationKind' }) kind: OperationKind;
  @ApiProperty({ nullable: true, type: String }) tenantId: string | null;
  @ApiProperty({ enum: OPERATION_STATUSES, enumName: 'OperationStatus' }) status: OperationStatus;
  @ApiProperty() requestedBy: string;
  @ApiProperty({ nullable: true, type: String }) requestId: string | null;
  @ApiProperty() startedAt: string;
  @ApiPropertyOptional({ nullable: true, type: String }) closedAt: string | null;
  @ApiProperty({ description: 'Current step' }) phase: string;
  @ApiProperty({ nullable: true, type: String, description: 'What the operation waits for while waiting' }) waitingFor: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) progress: Record<string, unknown>;
  @ApiProperty({ type: OperationStepDto, isArray: true }) steps: OperationStepDto[];
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Why it failed; for completed-with-failures, what was not done (e.g. the VMs not failed over)' }) error: string | null;
  @ApiProperty({
    nullable: true, enum: OPERATION_OUTCOMES, enumName: 'OperationOutcome',
    description: 'How it ended (null while it runs): completed-with-failures when it completed without some of its VMs (failed or blocked; they are named in error)',
  }) outcome: OperationOutcome | null;
  @ApiPropertyOptional({ nullable: true }) result: unknown;
  @ApiProperty({ description: 'live: answered by the running workflow; projection: from the inventory' }) source: 'live' | 'projection';
}

export class OperatorAnswerDto {
  @ApiProperty() accepted: boolean;
  @ApiProperty() detail: string;
}

/** How an operation ended: its own outcome when it recorded one, else its closing status. */
function outcomeOf(status: OperationStatus, progress: Record<string, unknown>): OperationOutcome | null {
  if (status === 'running' || status === 'waiting') return null;
  const own = progress.outcome;
  return typeof own === 'string' && (OPERATION_OUTCOMES as readonly string[]).includes(own) ? (own as OperationOutcome) : status;
}

export class OperationPageDto {
  @ApiProperty({ type: OperationResponseDto, isArray: true }) items: OperationResponseDto[];
  @ApiProperty() total: number;
  @ApiProperty() limit: number;
  @ApiProperty() offset: number;
}

export function mapOperation(row: OperationEntity): OperationResponseDto {
  const { phase, waitingFor, outcome: _outcome, ...progress } = (row.progress ?? {}) as Record<string, unknown>;
  return {
    id: row.id,
    kind: row.kind,
    tenantId: row.tenantId,
    status: row.status,
    requestedBy: row.requestedBy,
    requestId: row.requestId,
    startedAt: row.startedAt.toISOString(),
    closedAt: row.closedAt ? row.closedAt.toISOString() : null,
    phase: typeof phase === 'string' ? phase : row.status,
    waitingFor: typeof waitingFor === 'string' ? waitingFor : null,
    progress,
    steps: (row.steps ?? []) as OperationStepDto[],
    error: row.error,
    outcome: outcomeOf(row.status, (row.progress ?? {}) as Record<string, unknown>),
    result: row.result ?? null,
    source: 'projection',
  };
}

/** The running workflow's own view wins over the projection, which may lag behind it. */
export function mapLiveOperation(row: OperationEntity, view: OperationView): OperationResponseDto {
  return {
    ...mapOperation(row),
    status: view.status,
    closedAt: view.closedAt,
    phase: view.phase,
    waitingFor: view.waitingFor,
    progress: Object.fromEntries(Object.entries(view.progress).filter(([k]) => k !== 'outcome')),
    steps: view.steps,
    error: view.error,
    outcome: outcomeOf(view.status, view.progress),
    result: view.result ?? null,
    source: 'live',
  };
}
