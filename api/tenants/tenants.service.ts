import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { TenantEntity } from '../../infra/persistence/entities';
import type { SiteKind } from '../../infra/persistence/enums';
import { TenantRepository, UnitOfWork, type Repositories } from '../../infra/persistence/repositories';
import { auditEvent, isTenantScoped, type Principal } from '../auth/principal';
import { ConflictError, ForbiddenError, UnprocessableError } from '../common/errors';
import { requireTenant } from './tenant-access';
import { mapTenant, type CreateTenantDto, type TenantResponseDto, type UpdateTenantDto } from './tenants.dto';

@Injectable()
export class TenantsService {
  constructor(private readonly tenants: TenantRepository, private readonly uow: UnitOfWork) {}

  async list(p: Principal): Promise<TenantResponseDto[]> {
    return (await this.tenants.list(isTenantScoped(p) ? { onlyId: p.tenantId ?? '' } : {})).map(mapTenant);
  }

  async get(p: Principal, id: string): Promise<TenantResponseDto> {
    return mapTenant(await requireTenant(this.tenants, p, id));
  }

  create(p: Principal, dto: CreateTenantDto): Promise<TenantResponseDto> {
    return this.uow.run(async (tx) => {
      await this.checkSites(tx, dto.primarySiteId, dto.drSiteId);
      await this.checkName(tx, dto.name);
      const now = new Date();
      const tenant: TenantEntity = {
        id: randomUUID(), name: dto.name, tier: dto.tier, rpoMinutes: dto.rpoMinutes, rtoMinutes: dto.rtoMinutes,
        primarySiteId: dto.primarySiteId, drSiteId: dto.drSiteId, state: 'registered', activeOperationId: null, createdAt: now, updatedAt: now,
      };
      await tx.tenants.insert(tenant);
      await tx.audit.append(auditEvent(p, 'tenant.create', { type: 'tenant', id: tenant.id, tenantId: tenant.id }, { name: tenant.name, tier: tenant.tier }));
      return mapTenant(tenant);
    });
  }

  update(p: Principal, id: string, dto: UpdateTenantDto): Promise<TenantResponseDto> {
    return this.uow.run(async (tx) => {
      const tenant = await requireTenant(tx.tenants, p, id);
      // A tenant admin sees its tenant but the contract (tier, RPO/RTO, sites) is the provider's to change.
      if (isTenantScoped(p)) throw new ForbiddenError('Only provider admins may change a tenant');
      if (dto.name !== undefined && dto.name !== tenant.name) await this.checkName(tx, dto.name);
      const sitesChange = (dto.primarySiteId ?? tenant.primarySiteId) !== tenant.primarySiteId || (dto.drSiteId ?? tenant.drSiteId) !== tenant.drSiteId;
      if (sitesChange) {
        if (tenant.state !== 'registered') {
          throw new ConflictError(`tenant ${tenant.name} is ${tenant.state}; its sites can change only while it is registered`);
        }
        await this.checkSites(tx, dto.primarySiteId ?? tenant.primarySiteId, dto.drSiteId ?? tenant.drSiteId);
      }
      const patch: Partial<TenantEntity> = { ...dto, updatedAt: new Date() };
      await tx.tenants.update(id, patch);
      await tx.audit.append(auditEvent(p, 'tenant.update', { type: 'tenant', id, tenantId: id }, { changes: { ...dto } }));
      return mapTenant({ ...tenant, ...patch });
    });
  }

  private async checkName(tx: Repositories, name: string) {
    if ((await tx.tenants.list()).some((t) => t.name === name)) throw new ConflictError(`tenant name ${name} already exists`, [name]);
  }

  private async checkSites(tx: Repositories, primarySiteId: string, drSiteId: string) {
    const problems: string[] = [];
    const check = async (field: string, id: string, kind: SiteKind) => {
      const site = await tx.sites.findById(id);
      if (!site) problems.push(`${field} ${id} does not exist`);
      else if (site.kind !== kind) problems.push(`${field} ${id} (${site.name}) is a ${site.kind} site, not a ${kind} site`);
    };
    await check('primarySiteId', primarySiteId, 'primary');
    await check('drSiteId', drSiteId, 'dr');
    if (problems.length) throw new UnprocessableError(problems);
  }
}
