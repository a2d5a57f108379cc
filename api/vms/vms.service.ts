import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { ProtectedVmEntity } from '../../infra/persistence/entities';
import { ProtectedVmRepository, TenantRepository, UnitOfWork } from '../../infra/persistence/repositories';
import { auditEvent, type Principal } from '../auth/principal';
import { ConflictError, NotFoundError, UnprocessableError } from '../common/errors';
import { requireTenant } from '../tenants/tenant-access';
import { mapVm, type CreateVmDto, type ImportVmsResponseDto, type VmPageDto, type VmResponseDto } from './vms.dto';

/** Names in an error message: enough to find them, never a 5,000-name wall. */
export function listNames(names: string[], max = 20): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

@Injectable()
export class VmsService {
  constructor(private readonly tenants: TenantRepository, private readonly vms: ProtectedVmRepository, private readonly uow: UnitOfWork) {}

  async list(p: Principal, tenantId: string, page: { limit?: number; offset?: number }): Promise<VmPageDto> {
    const tenant = await requireTenant(this.tenants, p, tenantId);
    const limit = page.limit ?? 100;
    const offset = page.offset ?? 0;
    const { items, total } = await this.vms.list(tenantId, { limit, offset });
    return { items: items.map((v) => mapVm(v, tenant)), total, limit, offset };
  }

  async get(p: Principal, tenantId: string, id: string): Promise<VmResponseDto> {
    const tenant = await requireTenant(this.tenants, p, tenantId);
    const vm = await this.vms.findById(tenantId, id);
    if (!vm) throw new NotFoundError('vm', id);
    return mapVm(vm, tenant);
  }

  /** All or nothing: one transaction, multi-row INSERTs in chunks. */
  import(p: Principal, tenantId: string, input: CreateVmDto[]): Promise<ImportVmsResponseDto> {
    const seen = new Set<string>();
    const repeated = new Set<string>();
    for (const vm of input) (seen.has(vm.name) ? repeated : seen).add(vm.name);
    if (repeated.size) {
      throw new UnprocessableError([`VM names repeated within the request: ${listNames([...repeated])}`], { items: [...repeated] });
    }
    return this.uow.run(async (tx) => {
      await requireTenant(tx.tenants, p, tenantId);
      const taken = await tx.vms.existingNames(tenantId, input.map((v) => v.name));
      if (taken.length) throw new ConflictError(`VM names already exist in the tenant: ${listNames(taken.sort())}`, taken);
      const now = new Date();
      const rows = input.map((v): ProtectedVmEntity => ({
        id: randomUUID(), tenantId, name: v.name, role: v.role, os: v.os, vcpu: v.vcpu, memoryMb: v.memoryMb,
        disks: v.disks.map((d) => ({ name: d.name, sizeGb: d.sizeGb })),
        primaryHostname: v.primary.hostname, primaryIps: v.primary.ips,
        drHostname: null, drIps: null, replicationState: 'unprotected', rpoLagSeconds: null,
        recoveryPriority: v.recoveryPriority ?? 100, masterTarget: null, critical: v.critical ?? false,
        probes: v.probes?.map((pr) => ({ kind: pr.kind, ...(pr.url !== undefined && { url: pr.url }), ...(pr.port !== undefined && { port: pr.port }) })) ?? null,
        createdAt: now, updatedAt: now,
      }));
      await tx.vms.insertMany(rows);
      await tx.audit.append(auditEvent(p, 'vm.import', { type: 'tenant', id: tenantId, tenantId }, {
        count: rows.length, names: rows.length <= 50 ? rows.map((r) => r.name) : undefined,
      }));
      return { count: rows.length, items: rows.map((r) => ({ id: r.id, name: r.name })) };
    });
  }
}
