import { ApplicationFailure } from '@temporalio/common';
import { COLLECTIONS } from '../../domain/fixup-rules';
import type { TenantState } from '../../domain/lifecycle';
import type { MetadataSide } from '../../infra/persistence/entities';
import { TypeOrmManagementMetadataRepository } from '../../infra/persistence/repositories/management-metadata.repository';
import { createTypeOrmRepositories } from '../../infra/persistence/repositories';
import type { ActivityDeps } from '../deps';
import { adapterFor, collectionAdapters } from './adapters';

/** States in which the tenant's primary-side management servers are authoritative (steady state). */
const STEADY_STATES: TenantState[] = ['registered', 'onboarding', 'protected', 'drilling'];

export interface CaptureInput {
  tenantId: string;
  side: MetadataSide;
  reason: string;
  /** Minted by the workflow: a retried capture finds its own version. */
  captureKey: string;
  /** For a DR-side capture after a failover fix-up: the primary version it started from. */
  basedOnVersion?: number | null;
  /** Skip (not fail) when the tenant is not in steady state: a DR-period read is not primary metadata. */
  steadyStateOnly?: boolean;
}

export interface CaptureResult {
  captured: boolean;
  /** Why nothing was captured. */
  reason?: string;
  version?: number;
  capturedAt?: string;
  counts?: Record<string, number>;
  /** Collections that could not be read this time (their previous records were carried forward). */
  errors?: Record<string, string>;
}

export function createMetadataActivities(deps: ActivityDeps) {
  const adapters = collectionAdapters(deps.clients);
  const snapshots = () => new TypeOrmManagementMetadataRepository(deps.dataSource.manager);

  return {
    /**
     * Reads every management service's metadata about the tenant and stores it as the tenant's next
     * version. A collection that cannot be read keeps its previous records (named in `errors`), so one
     * service being down does not blank the metadata the fix-up depends on; all of them down is a failure.
     */
    async captureManagementMetadata(input: CaptureInput): Promise<CaptureResult> {
      const repo = snapshots();
      const done = await repo.findByCaptureKey(input.captureKey);
      if (done) return summary(done);
      const tenant = await createTypeOrmRepositories(deps.dataSource.manager).tenants.findById(input.tenantId);
      if (!tenant) throw ApplicationFailure.nonRetryable(`tenant ${input.tenantId} does not exist`, 'TenantNotFound');
      if (input.steadyStateOnly && !STEADY_STATES.includes(tenant.state)) {
        return { captured: false, reason: `tenant ${tenant.name} is ${tenant.state}: the primary-side metadata is not authoritative now` };
      }
      const previous = await repo.latest(tenant.id, input.side);
      const records: Record<string, Record<string, unknown>[]> = {};
      const counts: Record<string, number> = {};
      const errors: Record<string, string> = {};
      await Promise.all(
        COLLECTIONS.map(async (model) => {
          try {
            records[model.id] = await adapterFor(adapters, model).list(tenant.name);
          } catch (err) {
            errors[model.id] = err instanceof Error ? err.message : String(err);
            records[model.id] = previous?.records[model.id] ?? [];
          }
          counts[model.id] = records[model.id].length;
        }),
      );
      if (Object.keys(errors).length === COLLECTIONS.length) {
        throw ApplicationFailure.retryable(`no management service answered for ${tenant.name}: ${Object.values(errors)[0]}`, 'MetadataCaptureFailed');
      }
      const row = await repo.insertNext({
        tenantId: tenant.id,
        side: input.side,
        reason: input.reason,
        captureKey: input.captureKey,
        capturedAt: new Date(),
        basedOnVersion: input.basedOnVersion ?? null,
        counts,
        records,
        errors: Object.keys(errors).length > 0 ? errors : null,
      });
      return summary(row);
    },
  };
}

function summary(row: { version: number; capturedAt: Date; counts: Record<string, number>; errors: Record<string, string> | null }): CaptureResult {
  return { captured: true, version: row.version, capturedAt: row.capturedAt.toISOString(), counts: row.counts, ...(row.errors ? { errors: row.errors } : {}) };
}
