import { Body, Controller, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../auth/principal';
import { ADMIN, Allow, CurrentPrincipal, STAFF } from '../auth/roles';
import { IdParamDto } from '../common/validation';
import { CreateTenantDto, ReconcileResponseDto, TenantResponseDto, UpdateTenantDto } from './tenants.dto';
import { TenantsService } from './tenants.service';

@ApiTags('tenants')
@Controller('v1/tenants')
export class TenantsController {
  constructor(private readonly service: TenantsService) {}

  @Post()
  @Allow(...ADMIN)
  @ApiCreatedResponse({ type: TenantResponseDto })
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreateTenantDto) {
    return this.service.create(p, dto);
  }

  @Get()
  @Allow(...STAFF)
  @ApiOkResponse({ type: TenantResponseDto, isArray: true, description: 'A tenant admin sees only its own tenant' })
  list(@CurrentPrincipal() p: Principal) {
    return this.service.list(p);
  }

  @Get(':id')
  @Allow(...STAFF)
  @ApiOkResponse({ type: TenantResponseDto })
  get(@CurrentPrincipal() p: Principal, @Param() { id }: IdParamDto) {
    return this.service.get(p, id);
  }

  /** Tenant admins are let through so that another tenant's id answers 404 (not 403); the service refuses their change. */
  @Patch(':id')
  @Allow('provider-admin', 'tenant-admin')
  @ApiOkResponse({ type: TenantResponseDto })
  update(@CurrentPrincipal() p: Principal, @Param() { id }: IdParamDto, @Body() dto: UpdateTenantDto) {
    return this.service.update(p, id, dto);
  }

  /** The repair path for a tenant stuck where no operation can take it: the inventory set to what the estate shows. */
  @Post(':id/reconcile')
  @HttpCode(200)
  @Allow('provider-admin')
  @ApiOkResponse({ type: ReconcileResponseDto })
  reconcile(@CurrentPrincipal() p: Principal, @Param() { id }: IdParamDto) {
    return this.service.reconcile(p, id);
  }
}
