import { condition, continueAsNew, defineQuery, defineSignal, defineUpdate, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { LifelineActivities } from '../activities';
import {
  DEFAULT_CAPTURE_INTERVAL_SECONDS, MAX_CAPTURE_INTERVAL_SECONDS, metadataCaptureMessages, MIN_CAPTURE_INTERVAL_SECONDS,
} from '../domain/fixup-plan';
import { serviceSweep } from './activity-options';

const { captureManagementMetadata } = proxyActivities<LifelineActivities>(serviceSweep);

export interface MetadataCaptureInput {
  tenantId: string;
  intervalSeconds?: number;
  /** Carried across continue-as-new: the capture counter behind each capture key. */
  sequence?: number;
}

export interface MetadataCaptureStatus {
  tenantId: string;
  intervalSeconds: number;
  lastAttemptAt: string | null;
  lastCapturedAt: string | null;
  lastVersion: number | null;
  /** Why the last attempt captured nothing (tenant not in steady state) or failed. */
  lastSkipReason: string | null;
  nextCaptureAt: string | null;
}

export const captureNowSignal = defineSignal(metadataCaptureMessages.captureNow);
export const setCaptureIntervalUpdate = defineUpdate<MetadataCaptureStatus, [{ intervalSeconds: number }]>(metadataCaptureMessages.setInterval);
export const captureStatusQuery = defineQuery<MetadataCaptureStatus>(metadataCaptureMessages.status);

/** Captures per run before continuing as new, so the history stays short whatever the interval. */
const CAPTURES_PER_RUN = 200;

/**
 * Metadata capture in steady state, one per tenant (`metadata-capture:<tenantId>`): snapshots every
 * management service's metadata about the tenant from the primary-side servers every `intervalSeconds`
 * (changeable while running; `captureNow` captures at once), each as a new version in the inventory. The
 * capture's age is the metadata RPO, which the patent wants tighter than the data's. While the tenant is
 * failed over nothing is captured: the primary side's last version stays the fix-up's source.
 */
export async function managementMetadataCapture(input: MetadataCaptureInput): Promise<void> {
  const status: MetadataCaptureStatus = {
    tenantId: input.tenantId,
    intervalSeconds: input.intervalSeconds ?? DEFAULT_CAPTURE_INTERVAL_SECONDS,
    lastAttemptAt: null,
    lastCapturedAt: null,
    lastVersion: null,
    lastSkipReason: null,
    nextCaptureAt: null,
  };
  let now = false;
  let intervalChanged = false;
  setHandler(captureNowSignal, () => {
    now = true;
  });
  setHandler(
    setCaptureIntervalUpdate,
    ({ intervalSeconds }) => {
      status.intervalSeconds = intervalSeconds;
      intervalChanged = true;
      return status;
    },
    {
      validator: ({ intervalSeconds }) => {
        if (!Number.isInteger(intervalSeconds) || intervalSeconds < MIN_CAPTURE_INTERVAL_SECONDS || intervalSeconds > MAX_CAPTURE_INTERVAL_SECONDS) {
          throw new Error(`intervalSeconds must be an integer from ${MIN_CAPTURE_INTERVAL_SECONDS} to ${MAX_CAPTURE_INTERVAL_SECONDS}`);
        }
      },
    },
  );
  setHandler(captureStatusQuery, () => status);

  let sequence = input.sequence ?? 0;
  for (let i = 0; i < CAPTURES_PER_RUN && !workflowInfo().continueAsNewSuggested; i++) {
    sequence++;
    status.lastAttemptAt = new Date().toISOString();
    try {
      const result = await captureManagementMetadata({
        tenantId: input.tenantId,
        side: 'primary',
        reason: now ? 'on-demand' : 'scheduled',
        captureKey: `${workflowInfo().workflowId}:${sequence}`,
        steadyStateOnly: true,
      });
      if (result.captured) {
        status.lastCapturedAt = result.capturedAt ?? null;
        status.lastVersion = result.version ?? null;
        status.lastSkipReason = null;
      } else {
        status.lastSkipReason = result.reason ?? 'not captured';
      }
    } catch (err) {
      status.lastSkipReason = err instanceof Error ? err.message : String(err);
    }
    now = false;
    // Sleep the interval, or less when asked to capture now; a new interval restarts the wait.
    for (;;) {
      intervalChanged = false;
      status.nextCaptureAt = new Date(Date.now() + status.intervalSeconds * 1000).toISOString();
      const woken = await condition(() => now || intervalChanged, status.intervalSeconds * 1000);
      if (!woken || now) break;
    }
  }
  await continueAsNew<typeof managementMetadataCapture>({ tenantId: input.tenantId, intervalSeconds: status.intervalSeconds, sequence });
}
