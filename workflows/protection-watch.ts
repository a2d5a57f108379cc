import { continueAsNew, patched, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { LifelineActivities } from '../activities';
import type { WatchSettings } from '../activities/protection-health';
import { breachSummary, emptyBreachState, evaluateBreaches, type BreachState, type ClearedBreach } from '../domain/protection-health';
import { quickCall } from './activity-options';
import { historyTooLong } from './history-limit';
import { protectionWatchQuery, type ProtectionWatchInput, type ProtectionWatchResult } from './contracts';

const systems = proxyActivities<LifelineActivities>(quickCall);
/**
 * The watch outlives any outage of the systems it reads and tells: its calls retry until they answer (a
 * ticketing system that is down holds the breach's ticket back, it does not lose it).
 */
const watching = proxyActivities<LifelineActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
/** Until the first sample says otherwise. */
const DEFAULT_SETTINGS: WatchSettings = { sampleSeconds: 60, graceSeconds: 300 };

/**
 * Watches one protected tenant's replication for as long as it stays protected: samples InMage (every VM's
 * pair state and lag, readiness, tag age) between workflow timers, opens a breach when a VM stays over the
 * tenant's RPO past the grace period or a pair leaves Differential Sync, and clears it when that ends; each
 * breach is one ticket, opened, escalated as the lag doubles, and closed. It runs for the tenant's whole
 * protected life, so it continues as new before its history grows long, carrying its open breaches. When the
 * tenant leaves `protected` (failing over, gone) it closes what is open and ends; an operation that protects
 * the tenant again starts it again.
 */
export async function protectionWatch(input: ProtectionWatchInput): Promise<ProtectionWatchResult> {
  const startedAt = input.carried?.startedAt ?? workflowInfo().startTime.toISOString();
  const runs = (input.carried?.runs ?? 0) + 1;
  let samples = input.carried?.samples ?? 0;
  let breaches: BreachState = input.carried?.breaches ?? emptyBreachState();
  let settings = input.carried?.settings ?? DEFAULT_SETTINGS;
  let lastError: string | null = null;

  setHandler(protectionWatchQuery, () => ({ tenantId: input.tenantId, startedAt, samples, runs, breaches, lastError }));

  for (;;) {
    const now = Date.now();
    const sample = await watching.sampleProtectionHealth({ tenantId: input.tenantId, at: now }).catch((err: unknown) => {
      // Refused for good (not a passing outage): this sample is lost, the next one is taken at the usual time.
      lastError = err instanceof Error ? err.message : String(err);
      return null;
    });
    if (sample === null) {
      await sleep(settings.sampleSeconds * 1000);
      continue;
    }
    samples += 1;
    lastError = null;
    if (!sample.watching) {
      const closed: string[] = [];
      for (const b of breaches.open) {
        const cleared: ClearedBreach = { ...b, clearedAt: new Date(now).toISOString(), resolution: `watch ended: the tenant is ${sample.tenantState}` };
        await watching.closeBreachTicket({ tenantId: input.tenantId, breach: cleared });
        closed.push(b.id);
      }
      return { samples, runs, stoppedAt: sample.tenantState, closedAtStop: closed };
    }

    settings = sample.settings;
    const rpoSeconds = sample.rpoSeconds;
    const changes = evaluateBreaches(breaches, sample.exceptions, { tenantId: input.tenantId, rpoSeconds, graceSeconds: settings.graceSeconds, now });
    const ticketOf = new Map<string, string>();
    for (const b of changes.opened) {
      const { ticket } = await watching.openBreachTicket({ tenant: sample.tenant, tenantId: input.tenantId, breach: b, summary: breachSummary(sample.tenant, b, rpoSeconds) });
      ticketOf.set(b.id, ticket);
    }
    for (const b of changes.escalated) {
      await watching.escalateBreachTicket({ tenant: sample.tenant, tenantId: input.tenantId, breach: b, summary: breachSummary(sample.tenant, b, rpoSeconds) });
    }
    for (const b of changes.cleared) {
      await watching.closeBreachTicket({ tenantId: input.tenantId, breach: b });
    }
    breaches = { ...changes.state, open: changes.state.open.map((b) => (ticketOf.has(b.id) ? { ...b, ticket: ticketOf.get(b.id) as string } : b)) };

    await sleep(settings.sampleSeconds * 1000);
    if (historyTooLong(settings.historySoftLimit)) {
      await continueAsNew<typeof protectionWatch>({ tenantId: input.tenantId, carried: { startedAt, samples, runs, breaches, settings } });
    }
  }
}

/** Workflow version marker: an operation that leaves its tenant protected starts the tenant's watch as it ends. */
export const STARTS_PROTECTION_WATCH = 'starts-protection-watch';

/**
 * The operation's last step once its tenant is protected: the tenant's protection watch, started or found
 * running. A watch that cannot be started does not fail the operation (every worker starts the watches of
 * protected tenants as it starts); the progress says which.
 */
export async function startWatchingProtection(tenantId: string, tracker: { setProgress(p: Record<string, unknown>): void }): Promise<void> {
  if (!patched(STARTS_PROTECTION_WATCH)) return;
  try {
    const { workflowId } = await systems.ensureProtectionWatch({ tenantId });
    tracker.setProgress({ protectionWatch: workflowId });
  } catch (err) {
    tracker.setProgress({ protectionWatch: `not started: ${err instanceof Error ? err.message : String(err)}` });
  }
}
