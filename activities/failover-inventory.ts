import { ApplicationFailure } from '@temporalio/common';
import { In } from 'typeorm';
import type { TenantState } from '../domain/lifecycle';
import type { PlanVm, RecoveryPlanSpec, ScheduleCaps } from '../domain/recovery-plan';
import { AuditEventEntity, ProtectedVmEntity } from '../infra/persistence/entities';
import { createTypeOrmRepositories } from '../infra/persistence/repositories';
import type { ActivityDeps } from './deps';
import type { VmProbe } from './recovery';

export interface FailoverVmFacts extends PlanVm {
  vcpu: number;
  memoryMb: number;
  fqdn: string;
  primaryIps: string[];
  drIps: string[] | null;
  probes: VmProbe[];
}

export interface FailoverFacts {
  tenant: { id: string; name: string; tier: string; state: TenantState; rtoMinutes: number; rpoMinutes: number; primarySite: string; primarySiteId: string; drSite: string; drSiteId: string };
  /** `revision`: the plan's version (incremented by every change), the one a drill report names. */
  plan: { id: string; name: string; revision: number; spec: RecoveryPlanSpec; caps: ScheduleCaps };
  vms: FailoverVmFacts[];
}

/** Inventory reads and writes made by failovers. */
export function createFailoverInventoryActivities(deps: ActivityDeps) {
  const repos = () => createTypeOrmRepositories(deps.dataSource.manager);

  return {
    /** The tenant, its recovery plan (the named one, or its only one) and the facts of every VM in it. */
    async loadFailoverFacts(input: { tenantId: string; planId?: string }): Promise<FailoverFacts> {
      const r = repos();
      const tenant = await r.tenants.findById(input.tenantId);
      if (!tenant) throw ApplicationFailure.nonRetryable(`tenant ${input.tenantId} does not exist`, 'TenantNotFound');
      const [primary, dr] = await Promise.all([r.sites.findById(tenant.primarySiteId), r.sites.findById(tenant.drSiteId)]);
      let planId = input.planId;
      if (!planId) {
        const plans = await r.plans.listByTenant(tenant.id);
        if (plans.length !== 1) {
          throw ApplicationFailure.nonRetryable(`tenant ${tenant.name} has ${plans.length} recovery plans; name one with planId`, 'PlanNotChosen');
        }
        planId = plans[0].plan.id;
      }
      const record = await r.plans.findById(planId);
      if (!record || record.plan.tenantId !== tenant.id) throw ApplicationFailure.nonRetryable(`recovery plan ${planId} not found for tenant ${tenant.name}`, 'PlanNotFound');

      const rows = await deps.dataSource.manager.find(ProtectedVmEntity, { where: { tenantId: tenant.id }, order: { name: 'ASC' } });
      return {
        tenant: {
          id: tenant.id, name: tenant.name, tier: tenant.tier, state: tenant.state, rtoMinutes: tenant.rtoMinutes, rpoMinutes: tenant.rpoMinutes,
          primarySite: primary?.name ?? tenant.primarySiteId, primarySiteId: tenant.primarySiteId, drSite: dr?.name ?? tenant.drSiteId, drSiteId: tenant.drSiteId,
        },
        plan: {
          id: record.plan.id,
          name: record.plan.name,
          revision: record.plan.revision,
          spec: {
            groups: record.groups.map(({ group, vms }) => ({
              name: group.name, vms, ...(group.maxConcurrency ? { maxConcurrency: group.maxConcurrency } : {}), approvalRequired: group.approvalRequired,
            })),
            dependencies: record.dependencies,
          },
          caps: { ...(record.plan.capPerMasterTarget ? { perMasterTarget: record.plan.capPerMasterTarget } : {}), ...(record.plan.capPerSite ? { perSite: record.plan.capPerSite } : {}) },
        },
        vms: rows.map((v) => ({
          name: v.name, role: v.role, critical: v.critical, ...(v.masterTarget ? { masterTarget: v.masterTarget } : {}),
          vcpu: v.vcpu, memoryMb: v.memoryMb, fqdn: v.primaryHostname, primaryIps: v.primaryIps, drIps: v.drIps, probes: (v.probes ?? []) as VmProbe[],
        })),
      };
    },

    /** The tenants a failed primary site takes down: protected ones, with what their failover needs. */
    async loadSiteTenants(input: { siteId: string }): Promise<{
      site: { id: string; name: string };
      tenants: { id: string; name: string; tier: string; state: TenantState; drSite: string; drSiteId: string; vms: number; vcpu: number; memoryMb: number }[];
    }> {
      const r = repos();
      const site = await r.sites.findById(input.siteId);
      if (!site) throw ApplicationFailure.nonRetryable(`site ${input.siteId} does not exist`, 'SiteNotFound');
      const tenants = (await r.tenants.list()).filter((t) => t.primarySiteId === site.id);
      const sites = new Map((await r.sites.list()).map((s) => [s.id, s.name]));
      const needs: { tenantId: string; vms: string; vcpu: string | null; memoryMb: string | null }[] = await deps.dataSource.manager
        .createQueryBuilder(ProtectedVmEntity, 'v')
        .select('v.tenantId', 'tenantId')
        .addSelect('COUNT(*)', 'vms')
        .addSelect('SUM(v.vcpu)', 'vcpu')
        .addSelect('SUM(v.memoryMb)', 'memoryMb')
        .where('v.tenantId IN (:...ids)', { ids: tenants.length ? tenants.map((t) => t.id) : [''] })
        .groupBy('v.tenantId')
        .getRawMany();
      const byTenant = new Map(needs.map((n) => [n.tenantId, n]));
      return {
        site: { id: site.id, name: site.name },
        tenants: tenants.map((t) => {
          const n = byTenant.get(t.id);
          return {
            id: t.id, name: t.name, tier: t.tier, state: t.state, drSite: sites.get(t.drSiteId) ?? t.drSiteId, drSiteId: t.drSiteId,
            vms: Number(n?.vms ?? 0), vcpu: Number(n?.vcpu ?? 0), memoryMb: Number(n?.memoryMb ?? 0),
          };
        }),
      };
    },

    /** The DR identity of the VMs now running at the DR site; their replication stopped with the recovery. */
    async recordRecoveredVms(input: { tenantId: string; vms: { name: string; drIps: string[]; drHostname: string }[] }): Promise<void> {
      if (input.vms.length === 0) return;
      await deps.dataSource.transaction(async (em) => {
        const rows = await em.find(ProtectedVmEntity, { where: { tenantId: input.tenantId, name: In(input.vms.map((v) => v.name)) } });
        const byName = new Map(input.vms.map((v) => [v.name, v]));
        for (const row of rows) {
          const v = byName.get(row.name)!;
          await em.update(ProtectedVmEntity, { id: row.id }, { drIps: v.drIps, drHostname: v.drHostname, replicationState: 'failed-over', rpoLagSeconds: null, updatedAt: new Date() });
        }
      });
    },

    /**
     * Billing: the DR occupancy clock starts when the tenant runs at the DR site (six weeks included,
     * then a daily fee). Recorded once per operation as an append-only audit event.
     */
    async emitBillingEvent(input: { tenantId: string; operationId: string; event: 'dr-occupancy-started' | 'dr-occupancy-stopped'; at: string; includedDays: number }): Promise<void> {
      const r = repos();
      const action = `billing.${input.event}`;
      if (await deps.dataSource.manager.existsBy(AuditEventEntity, { tenantId: input.tenantId, action, resourceId: input.operationId })) return;
      const dailyFeeFrom = new Date(Date.parse(input.at) + input.includedDays * 86_400_000).toISOString();
      await r.audit.append({
        actorTokenId: 'lifeline', actorName: 'lifeline', actorRole: 'system', action, resourceType: 'operation', resourceId: input.operationId,
        tenantId: input.tenantId, at: new Date(input.at), details: { includedDays: input.includedDays, dailyFeeFrom },
      });
    },
  };
}
