import { ApplicationFailure } from '@temporalio/common';
import { additionalDemand, fits, shortfallText, siteLedger, type Resources, type SiteLedger, type VmDemand } from '../domain/dr-capacity';
import type { SiteCapacity } from '../infra/clients/compute';
import type { ComputeCapacityReport, SiteEntity } from '../infra/persistence/entities';
import { createTypeOrmRepositories, TypeOrmUnitOfWork, type Repositories } from '../infra/persistence/repositories';
import type { ActivityDeps } from './deps';

/** A failover's claim on room at its DR site: taken when it fits, or the reason it does not. */
export interface CapacityDecision {
  need: Resources;
  ledger: SiteLedger;
  fits: boolean;
  /** Room is held for the operation (false when only checked, or when it does not fit). */
  reserved: boolean;
  reason?: string;
}

/**
 * The DR capacity ledger over the inventory (`domain/dr-capacity.ts`): the configured capacity, enforced
 * across every tenant of a shared DR site, and compute's report recorded beside it for the API to show.
 */
export function drCapacityLedger(deps: ActivityDeps) {
  const repos = () => createTypeOrmRepositories(deps.dataSource.manager);
  const unitOfWork = new TypeOrmUnitOfWork(deps.dataSource);

  const configured = (site: SiteEntity): Resources => ({ vcpu: site.capacityVcpu, memoryMb: site.capacityMemoryMb });
  const ledgerOf = async (r: Repositories, site: SiteEntity) => ({ occupancy: await r.capacity.occupancy(site.id), site });

  return {
    async siteByName(name: string): Promise<SiteEntity> {
      const site = (await repos().sites.list()).find((s) => s.name === name);
      if (!site) throw ApplicationFailure.nonRetryable(`DR site ${name} is not in the inventory`, 'SiteNotFound');
      return site;
    },

    async ledger(site: SiteEntity): Promise<SiteLedger> {
      const { occupancy } = await ledgerOf(repos(), site);
      return siteLedger(configured(site), occupancy);
    },

    /** What compute reports, kept on the site so `GET /v1/sites/{id}` shows it beside the configured capacity. */
    async recordComputeReport(site: SiteEntity, report: SiteCapacity): Promise<void> {
      const computeCapacity: ComputeCapacityReport = { capacity: report.capacity ?? null, used: report.used, free: report.free ?? null, down: report.down };
      await repos().sites.update(site.id, { computeCapacity, computeReportedAt: new Date() });
    },

    /**
     * Checks that a failover's VMs fit the DR site's configured capacity beside every other tenant's, and with
     * `operationId` (the operation holding the tenant) reserves the room in the same transaction, so of two
     * failovers racing for the last room exactly one gets it. A repeat finds the operation's own reservation.
     */
    decide(input: { siteId: string; tenantId: string; operationId?: string; vms: VmDemand[] }): Promise<CapacityDecision> {
      return unitOfWork.run(async (tx) => {
        if (input.operationId) await tx.capacity.lockSite(input.siteId);
        const site = await tx.sites.findById(input.siteId);
        if (!site) throw ApplicationFailure.nonRetryable(`DR site ${input.siteId} is not in the inventory`, 'SiteNotFound');
        const { occupancy } = await ledgerOf(tx, site);
        const own = occupancy.find((t) => t.tenantId === input.tenantId);
        const need = additionalDemand(input.vms, own?.runningVms ?? []);
        if (input.operationId && (await tx.capacity.findReservation(input.operationId))) {
          return { need, ledger: siteLedger(configured(site), occupancy), fits: true, reserved: true };
        }
        const before = siteLedger(configured(site), occupancy);
        if (!fits(need, before.free)) return { need, ledger: before, fits: false, reserved: false, reason: shortfallText(site.name, need, before) };
        if (!input.operationId) return { need, ledger: before, fits: true, reserved: false };
        await tx.capacity.deleteOthers(input.tenantId, input.operationId);
        await tx.capacity.insertReservation({ operationId: input.operationId, siteId: site.id, tenantId: input.tenantId, vms: input.vms, createdAt: new Date() });
        const after = occupancy.map((t) => (t.tenantId === input.tenantId ? { ...t, operationId: input.operationId!, reservedVms: input.vms } : t));
        return { need, ledger: siteLedger(configured(site), after), fits: true, reserved: true };
      });
    },
  };
}
