import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ProtectionBreachEntity, ProtectionSampleEntity, ProtectionStatusEntity, TenantEntity } from '../../infra/persistence/entities';
import { QueryInt } from '../common/validation';

export class ProtectionQueryDto {
  @QueryInt({ min: 1, max: 1000, default: 60, description: 'How many of the latest samples the history shows' })
  samples?: number;
}

export class VmLagDto {
  @ApiProperty() vm: string;
  @ApiProperty({ description: "The least advanced state of the VM's InMage pairs (Differential Sync when healthy)" }) state: string;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Worst RPO lag of its pairs, seconds' }) lagSeconds: number | null;
  @ApiProperty({ description: "Lag over the tenant's RPO target" }) overRpo: boolean;
}

export class WorstVmDto {
  @ApiProperty() vm: string;
  @ApiProperty({ type: 'integer' }) lagSeconds: number;
}

export class BreachDto {
  @ApiProperty({ description: "The breach id, also its ticket's correlation id" }) id: string;
  @ApiProperty() vm: string;
  @ApiProperty({ enum: ['rpo-lag', 'pair-state'] }) kind: string;
  @ApiProperty({ description: 'When the condition was first seen' }) since: string;
  @ApiProperty() openedAt: string;
  @ApiProperty({ nullable: true }) clearedAt: string | null;
  @ApiProperty({ type: 'integer', nullable: true }) peakLagSeconds: number | null;
  @ApiProperty() detail: string;
  @ApiProperty({ nullable: true }) resolution: string | null;
  @ApiProperty({ nullable: true, description: 'The ticket in the ticketing system' }) ticket: string | null;
}

export class SampleDto {
  @ApiProperty() at: string;
  @ApiProperty({ type: 'integer' }) vms: number;
  @ApiProperty({ type: 'integer' }) vmsOverRpo: number;
  @ApiProperty({ type: 'integer' }) vmsOutOfSync: number;
  @ApiProperty({ type: WorstVmDto, nullable: true }) worst: WorstVmDto | null;
  @ApiProperty({ type: 'integer' }) readinessProblems: number;
}

export class ProtectionHistoryDto {
  @ApiProperty({ type: SampleDto, isArray: true, description: 'Newest first' }) samples: SampleDto[];
  @ApiProperty({ type: BreachDto, isArray: true, description: 'Breaches opened recently, open or cleared, newest first' }) breaches: BreachDto[];
}

export class ProtectionResponseDto {
  @ApiProperty() tenantId: string;
  @ApiProperty() tenant: string;
  @ApiProperty({ enum: ['running', 'stopped', 'not-started'], description: 'The protection watch: stopped once the tenant left protected' }) watch: string;
  @ApiProperty() tenantState: string;
  @ApiProperty({ type: 'integer' }) rpoSeconds: number;
  @ApiProperty({ nullable: true, description: 'The latest sample' }) sampledAt: string | null;
  @ApiProperty({ type: WorstVmDto, nullable: true }) worst: WorstVmDto | null;
  @ApiProperty({ type: VmLagDto, isArray: true }) vms: VmLagDto[];
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true, description: 'Agents, master targets, process servers, retention windows, application-consistent tags' })
  readiness: Record<string, unknown> | null;
  @ApiProperty({ type: BreachDto, isArray: true }) openBreaches: BreachDto[];
  @ApiProperty({ type: ProtectionHistoryDto }) history: ProtectionHistoryDto;
}

export function mapBreach(b: ProtectionBreachEntity): BreachDto {
  return {
    id: b.id, vm: b.vm, kind: b.kind, since: b.since.toISOString(), openedAt: b.openedAt.toISOString(), clearedAt: b.clearedAt?.toISOString() ?? null,
    peakLagSeconds: b.peakLagSeconds, detail: b.detail, resolution: b.resolution, ticket: b.ticket,
  };
}

export function mapSample(s: ProtectionSampleEntity): SampleDto {
  return {
    at: s.sampledAt.toISOString(), vms: s.vmCount, vmsOverRpo: s.vmsOverRpo, vmsOutOfSync: s.vmsOutOfSync,
    worst: s.worstVm !== null && s.worstLagSeconds !== null ? { vm: s.worstVm, lagSeconds: s.worstLagSeconds } : null, readinessProblems: s.readinessProblems,
  };
}

export function mapProtection(
  tenant: TenantEntity,
  status: ProtectionStatusEntity | null,
  open: ProtectionBreachEntity[],
  samples: ProtectionSampleEntity[],
  recent: ProtectionBreachEntity[],
): ProtectionResponseDto {
  const rpoSeconds = status?.rpoSeconds ?? tenant.rpoMinutes * 60;
  return {
    tenantId: tenant.id,
    tenant: tenant.name,
    watch: status?.watch ?? 'not-started',
    tenantState: tenant.state,
    rpoSeconds,
    sampledAt: status?.sampledAt.toISOString() ?? null,
    worst: status?.worstVm && status.worstLagSeconds !== null ? { vm: status.worstVm, lagSeconds: status.worstLagSeconds } : null,
    vms: (status?.vms ?? []).map((v) => ({ vm: v.vm, state: v.state, lagSeconds: v.lagSeconds, overRpo: v.lagSeconds !== null && v.lagSeconds > rpoSeconds })),
    readiness: status?.readiness ?? null,
    openBreaches: open.map(mapBreach),
    history: { samples: samples.map(mapSample), breaches: recent.map(mapBreach) },
  };
}
