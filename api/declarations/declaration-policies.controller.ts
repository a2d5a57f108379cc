import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../auth/principal';
import { ADMIN, Allow, CurrentPrincipal, PROVIDER, STAFF } from '../auth/roles';
import { IdParamDto } from '../common/validation';
import { DeclarationPolicyDto, DeclarationPolicyResponseDto } from './declarations.dto';
import { DeclarationPoliciesService } from './declaration-policies.service';

/** How a disaster is declared for a primary site and for a tenant (a tenant without its own follows its site's). */
@ApiTags('declarations')
@Controller('v1')
export class DeclarationPoliciesController {
  constructor(private readonly service: DeclarationPoliciesService) {}

  @Get('sites/:id/declaration-policy')
  @Allow(...PROVIDER)
  @ApiOkResponse({ type: DeclarationPolicyResponseDto })
  getForSite(@Param() { id }: IdParamDto) {
    return this.service.getForSite(id);
  }

  @Put('sites/:id/declaration-policy')
  @Allow(...ADMIN)
  @ApiOkResponse({ type: DeclarationPolicyResponseDto })
  setForSite(@CurrentPrincipal() p: Principal, @Param() { id }: IdParamDto, @Body() dto: DeclarationPolicyDto) {
    return this.service.set(p, 'site', id, dto);
  }

  @Get('tenants/:id/declaration-policy')
  @Allow(...STAFF)
  @ApiOkResponse({ type: DeclarationPolicyResponseDto })
  getForTenant(@CurrentPrincipal() p: Principal, @Param() { id }: IdParamDto) {
    return this.service.getForTenant(p, id);
  }

  @Put('tenants/:id/declaration-policy')
  @Allow(...ADMIN)
  @ApiOkResponse({ type: DeclarationPolicyResponseDto })
  setForTenant(@CurrentPrincipal() p: Principal, @Param() { id }: IdParamDto, @Body() dto: DeclarationPolicyDto) {
    return this.service.set(p, 'tenant', id, dto);
  }
}
