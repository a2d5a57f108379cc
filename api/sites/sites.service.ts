import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { SiteEntity } from '../../infra/persistence/entities';
import { SiteRepository, UnitOfWork } from '../../infra/persistence/repositories';
import { auditEvent, type Principal } from '../auth/principal';
import { ConflictError, NotFoundError } from '../common/errors';
import { mapSite, type CreateSiteDto, type SiteResponseDto, type UpdateSiteDto } from './sites.dto';

@Injectable()
export class SitesService {
  constructor(private readonly sites: SiteRepository, private readonly uow: UnitOfWork) {}

  async list(): Promise<SiteResponseDto[]> {
    return (await this.sites.list()).map(mapSite);
  }

  async get(id: string): Promise<SiteResponseDto> {
    const site = await this.sites.findById(id);
    if (!site) throw new NotFoundError('site', id);
    return mapSite(site);
  }

  create(p: Principal, dto: CreateSiteDto): Promise<SiteResponseDto> {
    const now = new Date();
    const site: SiteEntity = {
      id: randomUUID(), name: dto.name, kind: dto.kind, location: dto.location ?? null,
      capacityVcpu: dto.capacity?.vcpu ?? 0, capacityMemoryMb: dto.capacity?.memoryMb ?? 0, capacityStorageGb: dto.capacity?.storageGb ?? 0,
      capacityMasterTargetSlots: dto.capacity?.masterTargetSlots ?? 0, createdAt: now, updatedAt: now,
    };
    return this.uow.run(async (tx) => {
      if ((await tx.sites.list()).some((s) => s.name === site.name)) throw new ConflictError(`site name ${site.name} already exists`, [site.name]);
      await tx.sites.insert(site);
      await tx.audit.append(auditEvent(p, 'site.create', { type: 'site', id: site.id }, { name: site.name, kind: site.kind }));
      return mapSite(site);
    });
  }

  update(p: Principal, id: string, dto: UpdateSiteDto): Promise<SiteResponseDto> {
    return this.uow.run(async (tx) => {
      const site = await tx.sites.findById(id);
      if (!site) throw new NotFoundError('site', id);
      if (dto.name !== undefined && dto.name !== site.name && (await tx.sites.list()).some((s) => s.name === dto.name)) {
        throw new ConflictError(`site name ${dto.name} already exists`, [dto.name]);
      }
      if (dto.kind !== undefined && dto.kind !== site.kind) {
        const users = await tx.sites.tenantsUsing(id);
        if (users.length) throw new ConflictError(`site ${site.name} is used by tenants ${users.join(', ')}; its kind cannot change`, users);
      }
      const patch: Partial<SiteEntity> = {
        ...(dto.name !== undefined && { name: dto.name }),
        ...(dto.kind !== undefined && { kind: dto.kind }),
        ...(dto.location !== undefined && { location: dto.location }),
        ...(dto.capacity?.vcpu !== undefined && { capacityVcpu: dto.capacity.vcpu }),
        ...(dto.capacity?.memoryMb !== undefined && { capacityMemoryMb: dto.capacity.memoryMb }),
        ...(dto.capacity?.storageGb !== undefined && { capacityStorageGb: dto.capacity.storageGb }),
        ...(dto.capacity?.masterTargetSlots !== undefined && { capacityMasterTargetSlots: dto.capacity.masterTargetSlots }),
        updatedAt: new Date(),
      };
      await tx.sites.update(id, patch);
      await tx.audit.append(auditEvent(p, 'site.update', { type: 'site', id }, { changes: dto as Record<string, unknown> }));
      return mapSite({ ...site, ...patch });
    });
  }

  delete(p: Principal, id: string): Promise<void> {
    return this.uow.run(async (tx) => {
      const site = await tx.sites.findById(id);
      if (!site) throw new NotFoundError('site', id);
      const users = await tx.sites.tenantsUsing(id);
      if (users.length) throw new ConflictError(`site ${site.name} is used by tenants ${users.join(', ')}`, users);
      await tx.sites.delete(id);
      await tx.audit.append(auditEvent(p, 'site.delete', { type: 'site', id }, { name: site.name }));
    });
  }
}
