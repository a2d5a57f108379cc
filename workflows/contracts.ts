/**
 * What the API, the worker and the workflows agree on: task queue, workflow names, id builders and
 * plain-JSON inputs/outputs. Imported by workflow code, so it stays free of Node and framework imports.
 */
export const TASK_QUEUE = 'lifeline';

export type OperationKind = 'onboarding' | 'provisioning' | 'failover' | 'fixup' | 'failback' | 'resume' | 'drill' | 'declaration' | 'estate-check';

/** Workflow ids come from business keys, so a duplicate request finds the running operation. */
export const workflowIds = {
  estateCheck: (requestId: string) => `estate-check:${requestId}`,
  operation: (kind: OperationKind, tenantId: string, requestId: string) => `${kind}:${tenantId}:${requestId}`,
};

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
