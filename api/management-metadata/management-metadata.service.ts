import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { METADATA_CAPTURE_WORKFLOW, metadataCaptureMessages, metadataCaptureWorkflowId } from '../../domain/fixup-plan';
import { TenantRepository } from '../../infra/persistence/repositories';
import { TypeOrmManagementMetadataRepository } from '../../infra/persistence/repositories/management-metadata.repository';
import { searchAttributes } from '../../workflows/contracts';
import type { Principal } from '../auth/principal';
import { NotFoundError, UnprocessableError } from '../common/errors';
import { TemporalClientService } from '../temporal/temporal.module';
import { requireTenant } from '../tenants/tenant-access';
import { mapVersion, type CaptureStatusDto, type ManagementMetadataResponseDto, type MetadataRecordsResponseDto } from './management-metadata.dto';

interface LiveStatus {
  intervalSeconds: number;
  lastCapturedAt: string | null;
  nextCaptureAt: string | null;
  lastSkipReason: string | null;
}

/**
 * The tenant's captured management metadata (versions, age = metadata RPO) and its capture schedule: one
 * long-running capture workflow per tenant, started or re-timed here, asked to capture now by a signal.
 */
@Injectable()
export class ManagementMetadataService {
  constructor(
    private readonly tenants: TenantRepository,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly temporal: TemporalClientService,
  ) {}

  private snapshots() {
    return new TypeOrmManagementMetadataRepository(this.dataSource.manager);
  }

  async get(p: Principal, tenantId: string): Promise<ManagementMetadataResponseDto> {
    const tenant = await requireTenant(this.tenants, p, tenantId);
    const now = new Date();
    const versions = (await this.snapshots().listVersions(tenant.id, 50)).map((v) => mapVersion(v, now));
    const latest = versions.find((v) => v.side === 'primary') ?? null;
    const dataRpoSeconds = tenant.rpoMinutes * 60;
    return {
      tenantId: tenant.id,
      capturedAt: latest?.capturedAt ?? null,
      ageSeconds: latest?.ageSeconds ?? null,
      dataRpoSeconds,
      withinDataRpo: latest ? latest.ageSeconds <= dataRpoSeconds : null,
      latest,
      versions,
      capture: await this.captureStatus(tenant.id),
    };
  }

  async version(p: Principal, tenantId: string, version: number): Promise<MetadataRecordsResponseDto> {
    const tenant = await requireTenant(this.tenants, p, tenantId);
    const row = await this.snapshots().findVersion(tenant.id, version);
    if (!row) throw new NotFoundError('management metadata version', String(version));
    return { ...mapVersion(row, new Date()), records: row.records };
  }

  /** Starts the tenant's capture workflow at this interval, or re-times the running one. */
  async schedule(p: Principal, tenantId: string, intervalSeconds: number): Promise<CaptureStatusDto> {
    const tenant = await requireTenant(this.tenants, p, tenantId);
    const client = await this.temporal.client();
    const handle = client.workflow.getHandle(metadataCaptureWorkflowId(tenant.id));
    try {
      await handle.executeUpdate(metadataCaptureMessages.setInterval, { args: [{ intervalSeconds }] });
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) throw new UnprocessableError([String(err.cause?.message ?? err.message)]);
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      await client.workflow.signalWithStart(METADATA_CAPTURE_WORKFLOW, {
        workflowId: metadataCaptureWorkflowId(tenant.id),
        taskQueue: this.temporal.taskQueue,
        args: [{ tenantId: tenant.id, intervalSeconds }],
        signal: metadataCaptureMessages.captureNow,
        signalArgs: [],
        typedSearchAttributes: [{ key: searchAttributes.tenantId, value: tenant.id }],
      });
    }
    return this.captureStatus(tenant.id);
  }

  /** Captures now: signals the running capture workflow, starting it at the default interval if needed. */
  async captureNow(p: Principal, tenantId: string): Promise<CaptureStatusDto> {
    const tenant = await requireTenant(this.tenants, p, tenantId);
    const client = await this.temporal.client();
    await client.workflow.signalWithStart(METADATA_CAPTURE_WORKFLOW, {
      workflowId: metadataCaptureWorkflowId(tenant.id),
      taskQueue: this.temporal.taskQueue,
      args: [{ tenantId: tenant.id }],
      signal: metadataCaptureMessages.captureNow,
      signalArgs: [],
      typedSearchAttributes: [{ key: searchAttributes.tenantId, value: tenant.id }],
    });
    return this.captureStatus(tenant.id);
  }

  private async captureStatus(tenantId: string): Promise<CaptureStatusDto> {
    const idle: CaptureStatusDto = { running: false, intervalSeconds: null, lastCapturedAt: null, nextCaptureAt: null, lastSkipReason: null };
    try {
      const connection = await this.temporal.connection();
      const handle = (await this.temporal.client()).workflow.getHandle(metadataCaptureWorkflowId(tenantId));
      const status = await connection.withDeadline(Date.now() + 5_000, () => handle.query<LiveStatus>(metadataCaptureMessages.status));
      return { running: true, ...pick(status) };
    } catch {
      return idle;
    }
  }
}

function pick(s: LiveStatus): Omit<CaptureStatusDto, 'running'> {
  return { intervalSeconds: s.intervalSeconds, lastCapturedAt: s.lastCapturedAt, nextCaptureAt: s.nextCaptureAt, lastSkipReason: s.lastSkipReason };
}
