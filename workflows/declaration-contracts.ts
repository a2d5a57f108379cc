import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { DeclarationPolicy, PolicySource } from '../domain/declaration-policy';
import type { OperatorAnswer } from './contracts';

/** What a declaration is about: a whole primary site, or named tenants (ids, sorted). */
export type DeclarationScope = { kind: 'site'; siteId: string } | { kind: 'tenants'; tenantIds: string[] };

/** One incident per scope at a time: every alert for the scope while it is open merges into this workflow. */
export function declarationWorkflowId(scope: DeclarationScope): string {
  return scope.kind === 'site' ? `declaration:site:${scope.siteId}` : `declaration:tenants:${[...scope.tenantIds].sort().join('+')}`;
}

/** A declaration's id names its incident: the scope's workflow id and the run that holds the incident. */
export function declarationId(workflowId: string, runId: string): string {
  return `${workflowId}:${runId}`;
}

export function parseDeclarationId(id: string): { workflowId: string; runId: string } | null {
  const m = /^(declaration:(?:site|tenants):[^:]+):([0-9a-f-]{36})$/.exec(id);
  return m ? { workflowId: m[1], runId: m[2] } : null;
}

/** An alert from a trigger (token, signed webhook, Alertmanager) or an operator. */
export interface DeclarationAlert {
  source: string;
  /** `resolved`: the source's all-clear. */
  status: 'firing' | 'resolved';
  severity: string;
  reason: string;
  evidence: string[];
  /** Who sent it (token name, `webhook:<source>`) and how. */
  by: string;
  via: 'token' | 'webhook' | 'alertmanager' | 'operator';
  receivedAt: string;
}

export interface DeclarationApproval {
  by: string;
  role: string;
  /** Approves the hold of this tenant (a site declaration's tenant with a `confirm` policy of its own); the incident when absent. */
  tenantId?: string;
  comment?: string;
}

export interface DeclarationAllClear {
  by: string;
  comment?: string;
}

/** A tenant the declaration concerns, and what became of it. */
export interface DeclarationTenant {
  tenantId: string;
  name: string;
  policy: DeclarationPolicy;
  policySource: PolicySource;
  status: 'pending' | 'awaiting-approval' | 'failing-over' | 'started-by-site-failover' | 'not-started' | 'recorded-only' | 'cancelled';
  operationId?: string;
  reason?: string;
  approvedBy?: string;
}

export interface DeclarationDecision {
  outcome: 'declared' | 'all-clear';
  by: string;
  reason: string;
  at: string;
}

/** The live view of a declaration (`declaration` query). */
export interface DeclarationView {
  id: string;
  workflowId: string;
  scope: DeclarationScope;
  /** The site's or tenants' names. */
  label: string;
  status: 'open' | 'awaiting-approval' | 'declared' | 'closed';
  policy: DeclarationPolicy | null;
  policySource: PolicySource | null;
  openedAt: string;
  closedAt: string | null;
  /** Alerts received: the first ones in full (bounded), and a count per source. */
  alerts: DeclarationAlert[];
  alertCount: number;
  sources: Record<string, { alerts: number; firing: boolean; lastAt: string }>;
  corroboratingSources: string[];
  decision: DeclarationDecision | null;
  waitingFor: string | null;
  reminderAt: string | null;
  escalatedAt: string | null;
  siteFailoverId: string | null;
  tenants: DeclarationTenant[];
}

export interface DeclarationInput {
  scope: DeclarationScope;
  /** Seconds an incident stays open after its declaration with no alert and no all-clear; default a day. */
  quietCloseSeconds?: number;
}

/** Alerts arriving together for the scope (the API batches a storm into few signals). */
export const declarationAlertsSignal = defineSignal<[DeclarationAlert[]]>('declarationAlerts');
export const declarationApproveUpdate = defineUpdate<OperatorAnswer, [DeclarationApproval]>('declarationApprove');
export const declarationAllClearUpdate = defineUpdate<OperatorAnswer, [DeclarationAllClear]>('declarationAllClear');
export const declarationQuery = defineQuery<DeclarationView>('declaration');
