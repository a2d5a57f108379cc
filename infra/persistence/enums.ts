/** Inventory enumerations: a leaf module shared by entities, repositories and API DTOs. */

export const SITE_KINDS = ['primary', 'dr'] as const;
export type SiteKind = (typeof SITE_KINDS)[number];

export const TENANT_TIERS = ['gold', 'silver', 'bronze', 'copper'] as const;
export type TenantTier = (typeof TENANT_TIERS)[number];

/**
 * `registered` is the state of a tenant record before its onboarding workflow starts; the rest follow
 * the PRODUCT lifecycle (onboarding → protected → failing-over → failed-over → failing-back → protected).
 */
export const TENANT_STATES = ['registered', 'onboarding', 'protected', 'failing-over', 'failed-over', 'failing-back', 'drilling', 'error'] as const;
export type TenantState = (typeof TENANT_STATES)[number];

export const VM_ROLES = ['management', 'workload'] as const;
export type VmRole = (typeof VM_ROLES)[number];

/** InMage pair states, plus `unprotected` before the protection plan exists. */
export const REPLICATION_STATES = ['unprotected', 'resyncing', 'differential-sync', 'paused', 'error'] as const;
export type ReplicationState = (typeof REPLICATION_STATES)[number];

export const MANAGEMENT_SERVICE_KINDS = [
  'monitoring', 'event-policy', 'firewall', 'backup', 'patching', 'cmdb', 'asset', 'ticketing', 'discovery', 'dns', 'ldap', 'usage-accounting',
] as const;
export type ManagementServiceKind = (typeof MANAGEMENT_SERVICE_KINDS)[number];

export const MANAGEMENT_SERVICE_SCOPES = ['tenant', 'shared'] as const;
export type ManagementServiceScope = (typeof MANAGEMENT_SERVICE_SCOPES)[number];

export const OPERATION_KINDS = ['onboarding', 'provisioning', 'failover', 'fixup', 'failback', 'resume', 'drill', 'declaration'] as const;
export type OperationKind = (typeof OPERATION_KINDS)[number];

export const OPERATION_STATUSES = ['running', 'waiting', 'completed', 'failed', 'cancelled'] as const;
export type OperationStatus = (typeof OPERATION_STATUSES)[number];

export const ROLES = ['provider-admin', 'provider-operator', 'tenant-admin', 'trigger'] as const;
export type Role = (typeof ROLES)[number];
