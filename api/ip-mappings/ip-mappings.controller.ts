import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../auth/principal';
import { Allow, CurrentPrincipal, STAFF } from '../auth/roles';
import { IdParamDto } from '../common/validation';
import { IpMappingsDto, IpMappingsResponseDto } from './ip-mappings.dto';
import { IpMappingsService } from './ip-mappings.service';

@ApiTags('ip-mappings')
@Controller('v1/tenants/:id/ip-mappings')
export class IpMappingsController {
  constructor(private readonly service: IpMappingsService) {}

  @Get()
  @Allow(...STAFF)
  @ApiOkResponse({ type: IpMappingsResponseDto })
  get(@CurrentPrincipal() p: Principal, @Param() { id }: IdParamDto) {
    return this.service.get(p, id);
  }

  @Put()
  @Allow(...STAFF)
  @ApiOperation({ summary: 'Replace the tenant IP mapping (subnet rules and per-VM overrides) in one transaction' })
  @ApiOkResponse({ type: IpMappingsResponseDto })
  replace(@CurrentPrincipal() p: Principal, @Param() { id }: IdParamDto, @Body() dto: IpMappingsDto) {
    return this.service.replace(p, id, dto);
  }
}
