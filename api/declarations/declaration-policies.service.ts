import { Injectable } from '@nestjs/common';
import { DEFAULT_DECLARATION_POLICY, type DeclarationPolicy } from '../../domain/declaration-policy';
import { DeclarationPolicyEntity } from '../../infra/persistence/entities';
import { DeclarationPolicyRepository, SiteRepository, TenantRepository, UnitOfWork } from '../../infra/persistence/repositories';
import { auditEvent, type Principal } from '../auth/principal';
import { NotFoundError, UnprocessableError } from '../common/errors';
import { requireTenant } from '../tenants/tenant-access';
import type { DeclarationPolicyDto, DeclarationPolicyResponseDto } from './declarations.dto';

function response(row: DeclarationPolicyEntity | null, fallback: { policy: DeclarationPolicy; source: 'site' | 'default' }): DeclarationPolicyResponseDto {
  if (!row) return { ...fallback.policy, source: fallback.source, updatedAt: null };
  const { mode, sources, windowSeconds, graceSeconds, approver, reminderSeconds, escalationSeconds } = row;
  return { mode, sources, windowSeconds, graceSeconds, approver, reminderSeconds, escalationSeconds, source: row.scopeType, updatedAt: row.updatedAt.toISOString() };
}

/** Declaration policies of primary sites and tenants (domain/declaration-policy.ts). */
@Injectable()
export class DeclarationPoliciesService {
  constructor(
    private readonly policies: DeclarationPolicyRepository,
    private readonly sites: SiteRepository,
    private readonly tenants: TenantRepository,
    private readonly uow: UnitOfWork,
  ) {}

  async getForSite(siteId: string): Promise<DeclarationPolicyResponseDto> {
    if (!(await this.sites.findById(siteId))) throw new NotFoundError('site', siteId);
    return response(await this.policies.find('site', siteId), { policy: DEFAULT_DECLARATION_POLICY, source: 'default' });
  }

  /** The tenant's own policy, or its primary site's that it follows, or the default. */
  async getForTenant(p: Principal, tenantId: string): Promise<DeclarationPolicyResponseDto> {
    const tenant = await requireTenant(this.tenants, p, tenantId);
    const own = await this.policies.find('tenant', tenant.id);
    if (own) return response(own, { policy: DEFAULT_DECLARATION_POLICY, source: 'default' });
    const site = await this.policies.find('site', tenant.primarySiteId);
    return site ? { ...response(site, { policy: DEFAULT_DECLARATION_POLICY, source: 'default' }), source: 'site' } : response(null, { policy: DEFAULT_DECLARATION_POLICY, source: 'default' });
  }

  async set(p: Principal, scopeType: 'site' | 'tenant', scopeId: string, dto: DeclarationPolicyDto): Promise<DeclarationPolicyResponseDto> {
    return this.uow.run(async (tx) => {
      if (scopeType === 'site') {
        const site = await tx.sites.findById(scopeId);
        if (!site) throw new NotFoundError('site', scopeId);
        if (site.kind !== 'primary') throw new UnprocessableError([`site ${site.name} is a ${site.kind} site; disasters are declared for primary sites`]);
      } else if (!(await tx.tenants.findById(scopeId))) throw new NotFoundError('tenant', scopeId);
      if (dto.escalationSeconds < dto.reminderSeconds) {
        throw new UnprocessableError([`escalationSeconds (${dto.escalationSeconds}) must not be less than reminderSeconds (${dto.reminderSeconds})`]);
      }
      const row = Object.assign(new DeclarationPolicyEntity(), { scopeType, scopeId, ...dto, graceSeconds: dto.graceSeconds ?? null, updatedAt: new Date() });
      await tx.declarationPolicies.save(row);
      await tx.audit.append(auditEvent(p, 'declaration-policy.set', { type: scopeType, id: scopeId, tenantId: scopeType === 'tenant' ? scopeId : null }, { ...dto }));
      return response(row, { policy: DEFAULT_DECLARATION_POLICY, source: 'default' });
    });
  }
}
