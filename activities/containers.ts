import { ApplicationFailure } from '@temporalio/common';
import { In } from 'typeorm';
import { DrContainerEntity, DrSitePolicyEntity, ProtectedVmEntity } from '../infra/persistence/entities';
import { createTypeOrmRepositories } from '../infra/persistence/repositories';
import type { DrContainerRecord, VmProtectionRecord } from '../workflows/contracts';
import { DEFAULT_SITE_POLICY } from '../domain/site-policy';
import type { ActivityDeps } from './deps';
import { loadDrAddressPlan } from './ip-mapping';

export interface OnboardingFacts {
  tenant: { id: string; name: string; tier: string; state: string };
  primarySite: { id: string; name: string };
  drSite: { id: string; name: string };
  policy: { autoApproveContainers: boolean; approvalReminderSeconds: number; approvalEscalationSeconds: number };
  vms: { name: string; role: string; primaryHostname: string; primaryIps: string[]; replicationState: string; drIps: string[] | null }[];
  /** Each workload VM's DR addresses by the tenant's IP mapping (management VMs take set-aside addresses). */
  drAddresses?: Record<string, string[]>;
}

/** Inventory reads and writes of onboarding: facts about the tenant, the DR container record, VM protection. */
export function createContainerActivities(deps: ActivityDeps) {
  const em = () => deps.dataSource.manager;

  return {
    /** The tenant, its sites and VMs, and the DR site's approval policy, as plain JSON. */
    async loadOnboardingFacts(input: { tenantId: string }): Promise<OnboardingFacts> {
      const repos = createTypeOrmRepositories(em());
      const tenant = await repos.tenants.findById(input.tenantId);
      if (!tenant) throw ApplicationFailure.nonRetryable(`tenant ${input.tenantId} does not exist`, 'TenantNotFound');
      const [primary, dr] = await Promise.all([repos.sites.findById(tenant.primarySiteId), repos.sites.findById(tenant.drSiteId)]);
      if (!primary || !dr) throw ApplicationFailure.nonRetryable(`tenant ${tenant.name} has no primary or DR site`, 'SiteNotFound');
      const policy = await em().findOneBy(DrSitePolicyEntity, { siteId: dr.id });
      const vms = await em().find(ProtectedVmEntity, { where: { tenantId: tenant.id }, order: { name: 'ASC' } });
      const drAddresses: Record<string, string[]> = {};
      for (const a of (await loadDrAddressPlan(deps.dataSource, tenant.id)).addresses) drAddresses[a.vm] = [...(drAddresses[a.vm] ?? []), a.address];
      return {
        tenant: { id: tenant.id, name: tenant.name, tier: tenant.tier, state: tenant.state },
        primarySite: { id: primary.id, name: primary.name },
        drSite: { id: dr.id, name: dr.name },
        policy: policy
          ? { autoApproveContainers: policy.autoApproveContainers, approvalReminderSeconds: policy.approvalReminderSeconds, approvalEscalationSeconds: policy.approvalEscalationSeconds }
          : DEFAULT_SITE_POLICY,
        vms: vms.map((v) => ({
          name: v.name,
          role: v.role,
          primaryHostname: v.primaryHostname,
          primaryIps: v.primaryIps,
          replicationState: v.replicationState,
          drIps: v.drIps,
        })),
        drAddresses,
      };
    },

    /** Upsert of the tenant's container record (one per tenant). */
    async recordDrContainer(input: { record: DrContainerRecord; operationId: string }): Promise<void> {
      const { record } = input;
      const existing = await em().findOneBy(DrContainerEntity, { tenantId: record.tenantId });
      const now = new Date();
      await em().save(
        Object.assign(new DrContainerEntity(), {
          tenantId: record.tenantId,
          name: record.name,
          clmGuid: record.clmGuid,
          tier: record.tier,
          drSiteId: record.drSiteId,
          state: 'active',
          vlans: record.vlans,
          asaContext: record.asaContext,
          tunnel: record.tunnel,
          networkPaths: record.networkPaths,
          vips: record.vips,
          managementIps: record.managementIps,
          controlPlane: record.controlPlane,
          operationId: input.operationId,
          createdAt: existing?.createdAt ?? now,
          updatedAt: now,
        }),
      );
    },

    async loadDrContainer(input: { tenantId: string }): Promise<DrContainerRecord | null> {
      const row = await em().findOneBy(DrContainerEntity, { tenantId: input.tenantId });
      if (!row) return null;
      const tenant = await createTypeOrmRepositories(em()).tenants.findById(input.tenantId);
      return {
        tenantId: row.tenantId,
        tenant: tenant?.name ?? '',
        name: row.name,
        clmGuid: row.clmGuid,
        tier: row.tier,
        drSiteId: row.drSiteId,
        vlans: row.vlans,
        asaContext: row.asaContext,
        tunnel: row.tunnel,
        networkPaths: row.networkPaths,
        vips: row.vips,
        managementIps: row.managementIps,
        controlPlane: row.controlPlane,
      };
    },

    /** Compensation: the container is gone, so is its record. */
    async deleteDrContainerRecord(input: { tenantId: string }): Promise<void> {
      await em().delete(DrContainerEntity, { tenantId: input.tenantId });
    },

    /** Per VM: replication state, RPO lag, master target and DR identity (names not in the inventory are ignored). */
    async recordVmProtection(input: { tenantId: string; vms: VmProtectionRecord[] }): Promise<{ updated: number }> {
      return writeVmProtection(deps.dataSource, input.tenantId, input.vms);
    },

    /** An audit record of something the workflow did on its own (approval reminder, escalation). */
    async recordOperationEvent(input: { tenantId: string; operationId: string; action: string; details: Record<string, unknown> }): Promise<void> {
      await createTypeOrmRepositories(em()).audit.append({
        actorTokenId: 'workflow',
        actorName: 'lifeline',
        actorRole: 'system',
        action: input.action,
        resourceType: 'operation',
        resourceId: input.operationId,
        tenantId: input.tenantId,
        at: new Date(),
        details: input.details,
      });
    },
  };
}

/** Each VM's protection record written in one transaction (onboarding, failback, resume). */
export async function writeVmProtection(dataSource: ActivityDeps['dataSource'], tenantId: string, vms: VmProtectionRecord[]): Promise<{ updated: number }> {
  const byName = new Map(vms.map((v) => [v.vm, v]));
  let updated = 0;
  await dataSource.transaction(async (tx) => {
    const rows = await tx.find(ProtectedVmEntity, { where: { tenantId, name: In([...byName.keys()]) } });
    const now = new Date();
    for (const row of rows) {
      const v = byName.get(row.name) as VmProtectionRecord;
      await tx.update(ProtectedVmEntity, { id: row.id }, {
        replicationState: v.replicationState,
        rpoLagSeconds: v.rpoLagSeconds,
        masterTarget: v.masterTarget,
        drIps: v.drIps,
        drHostname: v.drHostname,
        updatedAt: now,
      });
      updated += 1;
    }
  });
  return { updated };
}
