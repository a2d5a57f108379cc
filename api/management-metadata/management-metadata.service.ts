import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { METADATA_CAPTURE_WORKFLOW, metadataCaptureMessages, metadataCaptureWorkflowId } from '../../domain/fixup-plan';
import { AuditEventRepository, TenantRepository } from '../../infra/persistence/repositories';
import { TypeOrmManagementMetadataRepository } from '../../infra/persistence/repositories/management-metadata.repository';
import { searchAttributes } from '../../workflows/contracts';
import { auditEvent, type Principal } from '../auth/principal';
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
    private readonly audit: AuditEventRepository,
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
    await this.audit.append(auditEvent(p, 'metadata-capture.schedule', this.resource(tenant.id), { intervalSeconds }));
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
    await this.audit.append(auditEvent(p, 'metadata-capture.capture-now', this.resource(tenant.id)));
    return this.captureStatus(tenant.id);
  }

  /**
   * Stops the tenant's capture schedule: its workflow is terminated (a capture only reads the estate and
   * stores a whole version, so nothing is left half-done). The versions captured stay. Stopping a schedule
   * that does not run is a no-op, audited all the same.
   */
  async stop(p: Principal, tenantId: string): Promise<CaptureStatusDto> {
    const tenant = await requireTenant(this.tenants, p, tenantId);
    const handle = (await this.temporal.client()).workflow.getHandle(metadataCaptureWorkflowId(tenant.id));
    const wasRunning = await this.isRunning(tenant.id);
    if (wasRunning) {
      try {
        await handle.terminate(`capture schedule stopped by ${p.name}`);
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    }
    await this.audit.append(auditEvent(p, 'metadata-capture.stop', this.resource(tenant.id), { wasRunning }));
    return this.captureStatus(tenant.id);
  }

  private resource(tenantId: string) {
    return { type: 'tenant', id: tenantId, tenantId };
  }

  /** Whether the capture workflow runs now: asked of Temporal, since an ended workflow still answers queries. */
  private async isRunning(tenantId: string): Promise<boolean> {
    const handle = (await this.temporal.client()).workflow.getHandle(metadataCaptureWorkflowId(tenantId));
    try {
      return (await handle.describe()).status.name === 'RUNNING';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  /** Running, and when its worker answers, what it last did and when it captures next. */
  private async captureStatus(tenantId: string): Promise<CaptureStatusDto> {
    const unknown = { intervalSeconds: null, lastCapturedAt: null, nextCaptureAt: null, lastSkipReason: null };
    if (!(await this.isRunning(tenantId))) return { running: false, ...unknown };
    try {
      const connection = await this.temporal.connection();
      const handle = (await this.temporal.client()).workflow.getHandle(metadataCaptureWorkflowId(tenantId));
      const status = await connection.withDeadline(Date.now() + 5_000, () => handle.query<LiveStatus>(metadataCaptureMessages.status));
      return { running: true, ...pick(status) };
    } catch {
      return { running: true, ...unknown };
    }
  }
}

function pick(s: LiveStatus): Omit<CaptureStatusDto, 'running'> {
  return { intervalSeconds: s.intervalSeconds, lastCapturedAt: s.lastCapturedAt, nextCaptureAt: s.nextCaptureAt, lastSkipReason: s.lastSkipReason };
}
