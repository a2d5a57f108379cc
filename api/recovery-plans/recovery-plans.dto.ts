import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ExecutionSchedule, Forecast } from '../../domain/recovery-plan';
import type { PlanRecord, PlanSummary } from '../../infra/persistence/repositories';
import { Bool, Int, Name, Nested, NestedArray, TextArray } from '../common/validation';

export class PlanGroupDto {
  @Name({ example: 'databases' }) name: string;
  @TextArray({ max: 5000, example: ['nw-db-1', 'nw-db-2'], description: 'VM names, in recovery order preference' }) vms: string[];
  @Int({ min: 1, max: 10_000, optional: true, description: 'VMs of this group recovering at once' }) maxConcurrency?: number;
  @Bool({ optional: true, description: 'Wait for an operator approval before the group starts' }) approvalRequired?: boolean;
}

export class PlanDependencyDto {
  @Name({ example: 'nw-app-1' }) vm: string;
  @TextArray({ min: 1, max: 5000, example: ['nw-db-1'] }) dependsOn: string[];
}

export class PlanCapsDto {
  @Int({ min: 1, max: 10_000, optional: true, description: 'VMs recovering at once per InMage master target' }) perMasterTarget?: number;
  @Int({ min: 1, max: 10_000, optional: true, description: 'VMs of this plan recovering at once on the DR site' }) perSite?: number;
}

/** Body of POST and PUT (a PUT replaces the whole plan). */
export class RecoveryPlanBodyDto {
  @Name({ example: 'full-site' }) name: string;
  @NestedArray(() => PlanGroupDto, { min: 1, max: 500, description: 'Priority waves, in order' }) groups: PlanGroupDto[];
  @NestedArray(() => PlanDependencyDto, { max: 20_000, optional: true }) dependencies?: PlanDependencyDto[];
  @Nested(() => PlanCapsDto, { optional: true }) caps?: PlanCapsDto;
}

export class PlanGroupResponseDto {
  @ApiProperty() name: string;
  @ApiProperty({ type: String, isArray: true }) vms: string[];
  @ApiPropertyOptional({ type: Number, nullable: true }) maxConcurrency: number | null;
  @ApiProperty() approvalRequired: boolean;
}

export class PlanCapsResponseDto {
  @ApiPropertyOptional({ type: Number, nullable: true }) perMasterTarget: number | null;
  @ApiPropertyOptional({ type: Number, nullable: true }) perSite: number | null;
}

export class RecoveryPlanResponseDto {
  @ApiProperty() id: string;
  @ApiProperty() tenantId: string;
  @ApiProperty() name: string;
  @ApiProperty({ description: 'Incremented by every PUT' }) revision: number;
  @ApiProperty({ type: PlanGroupResponseDto, isArray: true }) groups: PlanGroupResponseDto[];
  @ApiProperty({ type: PlanDependencyDto, isArray: true }) dependencies: PlanDependencyDto[];
  @ApiProperty({ type: PlanCapsResponseDto }) caps: PlanCapsResponseDto;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class RecoveryPlanSummaryDto {
  @ApiProperty() id: string;
  @ApiProperty() tenantId: string;
  @ApiProperty() name: string;
  @ApiProperty() revision: number;
  @ApiProperty() groupCount: number;
  @ApiProperty() vmCount: number;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class PlanPreviewDto {
  @ApiProperty() planId: string;
  @ApiProperty() revision: number;
  @ApiProperty({ description: 'Seconds per recovery step of each VM used by the forecast', type: 'object', additionalProperties: { type: 'number' } })
  stepDurations: Record<string, number>;
  @ApiProperty({ description: 'The compiled execution order (stage 0 = management VMs)', type: 'object', additionalProperties: true })
  schedule: ExecutionSchedule;
  @ApiProperty({ description: 'Forecast timeline in seconds: lower bound, estimated makespan, per-stage and per-VM times', type: 'object', additionalProperties: true })
  forecast: Forecast;
}

export function mapPlan(r: PlanRecord): RecoveryPlanResponseDto {
  return {
    id: r.plan.id, tenantId: r.plan.tenantId, name: r.plan.name, revision: r.plan.revision,
    groups: r.groups.map(({ group, vms }) => ({ name: group.name, vms, maxConcurrency: group.maxConcurrency, approvalRequired: Boolean(group.approvalRequired) })),
    dependencies: r.dependencies,
    caps: { perMasterTarget: r.plan.capPerMasterTarget, perSite: r.plan.capPerSite },
    createdAt: r.plan.createdAt.toISOString(), updatedAt: r.plan.updatedAt.toISOString(),
  };
}

export function mapPlanSummary(s: PlanSummary): RecoveryPlanSummaryDto {
  return {
    id: s.plan.id, tenantId: s.plan.tenantId, name: s.plan.name, revision: s.plan.revision, groupCount: s.groupCount, vmCount: s.vmCount,
    createdAt: s.plan.createdAt.toISOString(), updatedAt: s.plan.updatedAt.toISOString(),
  };
}
