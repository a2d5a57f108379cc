import { workflowInfo } from '@temporalio/workflow';
import type { OperationKind, OperationView } from './contracts';

/**
 * What a helper child (a wait or a batch that continues as new) answers to the progress query: its own id, the
 * parent's kind and tenant, `waiting` while it waits for something, and its progress counters.
 */
export function childProgressView(child: {
  kind: OperationKind;
  tenantId: string | null;
  startedAt: string;
  phase: string;
  waitingFor: string | null;
  progress: Record<string, unknown>;
}): OperationView {
  return {
    id: workflowInfo().workflowId,
    kind: child.kind,
    tenantId: child.tenantId,
    status: child.waitingFor ? 'waiting' : 'running',
    phase: child.phase,
    waitingFor: child.waitingFor,
    startedAt: child.startedAt,
    closedAt: null,
    steps: [],
    progress: child.progress,
    error: null,
    result: null,
  };
}
