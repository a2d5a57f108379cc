import { isCancellation, patched, proxyActivities } from '@temporalio/workflow';
import type { LifelineActivities } from '../activities';
import { quickCall } from './activity-options';
import { errorText } from './operation-tracker';

const { closeNotifications } = proxyActivities<LifelineActivities>(quickCall);

/**
 * Workflow version marker: an operation's ticket (opened by its "beginning" notification, correlated by the
 * operation id) is updated with the outcome and closed at its end, whether it completed, was refused, aborted
 * or failed. Operations recorded before it opened a second ticket at the end and left both open.
 */
const TICKET_CLOSED_AT_END = 'operation-ticket-closed-at-end';

/** Does this run close its ticket at the end (every run since the marker)? */
export function closesTicketAtEnd(): boolean {
  return patched(TICKET_CLOSED_AT_END);
}

/** Updates the operation's open tickets with how it ended, and closes them. */
export function closeOperationTickets(tenant: string, operationId: string, resolution: string, severity: number): Promise<{ closed: string[] }> {
  return closeNotifications({ tenant, correlationId: operationId, resolution, severity, idempotencyKey: `${operationId}:notify:close` });
}

/**
 * On the error path: the operation's tickets closed with the failure (refusal, abort or error), when it got as
 * far as knowing its tenant. A ticketing system that does not answer is not allowed to hide the failure.
 */
export async function closeTicketsOnFailure(tenant: string | undefined, operationId: string, err: unknown): Promise<void> {
  if (tenant === undefined || !closesTicketAtEnd()) return;
  const how = isCancellation(err) ? 'cancelled' : 'failed';
  await closeOperationTickets(tenant, operationId, `${how}: ${errorText(err)}`, 1).catch(() => undefined);
}
