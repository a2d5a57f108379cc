import { ApiProperty } from '@nestjs/swagger';
import type { TenantEntity } from '../../infra/persistence/entities';
import { TENANT_STATES, TENANT_TIERS, type TenantState, type TenantTier } from '../../infra/persistence/enums';
import { Int, Name, OneOf, Uuid } from '../common/validation';

const MINUTES_IN_WEEK = 10_080;

export class CreateTenantDto {
  @Name({ example: 'northwind' }) name: string;
  @OneOf(TENANT_TIERS, 'TenantTier', { description: 'Contract tier (VMDC network container)' }) tier: TenantTier;
  @Int({ min: 1, max: MINUTES_IN_WEEK, example: 15 }) rpoMinutes: number;
  @Int({ min: 1, max: MINUTES_IN_WEEK, example: 240 }) rtoMinutes: number;
  @Uuid({ description: 'A site of kind primary' }) primarySiteId: string;
  @Uuid({ description: 'A site of kind dr' }) drSiteId: string;
}

/** The lifecycle state is not writable here: the workflows drive it. */
export class UpdateTenantDto {
  @Name({ optional: true }) name?: string;
  @OneOf(TENANT_TIERS, 'TenantTier', { optional: true }) tier?: TenantTier;
  @Int({ min: 1, max: MINUTES_IN_WEEK, optional: true }) rpoMinutes?: number;
  @Int({ min: 1, max: MINUTES_IN_WEEK, optional: true }) rtoMinutes?: number;
  @Uuid({ optional: true, description: 'Only while the tenant is registered' }) primarySiteId?: string;
  @Uuid({ optional: true, description: 'Only while the tenant is registered' }) drSiteId?: string;
}

export class TenantResponseDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: TENANT_TIERS, enumName: 'TenantTier' }) tier: TenantTier;
  @ApiProperty() rpoMinutes: number;
  @ApiProperty() rtoMinutes: number;
  @ApiProperty() primarySiteId: string;
  @ApiProperty() drSiteId: string;
  @ApiProperty({
    enum: TENANT_STATES, enumName: 'TenantState',
    description: '`registered` until the onboarding workflow starts; then onboarding → protected → failing-over → failed-over → failing-back → protected, plus drilling and error',
  })
  state: TenantState;
  @ApiProperty({ type: String, nullable: true, description: 'The operation that holds the tenant (one operation per tenant at a time); null when none runs' })
  activeOperationId: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export function mapTenant(t: TenantEntity): TenantResponseDto {
  return {
    id: t.id, name: t.name, tier: t.tier, rpoMinutes: t.rpoMinutes, rtoMinutes: t.rtoMinutes, primarySiteId: t.primarySiteId,
    drSiteId: t.drSiteId, state: t.state, activeOperationId: t.activeOperationId ?? null, createdAt: t.createdAt.toISOString(), updatedAt: t.updatedAt.toISOString(),
  };
}

class TenantInventoryDto {
  @ApiProperty({ enum: TENANT_STATES, enumName: 'TenantState' }) state: string;
  @ApiProperty() primarySiteId: string;
  @ApiProperty({ type: String, nullable: true }) activeOperationId: string | null;
}

class ReconcileEstateDto {
  @ApiProperty({ type: [String] }) forwardPlans: string[];
  @ApiProperty({ type: [String], description: 'The sites the forward protection replicates from' }) forwardSourceSites: string[];
  @ApiProperty({ type: [String], description: 'VMs InMage has recovered at the DR site' }) recoveredAtDr: string[];
  @ApiProperty({ type: [String], description: "The tenant's VMs powered on at the DR site" }) runningAtDr: string[];
  @ApiProperty({ type: [String], description: 'Failback plans and control servers still in InMage (reported, not removed)' }) failbackLeftovers: string[];
}

export class ReconcileResponseDto {
  @ApiProperty() tenantId: string;
  @ApiProperty({ type: TenantInventoryDto }) before: TenantInventoryDto;
  @ApiProperty({ type: TenantInventoryDto }) after: TenantInventoryDto;
  @ApiProperty() changed: boolean;
  @ApiProperty({ type: ReconcileEstateDto }) estate: ReconcileEstateDto;
  @ApiProperty({ type: [String], description: 'What the estate showed that reconcile could not settle' }) problems: string[];
}
