import { ApplicationFailure } from '@temporalio/common';
import type { TenantState } from '../domain/lifecycle';
import { OperationEntity } from '../infra/persistence/entities';
import { createTypeOrmRepositories, TypeOrmUnitOfWork } from '../infra/persistence/repositories';
import type { OperationRequest, OperationView } from '../workflows/contracts';
import type { ActivityDeps } from './deps';

/** Inventory writes made by workflows: the operation projection and the tenant's lifecycle state. */
export function createInventoryActivities(deps: ActivityDeps) {
  const repos = () => createTypeOrmRepositories(deps.dataSource.manager);
  const unitOfWork = new TypeOrmUnitOfWork(deps.dataSource);

  return {
    /** Idempotent upsert keyed by the workflow id: repeating it writes the same row. */
    async recordOperation(input: { view: OperationView; request: OperationRequest }): Promise<void> {
      const { view, request } = input;
      const row = Object.assign(new OperationEntity(), {
        id: view.id,
        kind: view.kind,
        tenantId: view.tenantId,
        requestId: request.requestId,
        requestedBy: request.requestedBy,
        status: view.status,
        startedAt: new Date(view.startedAt),
        closedAt: view.closedAt ? new Date(view.closedAt) : null,
        progress: { phase: view.phase, waitingFor: view.waitingFor, ...view.progress },
        steps: view.steps,
        error: view.error,
        result: view.result ?? null,
        updatedAt: new Date(),
      });
      await repos().operations.upsert(row);
    },

    /**
     * Moves the tenant along its lifecycle, as the operation that holds it (`operationId`; absent only for runs
     * recorded before operations held their tenant, which may move a tenant no operation holds). A tenant held
     * by another operation is never changed, so a failing operation cannot undo the state of the one that
     * holds the tenant. `from` guards the move; a tenant already in `to` is fine, so a retry changes nothing.
     */
    async setTenantState(input: { tenantId: string; to: TenantState; from?: TenantState[]; operationId?: string }): Promise<{ previous: TenantState }> {
      return unitOfWork.run(async (tx) => {
        const tenant = await tx.tenants.findById(input.tenantId);
        if (!tenant) throw ApplicationFailure.nonRetryable(`tenant ${input.tenantId} does not exist`, 'TenantNotFound');
        const holder = input.operationId ?? null;
        if ((tenant.activeOperationId ?? null) !== holder) throw heldElsewhere(tenant.name, tenant.activeOperationId, holder);
        if (tenant.state === input.to) return { previous: tenant.state };
        if (input.from && !input.from.includes(tenant.state)) {
          throw ApplicationFailure.nonRetryable(`tenant ${tenant.name} is ${tenant.state}; expected ${input.from.join(' or ')}`, 'TenantStateConflict');
        }
        // Conditional on what was read: a concurrent change makes this attempt retry and read again.
        if (!(await tx.tenants.moveState(tenant.id, { from: tenant.state, to: input.to, holder }))) {
          throw ApplicationFailure.retryable(`tenant ${tenant.name} changed while moving it to ${input.to}`, 'TenantChanged');
        }
        return { previous: tenant.state };
      });
    },

    /**
     * The operation takes its tenant, or finds it already holds it (the API claims it in the transaction that
     * records the operation; a failover started by a site failover claims it here). Held by another operation:
     * refused, naming it.
     */
    async claimTenant(input: { tenantId: string; operationId: string }): Promise<{ claimed: true }> {
      return unitOfWork.run(async (tx) => {
        if (await tx.tenants.claim(input.tenantId, input.operationId)) return { claimed: true as const };
        const tenant = await tx.tenants.findById(input.tenantId);
        if (!tenant) throw ApplicationFailure.nonRetryable(`tenant ${input.tenantId} does not exist`, 'TenantNotFound');
        if (tenant.activeOperationId === input.operationId) return { claimed: true as const };
        throw heldElsewhere(tenant.name, tenant.activeOperationId, input.operationId);
      });
    },

    /**
     * The operation ends its hold on the tenant, and with it the DR capacity it reserved (its VMs that reached
     * the DR site count from their records); a hold it no longer has (released by a reconcile) is left alone.
     */
    async releaseTenant(input: { tenantId: string; operationId: string }): Promise<{ released: boolean }> {
      return unitOfWork.run(async (tx) => {
        await tx.capacity.deleteReservation(input.operationId);
        return { released: await tx.tenants.release(input.tenantId, input.operationId) };
      });
    },
  };
}

function heldElsewhere(tenant: string, holder: string | null, operationId: string | null): ApplicationFailure {
  const by = holder ? `operation ${holder}` : 'no operation';
  return ApplicationFailure.nonRetryable(`tenant ${tenant} is held by ${by}; ${operationId ?? 'an operation that does not hold it'} may not change it`, 'TenantHeld', holder);
}
