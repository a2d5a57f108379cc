/** Inventory enumerations: a leaf module shared by entities, repositories and API DTOs. */

export { TENANT_STATES, OPERATION_KINDS, OPERATION_STATUSES } from '../../domain/lifecycle';
export type { TenantState, OperationKind, OperationStatus } from '../../domain/lifecycle';

export const SITE_KINDS = ['primary', 'dr'] as const;
export type SiteKind = (typeof SITE_KINDS)[number];

export const TENANT_TIERS = ['gold', 'silver', 'bronze', 'copper'] as const;
export type TenantTier = (typeof TENANT_TIERS)[number];

export const VM_ROLES = ['management', 'workload'] as const;
export type VmRole = (typeof VM_ROLES)[number];

/**
 * InMage pair states, plus `unprotected` before the protection plan exists and `failed-over` once the VM
 * is recovered and runs at the DR site (no replication until failback or resume protects it again).
 */
export const REPLICATION_STATES = ['unprotected', 'resyncing', 'differential-sync', 'paused', 'error', 'failed-over'] as const;
export type ReplicationState = (typeof REPLICATION_STATES)[number];

export const MANAGEMENT_SERVICE_KINDS = [
  'monitoring', 'event-policy', 'firewall', 'backup', 'patching', 'cmdb', 'asset', 'ticketing', 'discovery', 'dns', 'ldap', 'usage-accounting',
] as const;
export type ManagementServiceKind = (typeof MANAGEMENT_SERVICE_KINDS)[number];

export const MANAGEMENT_SERVICE_SCOPES = ['tenant', 'shared'] as const;
export type ManagementServiceScope = (typeof MANAGEMENT_SERVICE_SCOPES)[number];

export const ROLES = ['provider-admin', 'provider-operator', 'tenant-admin', 'trigger'] as const;
export type Role = (typeof ROLES)[number];
