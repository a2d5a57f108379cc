import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../auth/principal';
import { Allow, CurrentPrincipal, PROVIDER, STAFF } from '../auth/roles';
import { IdParamDto } from '../common/validation';
import { CreateManagementServiceDto, ManagementServiceResponseDto, UpdateManagementServiceDto } from './management-services.dto';
import { ManagementServicesService } from './management-services.service';

@ApiTags('management-services')
@Controller('v1')
export class ManagementServicesController {
  constructor(private readonly service: ManagementServicesService) {}

  @Post('tenants/:id/management-services')
  @Allow(...STAFF)
  @ApiCreatedResponse({ type: ManagementServiceResponseDto, description: 'A tenant-scoped service' })
  createForTenant(@CurrentPrincipal() p: Principal, @Param() { id }: IdParamDto, @Body() dto: CreateManagementServiceDto) {
    return this.service.create(p, id, dto);
  }

  @Get('tenants/:id/management-services')
  @Allow(...STAFF)
  @ApiOkResponse({ type: ManagementServiceResponseDto, isArray: true, description: 'The tenant services and the shared ones, in restore order' })
  listForTenant(@CurrentPrincipal() p: Principal, @Param() { id }: IdParamDto) {
    return this.service.listForTenant(p, id);
  }

  @Post('management-services')
  @Allow(...PROVIDER)
  @ApiCreatedResponse({ type: ManagementServiceResponseDto, description: 'A provider-shared service' })
  createShared(@CurrentPrincipal() p: Principal, @Body() dto: CreateManagementServiceDto) {
    return this.service.create(p, null, dto);
  }

  @Get('management-services')
  @Allow(...STAFF)
  @ApiOkResponse({ type: ManagementServiceResponseDto, isArray: true, description: 'The provider-shared services' })
  listShared() {
    return this.service.listShared();
  }

  @Get('management-services/:id')
  @Allow(...STAFF)
  @ApiOkResponse({ type: ManagementServiceResponseDto })
  get(@CurrentPrincipal() p: Principal, @Param() { id }: IdParamDto) {
    return this.service.get(p, id);
  }

  @Patch('management-services/:id')
  @Allow(...STAFF)
  @ApiOkResponse({ type: ManagementServiceResponseDto })
  update(@CurrentPrincipal() p: Principal, @Param() { id }: IdParamDto, @Body() dto: UpdateManagementServiceDto) {
    return this.service.update(p, id, dto);
  }

  @Delete('management-services/:id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted' })
  @Allow(...STAFF)
  async delete(@CurrentPrincipal() p: Principal, @Param() { id }: IdParamDto) {
    await this.service.delete(p, id);
  }
}
