import { Body, Controller, Get, Param, Post, Put } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import type { Principal } from '../auth/principal';
import { Allow, CurrentPrincipal, STAFF } from '../auth/roles';
import { IdParamDto } from '../common/validation';
import { PlanPreviewDto, RecoveryPlanBodyDto, RecoveryPlanResponseDto, RecoveryPlanSummaryDto } from './recovery-plans.dto';
import { RecoveryPlansService } from './recovery-plans.service';

const INVALID_PLAN = 'The plan compiler rejected the plan: `message` lists every problem, `problems` gives code and items';

@ApiTags('recovery-plans')
@Controller('v1')
export class RecoveryPlansController {
  constructor(private readonly service: RecoveryPlansService) {}

  @Post('tenants/:id/recovery-plans')
  @Allow(...STAFF)
  @ApiCreatedResponse({ type: RecoveryPlanResponseDto })
  @ApiUnprocessableEntityResponse({ description: INVALID_PLAN })
  create(@CurrentPrincipal() p: Principal, @Param() { id }: IdParamDto, @Body() body: RecoveryPlanBodyDto) {
    return this.service.create(p, id, body);
  }

  @Get('tenants/:id/recovery-plans')
  @Allow(...STAFF)
  @ApiOkResponse({ type: RecoveryPlanSummaryDto, isArray: true })
  list(@CurrentPrincipal() p: Principal, @Param() { id }: IdParamDto) {
    return this.service.list(p, id);
  }

  @Get('recovery-plans/:id')
  @Allow(...STAFF)
  @ApiOkResponse({ type: RecoveryPlanResponseDto })
  get(@CurrentPrincipal() p: Principal, @Param() { id }: IdParamDto) {
    return this.service.get(p, id);
  }

  @Put('recovery-plans/:id')
  @Allow(...STAFF)
  @ApiOkResponse({ type: RecoveryPlanResponseDto })
  @ApiUnprocessableEntityResponse({ description: INVALID_PLAN })
  replace(@CurrentPrincipal() p: Principal, @Param() { id }: IdParamDto, @Body() body: RecoveryPlanBodyDto) {
    return this.service.replace(p, id, body);
  }

  @Get('recovery-plans/:id/preview')
  @Allow(...STAFF)
  @ApiOkResponse({ type: PlanPreviewDto })
  preview(@CurrentPrincipal() p: Principal, @Param() { id }: IdParamDto) {
    return this.service.preview(p, id);
  }
}
