import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../auth/principal';
import { Allow, CurrentPrincipal, PROVIDER, STAFF } from '../auth/roles';
import type { HttpResponse as Response } from '../common/http';
import {
  OperationPageDto,
  CreateOperationDto, ListOperationsQueryDto, OperationCreatedDto, OperationIdParamDto, OperationResponseDto, OperationVmParamDto,
  OperatorActionDto, OperatorAnswerDto, SiteFailoverDto, SiteIdParamDto,
} from './operations.dto';
import { OperationsService } from './operations.service';

/** Role checks per kind and per command are in the service (they depend on the body); STAFF gets in the door. */
@ApiTags('operations')
@Controller('v1/operations')
export class OperationsController {
  constructor(private readonly service: OperationsService) {}

  @Post()
  @Allow(...STAFF)
  @ApiAcceptedResponse({ type: OperationCreatedDto, description: 'Started, or the existing operation for this requestId' })
  async start(@CurrentPrincipal() p: Principal, @Body() dto: CreateOperationDto, @Res({ passthrough: true }) res: Response) {
    const { operationId, created } = await this.service.start(p, dto);
    res.status(created ? 202 : 200);
    return { operationId };
  }

  @Post('/site-failover/:siteId')
  @Allow(...PROVIDER)
  @ApiAcceptedResponse({ type: OperationCreatedDto, description: 'Fails over every protected tenant of a failed primary site, higher tiers first' })
  async siteFailover(@CurrentPrincipal() p: Principal, @Param() { siteId }: SiteIdParamDto, @Body() dto: SiteFailoverDto, @Res({ passthrough: true }) res: Response) {
    const { operationId, created } = await this.service.startSiteFailover(p, siteId, dto);
    res.status(created ? 202 : 200);
    return { operationId };
  }

  @Get()
  @Allow(...STAFF)
  @ApiOkResponse({ type: OperationPageDto, description: 'Newest first; a tenant admin sees only its own tenant' })
  list(@CurrentPrincipal() p: Principal, @Query() q: ListOperationsQueryDto) {
    return this.service.list(p, q);
  }

  @Get(':id')
  @Allow(...STAFF)
  @ApiOkResponse({ type: OperationResponseDto })
  get(@CurrentPrincipal() p: Principal, @Param() { id }: OperationIdParamDto) {
    return this.service.get(p, id);
  }

  @Post(':id/approve')
  @HttpCode(200)
  @Allow(...STAFF)
  @ApiOkResponse({ type: OperatorAnswerDto })
  approve(@CurrentPrincipal() p: Principal, @Param() { id }: OperationIdParamDto, @Body() dto: OperatorActionDto) {
    return this.service.act(p, id, 'approve', dto);
  }

  @Post(':id/pause')
  @HttpCode(200)
  @Allow(...STAFF)
  @ApiOkResponse({ type: OperatorAnswerDto })
  pause(@CurrentPrincipal() p: Principal, @Param() { id }: OperationIdParamDto, @Body() dto: OperatorActionDto) {
    return this.service.act(p, id, 'pause', dto);
  }

  @Post(':id/resume')
  @HttpCode(200)
  @Allow(...STAFF)
  @ApiOkResponse({ type: OperatorAnswerDto })
  resume(@CurrentPrincipal() p: Principal, @Param() { id }: OperationIdParamDto, @Body() dto: OperatorActionDto) {
    return this.service.act(p, id, 'resume', dto);
  }

  @Post(':id/abort')
  @HttpCode(200)
  @Allow(...STAFF)
  @ApiOkResponse({ type: OperatorAnswerDto })
  abort(@CurrentPrincipal() p: Principal, @Param() { id }: OperationIdParamDto, @Body() dto: OperatorActionDto) {
    return this.service.act(p, id, 'abort', dto);
  }

  @Post(':id/vms/:vmId/skip')
  @HttpCode(200)
  @Allow(...STAFF)
  @ApiOkResponse({ type: OperatorAnswerDto })
  skip(@CurrentPrincipal() p: Principal, @Param() { id, vmId }: OperationVmParamDto, @Body() dto: OperatorActionDto) {
    return this.service.actOnVm(p, id, vmId, 'skip', dto);
  }

  @Post(':id/vms/:vmId/retry')
  @HttpCode(200)
  @Allow(...STAFF)
  @ApiOkResponse({ type: OperatorAnswerDto })
  retry(@CurrentPrincipal() p: Principal, @Param() { id, vmId }: OperationVmParamDto, @Body() dto: OperatorActionDto) {
    return this.service.actOnVm(p, id, vmId, 'retry', dto);
  }
}
