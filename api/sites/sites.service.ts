import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DEFAULT_SITE_POLICY } from '../../domain/site-policy';
import { siteLedger } from '../../domain/dr-capacity';
import type { SiteEntity } from '../../infra/persistence/entities';
import { DrCapacityRepository, SiteRepository, UnitOfWork } from '../../infra/persistence/repositories';
import { auditEvent, type Principal } from '../auth/principal';
import { ConflictError, NotFoundError, UnprocessableError } from '../common/errors';
import { mapSite, type CreateSiteDto, type SiteApprovalPolicyDto, type SiteApprovalPolicyResponseDto, type SiteResponseDto, type UpdateSiteDto } from './sites.dto';

@Injectable()
export class SitesService {
  constructor(private readonly sites: SiteRepository, private readonly capacity: DrCapacityRepository, private readonly uow: UnitOfWork) {}

  async list(): Promise<SiteResponseDto[]> {
    return Promise.all((await this.sites.list()).map((s) => this.view(s, this.capacity)));
  }

  async get(id: string): Promise<SiteResponseDto> {
    const site = await this.sites.findById(id);
    if (!site) throw new NotFoundError('site', id);
    return this.view(site, this.capacity);
  }

  /** A DR site with who takes its configured capacity: the tenants running there and the failovers' reservations. */
  private async view(site: SiteEntity, capacity: DrCapacityRepository): Promise<SiteResponseDto> {
    if (site.kind !== 'dr') return mapSite(site);
    return mapSite(site, siteLedger({ vcpu: site.capacityVcpu, memoryMb: site.capacityMemoryMb }, await capacity.occupancy(site.id)));
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
      return this.view(site, tx.capacity);
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
      return this.view({ ...site, ...patch }, tx.capacity);
    });
  }

  delete(p: Principal, id: string): Promise<void> {
    return this.uow.run(async (tx) => {
      const site = await tx.sites.findById(id);
      if (!site) throw new NotFoundError('site', id);
      const users = await tx.sites.tenantsUsing(id);
      if (users.length) throw new ConflictError(`site ${site.name} is used by tenants ${users.join(', ')}`, users);
      await tx.sites.deletePolicy(id);
      await tx.sites.delete(id);
      await tx.audit.append(auditEvent(p, 'site.delete', { type: 'site', id }, { name: site.name }));
    });
  }

  /** The DR site's container-approval policy: its own, or the default it falls back to. */
  async getApprovalPolicy(id: string): Promise<SiteApprovalPolicyResponseDto> {
    const site = await this.sites.findById(id);
    if (!site) throw new NotFoundError('site', id);
    const own = await this.sites.findPolicy(id);
    if (!own) return { siteId: id, source: 'default', ...DEFAULT_SITE_POLICY, updatedAt: null };
    return {
      siteId: id, source: 'site', autoApproveContainers: own.autoApproveContainers,
      approvalReminderSeconds: own.approvalReminderSeconds, approvalEscalationSeconds: own.approvalEscalationSeconds, updatedAt: own.updatedAt.toISOString(),
    };
  }

  /** Sets a DR site's policy; onboardings that start afterwards follow it. */
  setApprovalPolicy(p: Principal, id: string, dto: SiteApprovalPolicyDto): Promise<SiteApprovalPolicyResponseDto> {
    return this.uow.run(async (tx) => {
      const site = await tx.sites.findById(id);
      if (!site) throw new NotFoundError('site', id);
      const problems: string[] = [];
      if (site.kind !== 'dr') problems.push(`site ${site.name} is a ${site.kind} site; container approval is a DR-site policy`);
      if (dto.approvalEscalationSeconds < dto.approvalReminderSeconds) {
        problems.push(`approvalEscalationSeconds (${dto.approvalEscalationSeconds}) must not be less than approvalReminderSeconds (${dto.approvalReminderSeconds})`);
      }
      if (problems.length > 0) throw new UnprocessableError(problems);
      const updatedAt = new Date();
      await tx.sites.savePolicy({ siteId: id, ...dto, updatedAt });
      await tx.audit.append(auditEvent(p, 'site.approval-policy.set', { type: 'site', id }, { ...dto }));
      return { siteId: id, source: 'site', ...dto, updatedAt: updatedAt.toISOString() };
    });
  }
}
