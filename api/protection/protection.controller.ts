import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../auth/principal';
import { Allow, CurrentPrincipal, STAFF } from '../auth/roles';
import { IdParamDto } from '../common/validation';
import { ProtectionQueryDto, ProtectionResponseDto } from './protection.dto';
import { ProtectionService } from './protection.service';

@ApiTags('protection')
@Controller('v1/tenants/:id/protection')
export class ProtectionController {
  constructor(private readonly service: ProtectionService) {}

  @Get()
  @Allow(...STAFF)
  @ApiOperation({ summary: 'Protection health: current RPO lag per VM, the worst VM, open breaches and recent history' })
  @ApiOkResponse({ type: ProtectionResponseDto })
  get(@CurrentPrincipal() p: Principal, @Param() { id }: IdParamDto, @Query() q: ProtectionQueryDto) {
    return this.service.get(p, id, q.samples ?? 60);
  }
}
