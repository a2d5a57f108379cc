import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { ManagementServiceEntity } from '../../infra/persistence/entities';
import { ManagementServiceRepository, TenantRepository, UnitOfWork, type Repositories } from '../../infra/persistence/repositories';
import { assertTenantVisible, auditEvent, isTenantScoped, type Principal } from '../auth/principal';
import { ConflictError, ForbiddenError, NotFoundError } from '../common/errors';
import { requireTenant } from '../tenants/tenant-access';
import {
  mapManagementService, type CreateManagementServiceDto, type ManagementServiceResponseDto, type UpdateManagementServiceDto,
} from './management-services.dto';

const SHARED = 'shared';

@Injectable()
export class ManagementServicesService {
  constructor(private readonly tenants: TenantRepository, private readonly services: ManagementServiceRepository, private readonly uow: UnitOfWork) {}

  /** The tenant's own services and the provider's shared ones, in restore order. */
  async listForTenant(p: Principal, tenantId: string): Promise<ManagementServiceResponseDto[]> {
    await requireTenant(this.tenants, p, tenantId);
    return (await this.services.list({ tenantId, includeShared: true })).map(mapManagementService);
  }

  async listShared(): Promise<ManagementServiceResponseDto[]> {
    return (await this.services.list({ sharedOnly: true })).map(mapManagementService);
  }

  async get(p: Principal, id: string): Promise<ManagementServiceResponseDto> {
    return mapManagementService(await this.visible(this.services, p, id));
  }

  /** `tenantId` null creates a provider-shared service. */
  create(p: Principal, tenantId: string | null, dto: CreateManagementServiceDto): Promise<ManagementServiceResponseDto> {
    return this.uow.run(async (tx) => {
      if (tenantId) await requireTenant(tx.tenants, p, tenantId);
      await this.checkName(tx, tenantId, dto.name);
      const now = new Date();
      const service: ManagementServiceEntity = {
        id: randomUUID(), tenantId, ownerKey: tenantId ?? SHARED, scope: tenantId ? 'tenant' : 'shared', kind: dto.kind, name: dto.name,
        primaryEndpoint: dto.primaryEndpoint, drEndpoint: dto.drEndpoint ?? null, restorePriority: dto.restorePriority, metadata: dto.metadata ?? null,
        createdAt: now, updatedAt: now,
      };
      await tx.managementServices.insert(service);
      await tx.audit.append(auditEvent(p, 'management-service.create', { type: 'management-service', id: service.id, tenantId }, {
        name: service.name, kind: service.kind, scope: service.scope,
      }));
      return mapManagementService(service);
    });
  }

  update(p: Principal, id: string, dto: UpdateManagementServiceDto): Promise<ManagementServiceResponseDto> {
    return this.uow.run(async (tx) => {
      const service = await this.writable(tx, p, id);
      if (dto.name !== undefined && dto.name !== service.name) await this.checkName(tx, service.tenantId, dto.name);
      const patch: Partial<ManagementServiceEntity> = { ...dto, updatedAt: new Date() };
      await tx.managementServices.update(id, patch);
      await tx.audit.append(auditEvent(p, 'management-service.update', { type: 'management-service', id, tenantId: service.tenantId }, { changes: { ...dto } }));
      return mapManagementService({ ...service, ...patch });
    });
  }

  delete(p: Principal, id: string): Promise<void> {
    return this.uow.run(async (tx) => {
      const service = await this.writable(tx, p, id);
      await tx.managementServices.delete(id);
      await tx.audit.append(auditEvent(p, 'management-service.delete', { type: 'management-service', id, tenantId: service.tenantId }, { name: service.name }));
    });
  }

  private async visible(services: ManagementServiceRepository, p: Principal, id: string): Promise<ManagementServiceEntity> {
    const service = await services.findById(id);
    if (!service) throw new NotFoundError('management service', id);
    if (service.tenantId) assertTenantVisible(p, service.tenantId, 'management service', id);
    return service;
  }

  /** Tenant admins read the provider's shared services but only change their own tenant's. */
  private async writable(tx: Repositories, p: Principal, id: string): Promise<ManagementServiceEntity> {
    const service = await this.visible(tx.managementServices, p, id);
    if (!service.tenantId && isTenantScoped(p)) throw new ForbiddenError('Shared management services are changed by provider staff only');
    return service;
  }

  private async checkName(tx: Repositories, tenantId: string | null, name: string) {
    const existing = await tx.managementServices.list(tenantId ? { tenantId, includeShared: false } : { sharedOnly: true });
    if (existing.some((s) => s.name === name)) {
      throw new ConflictError(`management service name ${name} already exists ${tenantId ? 'in the tenant' : 'among the shared services'}`, [name]);
    }
  }
}
