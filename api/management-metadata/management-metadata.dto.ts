import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MAX_CAPTURE_INTERVAL_SECONDS, MIN_CAPTURE_INTERVAL_SECONDS } from '../../domain/fixup-plan';
import type { SnapshotSummary } from '../../infra/persistence/repositories/management-metadata.repository';
import { DecimalInt, IdParamDto, Int } from '../common/validation';

export class CaptureScheduleDto {
  @Int({ min: MIN_CAPTURE_INTERVAL_SECONDS, max: MAX_CAPTURE_INTERVAL_SECONDS, description: 'Seconds between captures: the metadata RPO to aim for', example: 300 })
  intervalSeconds: number;
}

export class MetadataVersionParamDto extends IdParamDto {
  @DecimalInt()
  @Int({ min: 1, max: 2_147_483_647, description: 'Snapshot version' })
  version: number;
}

export class MetadataVersionDto {
  @ApiProperty() version: number;
  @ApiProperty({ enum: ['primary', 'dr'], description: 'Whose servers it was read from: steady state (primary) or after a failover fix-up (dr)' }) side: string;
  @ApiProperty({ description: 'scheduled, on-demand, pre-failover, post-failover-fixup, pre-failback-fixup (DR side), post-failback-fixup, post-partial-failback-fixup (VMs still at the DR site)' }) reason: string;
  @ApiProperty() capturedAt: string;
  @ApiProperty({ description: 'Seconds since the capture' }) ageSeconds: number;
  @ApiPropertyOptional({ nullable: true, type: Number, description: 'DR side: the primary version the fix-up started from' }) basedOnVersion: number | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, description: 'Records per collection' }) counts: Record<string, number>;
  @ApiPropertyOptional({ nullable: true, type: 'object', additionalProperties: { type: 'string' }, description: 'Collections not readable at capture (previous records kept)' })
  errors: Record<string, string> | null;
}

export class CaptureStatusDto {
  @ApiProperty({ description: "True while the tenant's capture workflow runs (asked of Temporal); the other fields are null when its worker does not answer" }) running: boolean;
  @ApiPropertyOptional({ nullable: true, type: Number }) intervalSeconds: number | null;
  @ApiPropertyOptional({ nullable: true, type: String }) lastCapturedAt: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) nextCaptureAt: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Why the last attempt captured nothing' }) lastSkipReason: string | null;
}

export class ManagementMetadataResponseDto {
  @ApiProperty() tenantId: string;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Time of the newest primary-side capture (the fix-up source)' }) capturedAt: string | null;
  @ApiPropertyOptional({ nullable: true, type: Number, description: 'Its age in seconds: the metadata RPO' }) ageSeconds: number | null;
  @ApiProperty({ description: "The tenant's data RPO in seconds, for comparison (the metadata RPO should be tighter)" }) dataRpoSeconds: number;
  @ApiPropertyOptional({ nullable: true, type: Boolean }) withinDataRpo: boolean | null;
  @ApiPropertyOptional({ nullable: true, type: MetadataVersionDto }) latest: MetadataVersionDto | null;
  @ApiProperty({ type: MetadataVersionDto, isArray: true, description: 'Newest first (up to 50)' }) versions: MetadataVersionDto[];
  @ApiProperty({ type: CaptureStatusDto }) capture: CaptureStatusDto;
}

export class MetadataRecordsResponseDto extends MetadataVersionDto {
  @ApiProperty({ type: 'object', additionalProperties: { type: 'array', items: { type: 'object' } }, description: 'The captured records per collection' })
  records: Record<string, Record<string, unknown>[]>;
}

export function mapVersion(row: SnapshotSummary, now: Date): MetadataVersionDto {
  return {
    version: row.version,
    side: row.side,
    reason: row.reason,
    capturedAt: row.capturedAt.toISOString(),
    ageSeconds: Math.max(0, Math.round((now.getTime() - row.capturedAt.getTime()) / 1000)),
    basedOnVersion: row.basedOnVersion,
    counts: row.counts,
    errors: row.errors,
  };
}
