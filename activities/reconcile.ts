import { ApplicationFailure } from '@temporalio/common';
import type { TenantState } from '../domain/lifecycle';
import { createTypeOrmRepositories, TypeOrmUnitOfWork } from '../infra/persistence/repositories';
import type { ReconcileResult } from '../workflows/contracts';
import type { ActivityDeps } from './deps';

/**
 * The repair path for a tenant left where no operation can take it (a crash between steps, an inventory
 * change nothing undid): the tenant's state and primary site set to what the estate shows, and a claim of an
 * operation that no longer runs released. Reads the estate, writes only the inventory.
 */
export function createReconcileActivities(deps: ActivityDeps) {
  const { inmage, compute } = deps.clients;
  const unitOfWork = new TypeOrmUnitOfWork(deps.dataSource);

  return {
    /**
     * What the estate shows: VMs InMage has recovered at the DR site (and compute runs there) mean failed
     * over; forward protection and nothing recovered means protected; neither, an onboarding to redo. The
     * primary site is the source of the forward protection plans. `staleHolder` is an operation the API
     * found no longer running; an operation holding the tenant otherwise is left alone (refused).
     */
    async reconcileTenant(input: { tenantId: string; staleHolder: string | null }): Promise<ReconcileResult> {
      const r = createTypeOrmRepositories(deps.dataSource.manager);
      const tenant = await r.tenants.findById(input.tenantId);
      if (!tenant) throw ApplicationFailure.nonRetryable(`tenant ${input.tenantId} does not exist`, 'TenantNotFound');
      const drSite = await r.sites.findById(tenant.drSiteId);
      const [plans, servers, controlServers, running] = await Promise.all([
        inmage.listProtectionPlans(tenant.name), inmage.listServers(tenant.name), inmage.listControlServers(tenant.name),
        compute.listVms({ tenants: [tenant.name], sites: [drSite?.name ?? tenant.drSiteId], powerStates: ['POWERED_ON'] }),
      ]);
      const forward = plans.filter((p) => p.direction === 'forward');
      const sources = [...new Set(forward.map((p) => p.sourceSite))].sort();
      const recoveredAtDr = servers.filter((s) => s.recovered !== null).map((s) => s.name).sort();
      const estate = {
        forwardPlans: forward.map((p) => p.name).sort(),
        forwardSourceSites: sources,
        recoveredAtDr,
        runningAtDr: running.map((v) => v.name).sort(),
        failbackLeftovers: [...plans.filter((p) => p.direction === 'failback').map((p) => p.name), ...controlServers.filter((c) => c.name.startsWith(`${tenant.name}-fb-`)).map((c) => c.name)].sort(),
      };
      const problems: string[] = [];
      const state: TenantState = recoveredAtDr.length > 0 ? 'failed-over' : forward.length > 0 ? 'protected' : tenant.state === 'registered' ? 'registered' : 'error';
      let primarySiteId = tenant.primarySiteId;
      if (sources.length === 1) {
        const site = (await r.sites.list()).find((s) => s.name === sources[0]);
        if (site) primarySiteId = site.id;
        else problems.push(`the forward protection replicates from ${sources[0]}, a site the inventory does not know; primary site left as it is`);
      } else if (sources.length > 1) {
        problems.push(`the forward protection replicates from several sites (${sources.join(', ')}); primary site left as it is`);
      }
      if (estate.failbackLeftovers.length > 0) problems.push(`failback protection left in InMage: ${estate.failbackLeftovers.join(', ')}`);

      const before = { state: tenant.state, primarySiteId: tenant.primarySiteId, activeOperationId: tenant.activeOperationId ?? null };
      await unitOfWork.run(async (tx) => {
        const now = await tx.tenants.findById(tenant.id);
        const holder = now?.activeOperationId ?? null;
        if (holder !== null && holder !== input.staleHolder) {
          throw ApplicationFailure.nonRetryable(`tenant ${tenant.name} is held by operation ${holder}, which runs; reconcile repairs a tenant no operation works on`, 'TenantHeld', holder);
        }
        await tx.tenants.update(tenant.id, { state, primarySiteId, activeOperationId: null, updatedAt: new Date() });
      });
      const after = { state, primarySiteId, activeOperationId: null };
      return { tenantId: tenant.id, before, after, changed: JSON.stringify(before) !== JSON.stringify(after), estate, problems };
    },
  };
}
