import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../auth/principal';
import { Allow, CurrentPrincipal, STAFF } from '../auth/roles';
import { IdParamDto, Uuid } from '../common/validation';
import { ImportVmsDto, ImportVmsResponseDto, MAX_VMS_PER_REQUEST, VmListQueryDto, VmPageDto, VmResponseDto } from './vms.dto';
import { VmsService } from './vms.service';

class VmParamDto extends IdParamDto {
  @Uuid() vmId: string;
}

@ApiTags('vms')
@Controller('v1/tenants/:id/vms')
export class VmsController {
  constructor(private readonly service: VmsService) {}

  @Post()
  @Allow(...STAFF)
  @ApiOperation({ summary: `Import 1 to ${MAX_VMS_PER_REQUEST} protected VMs in one transaction (all or nothing)` })
  @ApiCreatedResponse({ type: ImportVmsResponseDto })
  import(@CurrentPrincipal() p: Principal, @Param() { id }: IdParamDto, @Body() dto: ImportVmsDto) {
    return this.service.import(p, id, dto.vms);
  }

  @Get()
  @Allow(...STAFF)
  @ApiOkResponse({ type: VmPageDto })
  list(@CurrentPrincipal() p: Principal, @Param() { id }: IdParamDto, @Query() q: VmListQueryDto) {
    return this.service.list(p, id, q);
  }

  @Get(':vmId')
  @Allow(...STAFF)
  @ApiOkResponse({ type: VmResponseDto })
  get(@CurrentPrincipal() p: Principal, @Param() { id, vmId }: VmParamDto) {
    return this.service.get(p, id, vmId);
  }
}
