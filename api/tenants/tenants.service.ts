import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import type { TenantEntity } from '../../infra/persistence/entities';
import type { SiteKind } from '../../infra/persistence/enums';
import { TenantRepository, UnitOfWork, type Repositories } from '../../infra/persistence/repositories';
import { auditEvent, isTenantScoped, type Principal } from '../auth/principal';
import { ConflictError, ForbiddenError, innermost, UnprocessableError } from '../common/errors';
import type { ReconcileInput, ReconcileResult } from '../../workflows/contracts';
import { TemporalClientService } from '../temporal/temporal.module';
import { requireTenant } from './tenant-access';
import { mapTenant, type CreateTenantDto, type TenantResponseDto, type UpdateTenantDto } from './tenants.dto';

@Injectable()
export class TenantsService {
  constructor(private readonly tenants: TenantRepository, private readonly uow: UnitOfWork, private readonly temporal: TemporalClientService) {}

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

  /**
   * Sets the tenant's state and primary site to what the estate shows (InMage's plans and recovered servers,
   * the VMs running at the DR site), and releases the claim of an operation that no longer runs. Refused
   * while an operation holding the tenant still runs: that operation owns the tenant. Audited.
   */
  async reconcile(p: Principal, id: string): Promise<ReconcileResult> {
    const tenant = await requireTenant(this.tenants, p, id);
    const holder = tenant.activeOperationId ?? null;
    if (holder && (await this.running(holder))) {
      throw new ConflictError(`tenant ${tenant.name} is held by operation ${holder}, which is running; reconcile repairs a tenant no operation works on`, [], { operationId: holder });
    }
    const client = await this.temporal.client();
    const input: ReconcileInput = { tenantId: tenant.id, staleHolder: holder };
    let result: ReconcileResult;
    try {
      result = await client.workflow.execute<(i: ReconcileInput) => Promise<ReconcileResult>>('reconcileTenant', {
        workflowId: `reconcile:${tenant.id}:${randomUUID()}`, taskQueue: this.temporal.taskQueue, args: [input], workflowExecutionTimeout: '5 minutes',
      });
    } catch (err) {
      // An operation took the tenant while the estate was read: it owns the tenant now.
      if (err instanceof WorkflowFailedError && innermost(err).includes('is held by operation')) throw new ConflictError(innermost(err));
      throw err;
    }
    await this.uow.run((tx) =>
      tx.audit.append(auditEvent(p, 'tenant.reconcile', { type: 'tenant', id: tenant.id, tenantId: tenant.id }, { before: result.before, after: result.after, problems: result.problems })),
    );
    return result;
  }

  private async running(operationId: string): Promise<boolean> {
    try {
      const d = await (await this.temporal.client()).workflow.getHandle(operationId).describe();
      return d.status.name === 'RUNNING';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }
}
