import type { ActivityDeps } from './deps';
import { createAsaActivities } from './asa';
import { createBnaActivities } from './bna';
import { createClmActivities } from './clm';
import { createContainerActivities } from './containers';
import { createDeclarationActivities } from './declarations';
import { createDrillActivities } from './drill';
import { createProtectionActivities } from './protection';
import { createProtectionHealthActivities } from './protection-health';
import { createEstateActivities } from './estate';
import { createFailbackActivities } from './failback';
import { createInventoryActivities } from './inventory';
import { createManagementActivities } from './management';
import { createFailoverInventoryActivities } from './failover-inventory';
import { createReconcileActivities } from './reconcile';
import { createRecoveryActivities } from './recovery';

/** All activities, built over their dependencies; the worker registers the result. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createEstateActivities(deps),
    ...createInventoryActivities(deps),
    ...createManagementActivities(deps),
    ...createClmActivities(deps),
    ...createBnaActivities(deps),
    ...createAsaActivities(deps),
    ...createProtectionActivities(deps),
    ...createProtectionHealthActivities(deps),
    ...createContainerActivities(deps),
    ...createFailoverInventoryActivities(deps),
    ...createRecoveryActivities(deps),
    ...createFailbackActivities(deps),
    ...createReconcileActivities(deps),
    ...createDeclarationActivities(deps),
    ...createDrillActivities(deps),
  };
}

export type LifelineActivities = ReturnType<typeof createActivities>;
export type { ActivityDeps } from './deps';
