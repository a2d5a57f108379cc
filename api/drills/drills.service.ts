import { Injectable } from '@nestjs/common';
import { OperationRepository } from '../../infra/persistence/repositories';
import type { DrillReport } from '../../workflows/contracts';
import { assertTenantVisible, type Principal } from '../auth/principal';
import { ConflictError, NotFoundError } from '../common/errors';

@Injectable()
export class DrillsService {
  constructor(private readonly operations: OperationRepository) {}

  /**
   * A drill's report, kept with its operation (the workflow's result): there once the drill has ended, cleaned
   * up or not. A tenant admin reads its own tenant's drills only.
   */
  async report(p: Principal, operationId: string): Promise<DrillReport> {
    const row = await this.operations.findById(operationId);
    if (!row || row.kind !== 'drill' || !row.tenantId) throw new NotFoundError('drill', operationId);
    assertTenantVisible(p, row.tenantId, 'drill', operationId);
    const report = row.result as DrillReport | null;
    if (!report || typeof report !== 'object' || !('drillId' in report)) {
      throw new ConflictError(`drill ${operationId} is ${row.status}; its report is written when it ends (GET /v1/operations/${operationId} shows its progress)`);
    }
    return report;
  }
}
