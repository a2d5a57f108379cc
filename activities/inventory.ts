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
     * Moves the tenant along its lifecycle. `from` guards the move (a tenant being failed over cannot start
     * onboarding); a tenant already in `to` is fine, so a retried activity changes nothing.
     */
    async setTenantState(input: { tenantId: string; to: TenantState; from?: TenantState[] }): Promise<{ previous: TenantState }> {
      return unitOfWork.run(async (tx) => {
        const tenant = await tx.tenants.findById(input.tenantId);
        if (!tenant) throw ApplicationFailure.nonRetryable(`tenant ${input.tenantId} does not exist`, 'TenantNotFound');
        if (tenant.state === input.to) return { previous: tenant.state };
        if (input.from && !input.from.includes(tenant.state)) {
          throw ApplicationFailure.nonRetryable(`tenant ${tenant.name} is ${tenant.state}; expected ${input.from.join(' or ')}`, 'TenantStateConflict');
        }
        await tx.tenants.update(tenant.id, { state: input.to, updatedAt: new Date() });
        return { previous: tenant.state };
      });
    },
  };
}
