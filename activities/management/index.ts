import type { ActivityDeps } from '../deps';
import { createFixupActivities } from './fixup';
import { createMetadataActivities } from './metadata';

/** The management fix-up's activities: metadata capture, run context, and one script per service kind. */
export function createManagementActivities(deps: ActivityDeps) {
  return {
    ...createMetadataActivities(deps),
    ...createFixupActivities(deps),
  };
}

export type { CaptureInput, CaptureResult } from './metadata';
export type { FixupContext, LoadFixupContextInput, RestoreServiceInput, RestoreServiceResult } from './fixup';
