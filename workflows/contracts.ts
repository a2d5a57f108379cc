/**
 * What the API, the worker and the workflows agree on: task queue, message definitions, search attributes,
 * workflow id builders and plain-JSON inputs/outputs. Imported by workflow code: no Node, no frameworks.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { OperationKind, OperationStatus } from '../domain/lifecycle';

export type { OperationKind, OperationStatus } from '../domain/lifecycle';

export const TASK_QUEUE = 'lifeline';

/** Workflow ids come from business keys, so a duplicate request finds the running operation. */
export const workflowIds = {
  estateCheck: (requestId: string) => `estate-check:${requestId}`,
  operation: (kind: OperationKind, tenantId: string, requestId: string) => `${kind}:${tenantId}:${requestId}`,
  /** Children are named after their parent, so a replayed parent finds the same child. */
  child: (parentId: string, part: string) => `${parentId}/${part}`,
};

/** Search attributes set on every operation workflow, for listing in the Temporal UI. */
export const searchAttributes = {
  tenantId: defineSearchAttributeKey('TenantId', SearchAttributeType.KEYWORD),
  operationKind: defineSearchAttributeKey('OperationKind', SearchAttributeType.KEYWORD),
  siteId: defineSearchAttributeKey('SiteId', SearchAttributeType.KEYWORD),
  recoveryPlanId: defineSearchAttributeKey('RecoveryPlanId', SearchAttributeType.KEYWORD),
};

// ---- operations: what every long-running operation shows and accepts --------------------------------

export type StepStatus = 'running' | 'waiting' | 'completed' | 'failed' | 'skipped' | 'compensated';

export interface OperationStep {
  name: string;
  status: StepStatus;
  startedAt: string;
  finishedAt?: string;
  durationMs?: number;
  error?: string;
  detail?: Record<string, unknown>;
}

/** Who asked for the operation; carried in every operation's input. */
export interface OperationRequest {
  requestedBy: string;
  requestId: string;
}

/** The live view of an operation, answered by the `progress` query and projected to the inventory. */
export interface OperationView {
  id: string;
  kind: OperationKind;
  tenantId: string | null;
  status: OperationStatus;
  phase: string;
  /** What the operation waits for while `status` is `waiting` (e.g. `approval of the network container`). */
  waitingFor: string | null;
  startedAt: string;
  closedAt: string | null;
  steps: OperationStep[];
  progress: Record<string, unknown>;
  error: string | null;
  result: unknown;
}

export interface OperatorAction {
  /** The principal who acted (token name or id), recorded in the operation's steps. */
  by: string;
  comment?: string;
}

export interface ApprovalAction extends OperatorAction {
  /** Which gate is approved, when the operation has several; defaults to the one it waits at. */
  gate?: string;
}

export interface VmAction extends OperatorAction {
  vm: string;
}

export interface OperatorAnswer {
  accepted: true;
  detail: string;
}

export const progressQuery = defineQuery<OperationView>('progress');
export const approveUpdate = defineUpdate<OperatorAnswer, [ApprovalAction]>('approve');
export const abortUpdate = defineUpdate<OperatorAnswer, [OperatorAction]>('abort');
export const pauseUpdate = defineUpdate<OperatorAnswer, [OperatorAction]>('pause');
export const resumeUpdate = defineUpdate<OperatorAnswer, [OperatorAction]>('resume');
export const skipVmUpdate = defineUpdate<OperatorAnswer, [VmAction]>('skipVm');
export const retryVmUpdate = defineUpdate<OperatorAnswer, [VmAction]>('retryVm');

// ---- estate check --------------------------------------------------------------------------------------

export interface EstateEndpoint {
  system: string;
  url: string;
}

export interface EstateProbe {
  system: string;
  url: string;
  up: boolean;
  status?: number;
  error?: string;
  latencyMs: number;
}

export interface EstateCheckResult {
  checkedAt: string;
  inventory: { up: boolean; error?: string };
  systems: EstateProbe[];
  allUp: boolean;
}
