import { Controller, Get, Headers, Param, Res } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../auth/principal';
import { Allow, CurrentPrincipal, STAFF } from '../auth/roles';
import type { HttpResponse as Response } from '../common/http';
import { OperationIdParamDto } from '../operations/operations.dto';
import { renderDrillReport } from './drill-report-page';
import { DrillsService } from './drills.service';

@ApiTags('drills')
@Controller('v1/drills')
export class DrillsController {
  constructor(private readonly service: DrillsService) {}

  /** JSON by default; a readable page for `Accept: text/html` (a browser, an auditor's archive). */
  @Get(':id/report')
  @Allow(...STAFF)
  @ApiProduces('application/json', 'text/html')
  @ApiOkResponse({ description: 'The drill report: timeline, per-VM results and probes, RTO and RPO against the targets, approvals, clean-up proof, plan version' })
  async report(@CurrentPrincipal() p: Principal, @Param() { id }: OperationIdParamDto, @Headers('accept') accept: string | undefined, @Res({ passthrough: true }) res: Response) {
    const report = await this.service.report(p, id);
    if (!accept || !/text\/html/.test(accept) || /application\/json/.test(accept)) return report;
    res.setHeader('content-type', 'text/html; charset=utf-8');
    return renderDrillReport(report);
  }
}
