import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsUrl, IsUUID, ValidateIf } from 'class-validator';
import { DECLARATION_APPROVERS, DECLARATION_MODES, type DeclarationApprover, type DeclarationMode, type PolicySource } from '../../domain/declaration-policy';
import { Int, JsonObject, NestedArray, OneOf, Text, Uuid } from '../common/validation';

const DAY = 24 * 3600;

/** An alert: a trigger's (token or signed webhook) or an operator's declaration. */
export class CreateDeclarationDto {
  @Uuid({ optional: true, description: 'The failed primary site (give this or tenantIds)' }) siteId?: string;
  @ApiPropertyOptional({ type: String, isArray: true, format: 'uuid', description: 'The tenants affected (give this or siteId)' })
  @ValidateIf((_, v) => v !== undefined) @IsArray() @ArrayMaxSize(100) @IsUUID('all', { each: true })
  tenantIds?: string[];
  @Text({ max: 100, example: 'nagios-east', description: 'The monitoring system or person raising it: distinct sources corroborate' }) source: string;
  @Text({ max: 32, example: 'critical' }) severity: string;
  @Text({ max: 1000, example: 'primary site pod-1 unreachable from 3 probes' }) reason: string;
  @EvidenceLinks() evidence?: string[];
  @OneOf(['firing', 'resolved'], 'AlertStatus', { optional: true, description: 'resolved: the source\'s all-clear (default firing)' }) status?: 'firing' | 'resolved';
}

function EvidenceLinks() {
  return applyDecorators(
    ApiPropertyOptional({ type: String, isArray: true, maxItems: 20, description: 'Links to graphs, logs, tickets' }),
    ValidateIf((_, v) => v !== undefined), IsArray(), ArrayMaxSize(20), IsUrl({ require_tld: false }, { each: true, message: 'each value in evidence must be a URL' }),
  );
}

export class DeclarationCreatedDto {
  @ApiProperty() declarationId: string;
}

export class DeclarationApproveDto {
  @Uuid({ optional: true, description: "Approves this tenant's own hold (a site declaration's tenant with a confirm policy); the declaration itself when absent" }) tenantId?: string;
  @Text({ max: 1000, optional: true }) comment?: string;
}

export class DeclarationAllClearDto {
  @Text({ max: 1000, optional: true }) comment?: string;
}

export class DeclarationPolicyDto {
  @OneOf(DECLARATION_MODES, 'DeclarationMode', { description: 'auto: N distinct sources within the window (or the grace period); confirm: an approval; manual: record only' }) mode: DeclarationMode;
  @Int({ min: 1, max: 50, example: 3, description: 'auto: distinct sources that declare' }) sources: number;
  @Int({ min: 1, max: DAY, example: 300, description: 'auto: the window the sources must alert within' }) windowSeconds: number;
  @Int({ min: 1, max: 30 * DAY, nullable: true, description: 'auto: declared this long after the first alert unless an all-clear came' }) graceSeconds?: number | null;
  @OneOf(DECLARATION_APPROVERS, 'DeclarationApprover', { description: 'confirm: who approves, as the contract says' }) approver: DeclarationApprover;
  @Int({ min: 1, max: 30 * DAY, example: 900 }) reminderSeconds: number;
  @Int({ min: 1, max: 30 * DAY, example: 3600, description: 'not before the reminder' }) escalationSeconds: number;
}

export class DeclarationPolicyResponseDto extends DeclarationPolicyDto {
  @ApiProperty({ enum: ['tenant', 'site', 'default'] }) source: PolicySource;
  @ApiPropertyOptional({ type: String, nullable: true }) updatedAt: string | null;
}

/** Alertmanager's label and annotation sets: flat maps of strings. */
const LABELS = { maxBytes: 16_384, maxDepth: 1 };

/** One alert of Alertmanager's webhook (version 4). */
export class AlertmanagerAlertDto {
  @OneOf(['firing', 'resolved'], 'AlertmanagerStatus') status: 'firing' | 'resolved';
  @JsonObject(LABELS) labels: Record<string, string>;
  @JsonObject({ ...LABELS, optional: true }) annotations?: Record<string, string>;
  @Text({ optional: true, max: 64 }) startsAt?: string;
  @Text({ optional: true, max: 64 }) endsAt?: string;
  @Text({ optional: true, max: 2000 }) generatorURL?: string;
  @Text({ optional: true, max: 64 }) fingerprint?: string;
}

/** Prometheus Alertmanager's webhook payload, version 4, as it sends it. */
export class AlertmanagerWebhookDto {
  @OneOf(['4'], 'AlertmanagerVersion') version: string;
  @Text({ optional: true, max: 2000 }) groupKey?: string;
  @Int({ optional: true, min: 0 }) truncatedAlerts?: number;
  @OneOf(['firing', 'resolved'], 'AlertmanagerStatus', { optional: true }) status?: string;
  @Text({ optional: true, max: 200 }) receiver?: string;
  @JsonObject({ ...LABELS, optional: true }) groupLabels?: Record<string, string>;
  @JsonObject({ ...LABELS, optional: true }) commonLabels?: Record<string, string>;
  @JsonObject({ ...LABELS, optional: true }) commonAnnotations?: Record<string, string>;
  @Text({ optional: true, max: 2000 }) externalURL?: string;
  @NestedArray(() => AlertmanagerAlertDto, { min: 1, max: 1000 }) alerts: AlertmanagerAlertDto[];
}

export class AlertmanagerAcceptedDto {
  @ApiProperty({ type: String, isArray: true }) declarations: string[];
  @ApiProperty({ type: String, isArray: true, description: 'Alerts no configured rule maps to a site or tenant (named by alertname or fingerprint)' }) unmatched: string[];
}
