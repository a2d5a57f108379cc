import { ApplicationFailure } from '@temporalio/common';
import { DEFAULT_DECLARATION_POLICY, mostCautious, type DeclarationPolicy, type PolicySource } from '../domain/declaration-policy';
import type { TenantState } from '../domain/lifecycle';
import type { DeclarationPolicyEntity } from '../infra/persistence/entities';
import { createTypeOrmRepositories } from '../infra/persistence/repositories';
import type { DeclarationScope } from '../workflows/declaration-contracts';
import type { ActivityDeps } from './deps';

export interface DeclarationScopeFacts {
  label: string;
  /** The policy that decides the incident: the site's for a site, the most cautious of the tenants' for tenants. */
  policy: DeclarationPolicy;
  policySource: PolicySource;
  tenants: { id: string; name: string; state: TenantState; activeOperationId: string | null; policy: DeclarationPolicy; policySource: PolicySource }[];
}

function asPolicy(row: DeclarationPolicyEntity): DeclarationPolicy {
  return {
    mode: row.mode, sources: row.sources, windowSeconds: row.windowSeconds, graceSeconds: row.graceSeconds, approver: row.approver,
    reminderSeconds: row.reminderSeconds, escalationSeconds: row.escalationSeconds,
  };
}

/** Inventory reads, tickets and audit records of disaster declarations. */
export function createDeclarationActivities(deps: ActivityDeps) {
  const repos = () => createTypeOrmRepositories(deps.dataSource.manager);
  const { ticketing } = deps.clients;

  return {
    /** The scope's name, the policy deciding it, and each tenant concerned with the policy in force for it. */
    async loadDeclarationScope(input: { scope: DeclarationScope }): Promise<DeclarationScopeFacts> {
      const r = repos();
      const { scope } = input;
      const all = await r.tenants.list();
      const tenants = scope.kind === 'site' ? all.filter((t) => t.primarySiteId === scope.siteId) : all.filter((t) => scope.tenantIds.includes(t.id));
      const sitePolicies = new Map<string, DeclarationPolicy | null>();
      const sitePolicy = async (siteId: string) => {
        if (!sitePolicies.has(siteId)) {
          const row = await r.declarationPolicies.find('site', siteId);
          sitePolicies.set(siteId, row ? asPolicy(row) : null);
        }
        return sitePolicies.get(siteId) ?? null;
      };
      const facts = await Promise.all(tenants.map(async (t) => {
        const own = await r.declarationPolicies.find('tenant', t.id);
        const site = own ? null : await sitePolicy(t.primarySiteId);
        const [policy, policySource]: [DeclarationPolicy, PolicySource] = own ? [asPolicy(own), 'tenant'] : site ? [site, 'site'] : [DEFAULT_DECLARATION_POLICY, 'default'];
        return { id: t.id, name: t.name, state: t.state, activeOperationId: t.activeOperationId ?? null, policy, policySource };
      }));
      facts.sort((a, b) => (a.name < b.name ? -1 : 1));
      if (scope.kind === 'site') {
        const site = await r.sites.findById(scope.siteId);
        if (!site) throw ApplicationFailure.nonRetryable(`site ${scope.siteId} does not exist`, 'SiteNotFound');
        const own = await sitePolicy(site.id);
        return { label: `site ${site.name}`, policy: own ?? DEFAULT_DECLARATION_POLICY, policySource: own ? 'site' : 'default', tenants: facts };
      }
      const missing = scope.tenantIds.filter((id) => !facts.some((f) => f.id === id));
      if (missing.length > 0) throw ApplicationFailure.nonRetryable(`tenants ${missing.join(', ')} do not exist`, 'TenantNotFound');
      const deciding = mostCautious(facts.map((f) => f.policy));
      const source = facts.find((f) => f.policy === deciding)?.policySource ?? 'default';
      return { label: `tenant ${facts.map((f) => f.name).join(', ')}`, policy: deciding, policySource: source, tenants: facts };
    },

    /**
     * The incident's one ticket (correlated by the declaration id): opened at the first call, then updated
     * (summary, severity, status) as the incident moves on. Read first, so a repeat changes nothing twice.
     */
    async declarationTicket(input: { declarationId: string; about: string; summary: string; severity: number; close?: boolean; idempotencyKey: string }): Promise<{ ticket: string }> {
      const [open] = await ticketing.listTickets({ tenant: input.about, correlationId: input.declarationId });
      const status = input.close ? 'closed' : 'open';
      if (!open) {
        const created = await ticketing.createTicket({ tenant: input.about, summary: input.summary, severity: input.severity, correlationId: input.declarationId, status }, input.idempotencyKey);
        return { ticket: String(created.record.id) };
      }
      if (open.summary !== input.summary || open.severity !== input.severity || open.status !== status) {
        await ticketing.updateTicket(open.id, { summary: input.summary, severity: input.severity, status, ...(input.close ? { resolution: input.summary } : {}) }, input.idempotencyKey);
      }
      return { ticket: open.id };
    },

    /** An audit record of what the declaration decided or did on its own (declared, reminded, escalated, closed). */
    async recordDeclarationEvent(input: { declarationId: string; action: string; by: string; tenantId?: string; details: Record<string, unknown> }): Promise<void> {
      await repos().audit.append({
        actorTokenId: 'workflow', actorName: input.by, actorRole: 'system', action: input.action, resourceType: 'declaration',
        resourceId: input.declarationId, tenantId: input.tenantId ?? null, at: new Date(), details: input.details,
      });
    },
  };
}
