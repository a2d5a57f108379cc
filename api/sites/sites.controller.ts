import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../auth/principal';
import { ADMIN, Allow, CurrentPrincipal, PROVIDER } from '../auth/roles';
import { IdParamDto } from '../common/validation';
import { CreateSiteDto, SiteApprovalPolicyDto, SiteApprovalPolicyResponseDto, SiteResponseDto, UpdateSiteDto } from './sites.dto';
import { SitesService } from './sites.service';

@ApiTags('sites')
@Controller('v1/sites')
export class SitesController {
  constructor(private readonly service: SitesService) {}

  @Post()
  @Allow(...ADMIN)
  @ApiCreatedResponse({ type: SiteResponseDto })
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreateSiteDto) {
    return this.service.create(p, dto);
  }

  @Get()
  @Allow(...PROVIDER)
  @ApiOkResponse({ type: SiteResponseDto, isArray: true })
  list() {
    return this.service.list();
  }

  @Get(':id')
  @Allow(...PROVIDER)
  @ApiOkResponse({ type: SiteResponseDto })
  get(@Param() { id }: IdParamDto) {
    return this.service.get(id);
  }

  @Patch(':id')
  @Allow(...ADMIN)
  @ApiOkResponse({ type: SiteResponseDto })
  update(@CurrentPrincipal() p: Principal, @Param() { id }: IdParamDto, @Body() dto: UpdateSiteDto) {
    return this.service.update(p, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted' })
  @Allow(...ADMIN)
  async delete(@CurrentPrincipal() p: Principal, @Param() { id }: IdParamDto) {
    await this.service.delete(p, id);
  }

  @Get(':id/approval-policy')
  @Allow(...PROVIDER)
  @ApiOkResponse({ type: SiteApprovalPolicyResponseDto })
  getApprovalPolicy(@Param() { id }: IdParamDto) {
    return this.service.getApprovalPolicy(id);
  }

  @Put(':id/approval-policy')
  @Allow(...ADMIN)
  @ApiOkResponse({ type: SiteApprovalPolicyResponseDto })
  setApprovalPolicy(@CurrentPrincipal() p: Principal, @Param() { id }: IdParamDto, @Body() dto: SiteApprovalPolicyDto) {
    return this.service.setApprovalPolicy(p, id, dto);
  }
}
