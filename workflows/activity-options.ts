import type { ActivityOptions } from '@temporalio/workflow';

/** Named activity option presets, defined once. Retries belong to Temporal, not to the activities. */

/** A short call to an external system or the inventory. */
export const quickCall: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 10 },
};

/** A long wait on an external job, reporting heartbeats so a dead worker is noticed quickly. */
export const longPoll: ActivityOptions = {
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
};

/** A write to the inventory database. */
export const inventoryWrite: ActivityOptions = {
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 20 },
};
