/**
 * The lifecycle vocabulary shared by the inventory, the API and the workflows: tenant states and
 * operation kinds and statuses. Plain constants, so workflow code can import them too.
 */

/**
 * `registered` is the state of a tenant record before its onboarding workflow starts; the rest follow
 * the PRODUCT lifecycle (onboarding → protected → failing-over → failed-over → failing-back → protected).
 */
export const TENANT_STATES = ['registered', 'onboarding', 'protected', 'failing-over', 'failed-over', 'failing-back', 'drilling', 'error'] as const;
export type TenantState = (typeof TENANT_STATES)[number];

export const OPERATION_KINDS = ['onboarding', 'provisioning', 'protection-change', 'failover', 'site-failover', 'fixup', 'failback', 'resume', 'drill', 'declaration'] as const;
export type OperationKind = (typeof OPERATION_KINDS)[number];

export const OPERATION_STATUSES = ['running', 'waiting', 'completed', 'failed', 'cancelled'] as const;
export type OperationStatus = (typeof OPERATION_STATUSES)[number];
