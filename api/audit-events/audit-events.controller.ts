import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../auth/principal';
import { Allow, CurrentPrincipal } from '../auth/roles';
import { AuditPageDto, AuditQueryDto } from './audit-events.dto';
import { AuditEventsService } from './audit-events.service';

@ApiTags('audit-events')
@Controller('v1/audit-events')
export class AuditEventsController {
  constructor(private readonly service: AuditEventsService) {}

  @Get()
  @Allow('provider-admin', 'tenant-admin')
  @ApiOkResponse({ type: AuditPageDto })
  list(@CurrentPrincipal() p: Principal, @Query() q: AuditQueryDto) {
    return this.service.list(p, q);
  }
}
