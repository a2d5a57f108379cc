import type { Role } from '../../infra/persistence/enums';
import type { TenantState } from '../../domain/lifecycle';
import type { StartableKind } from './operations.dto';

/** What the API needs to know to start each kind of operation. */
export interface OperationKindRule {
  /** The workflow type registered by the worker; absent while the kind is not built yet. */
  workflowType?: string;
  /** Who may start it (a tenant admin only for its own tenant). */
  roles: Role[];
  /** The tenant states it may start from; anything else is a 409 naming the state. */
  from: TenantState[];
}

export const OPERATION_KIND_RULES: Record<StartableKind, OperationKindRule> = {
  onboarding: { workflowType: 'onboarding', roles: ['provider-admin', 'provider-operator'], from: ['registered', 'error'] },
  'protection-change': { workflowType: 'protectionChange', roles: ['provider-admin', 'provider-operator'], from: ['protected'] },
  // From failed-over: a follow-up recovering the VMs a partial failover left at the primary (named in vms).
  failover: { workflowType: 'failover', roles: ['provider-admin', 'provider-operator', 'tenant-admin'], from: ['protected', 'failed-over'] },
  failback: { workflowType: 'failback', roles: ['provider-admin', 'provider-operator'], from: ['failed-over'] },
  resume: { workflowType: 'resume', roles: ['provider-admin', 'provider-operator'], from: ['failed-over'] },
  drill: { workflowType: 'drill', roles: ['provider-admin', 'provider-operator', 'tenant-admin'], from: ['protected'] },
  // Fix-up re-run (e.g. one service after a manual repair): to the DR identities while failed over, back to the primary ones once protected.
  fixup: { workflowType: 'managementFixup', roles: ['provider-admin', 'provider-operator'], from: ['failed-over', 'protected'] },
};

/** Operator commands, by the URL verb; each is a workflow update (validated by the workflow). */
export const OPERATOR_ACTIONS = {
  approve: { update: 'approve', roles: ['provider-admin', 'provider-operator', 'tenant-admin'] as Role[] },
  pause: { update: 'pause', roles: ['provider-admin', 'provider-operator'] as Role[] },
  resume: { update: 'resume', roles: ['provider-admin', 'provider-operator'] as Role[] },
  abort: { update: 'abort', roles: ['provider-admin', 'provider-operator'] as Role[] },
} as const;

export const VM_ACTIONS = {
  skip: { update: 'skipVm', roles: ['provider-admin', 'provider-operator'] as Role[] },
  retry: { update: 'retryVm', roles: ['provider-admin', 'provider-operator'] as Role[] },
} as const;
