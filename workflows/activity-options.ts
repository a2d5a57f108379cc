import type { ActivityOptions, RetryPolicy } from '@temporalio/workflow';

/**
 * Named activity option presets, defined once. Retries belong to Temporal, not to the activities.
 *
 * Sized for the real systems' call times (`infra/sim/latency.ts`): a quick call answers in a few seconds; a
 * blocking one (vCenter power-on ~45 s, re-IP ~30 s, ASA context ~30 s, InMage readiness ~20 s) heartbeats while
 * it waits (`activities/heartbeat.ts`, at least every 5 s), so a 20-second heartbeat timeout notices a dead
 * worker without ever cutting a slow call short. Start-to-close only bounds an attempt that keeps beating.
 */

const systemRetry: RetryPolicy = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 10 };

/** A short call to an external system or the inventory: a few seconds at most, no heartbeat. */
export const quickCall: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: systemRetry,
};

/**
 * An activity that blocks on slow synchronous calls (power-on, re-IP, readiness, security contexts, control
 * servers), or on a batch of them, heartbeating while it waits.
 */
export const blockingCall: ActivityOptions = {
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '20 seconds',
  retry: systemRetry,
};

/**
 * One VM's step in a wave: an InMage recovery (minutes), re-IP, power-on and boot, DNS and firewall. It polls
 * or waits heartbeating, so a worker that dies is noticed within 20 s and the step moves to another worker.
 */
export const vmStep: ActivityOptions = {
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5 },
};

/** A long wait on an external job, reporting heartbeats so a dead worker is noticed quickly. */
export const longPoll: ActivityOptions = {
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
};

/**
 * One management service's fix-up script (every record of the tenant's VMs, agents that take up to a minute
 * to install), heartbeating while it works. A few retries for a flaky answer, then the failure is the
 * service's (reported, with its reason) and the other services go on.
 */
export const serviceScript: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 3 },
};

/** Reads across every management service of a tenant (metadata capture, the fix-up context): many short calls. */
export const serviceSweep: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  retry: systemRetry,
};

/** A write to the inventory database. */
export const inventoryWrite: ActivityOptions = {
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 20 },
};
