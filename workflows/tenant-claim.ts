import { CancellationScope, patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { LifelineActivities } from '../activities';
import type { TenantState } from '../domain/lifecycle';
import { inventoryWrite } from './activity-options';

const inventory = proxyActivities<LifelineActivities>(inventoryWrite);

/** Workflow version marker: the operation holds its tenant (claimed first, state moved as holder, released at the end). */
export const TENANT_CLAIM = 'tenant-claim';

/**
 * An operation's hold on its tenant: one operation per tenant at a time. The API claims the tenant in the
 * transaction that records the operation; the workflow confirms the claim before anything else (a failover
 * started by a site failover claims it there), moves the tenant's state only as its holder, and releases the
 * claim as it ends, whatever the outcome. A child acting for its parent (failback's onboarding child) moves
 * the state under the parent's claim and never takes or releases it. Runs recorded before the claim existed
 * (no marker) keep their commands and move the state as before.
 */
export class TenantClaim {
  private constructor(
    private readonly tenantId: string,
    /** The operation the claim belongs to; null for a run recorded before claims. */
    readonly holder: string | null,
    private readonly owned: boolean,
  ) {}

  /** The operation's own claim. Construct it before the workflow's first command (it records the marker). */
  static own(tenantId: string): TenantClaim {
    return new TenantClaim(tenantId, patched(TENANT_CLAIM) ? workflowInfo().workflowId : null, true);
  }

  /** A parent's claim, used by a child that works for it; `holder` undefined when the parent holds none. */
  static inherited(tenantId: string, holder: string | undefined): TenantClaim {
    return new TenantClaim(tenantId, holder ?? null, false);
  }

  /** Confirms (or takes) the claim; fails, naming the holder, when another operation holds the tenant. */
  async take(): Promise<void> {
    if (this.owned && this.holder) await inventory.claimTenant({ tenantId: this.tenantId, operationId: this.holder });
  }

  setState(to: TenantState, from?: TenantState[]): Promise<{ previous: TenantState }> {
    return inventory.setTenantState({ tenantId: this.tenantId, to, ...(from ? { from } : {}), ...(this.holder ? { operationId: this.holder } : {}) });
  }

  /** Ends the hold, even while the operation is being cancelled. */
  async release(): Promise<void> {
    const holder = this.holder;
    if (!this.owned || !holder) return;
    await CancellationScope.nonCancellable(() => inventory.releaseTenant({ tenantId: this.tenantId, operationId: holder }));
  }
}
