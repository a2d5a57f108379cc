import type { ActivityDeps } from './deps';
import { createEstateActivities } from './estate';
import { createInventoryActivities } from './inventory';
import { createManagementActivities } from './management';

/** All activities, built over their dependencies; the worker registers the result. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createEstateActivities(deps),
    ...createInventoryActivities(deps),
    ...createManagementActivities(deps),
  };
}

export type LifelineActivities = ReturnType<typeof createActivities>;
export type { ActivityDeps } from './deps';
