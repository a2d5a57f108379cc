import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../auth/principal';
import { Allow, CurrentPrincipal, PROVIDER, STAFF } from '../auth/roles';
import { IdParamDto } from '../common/validation';
import { CaptureScheduleDto, CaptureStatusDto, ManagementMetadataResponseDto, MetadataRecordsResponseDto, MetadataVersionParamDto } from './management-metadata.dto';
import { ManagementMetadataService } from './management-metadata.service';

@ApiTags('management-metadata')
@Controller('v1/tenants/:id/management-metadata')
export class ManagementMetadataController {
  constructor(private readonly service: ManagementMetadataService) {}

  @Get()
  @Allow(...STAFF)
  @ApiOperation({ summary: 'The captured management metadata: newest capture, its age (the metadata RPO), versions, capture schedule' })
  @ApiOkResponse({ type: ManagementMetadataResponseDto })
  get(@CurrentPrincipal() p: Principal, @Param() { id }: IdParamDto) {
    return this.service.get(p, id);
  }

  @Get('versions/:version')
  @Allow(...PROVIDER)
  @ApiOperation({ summary: 'One captured version with its records' })
  @ApiOkResponse({ type: MetadataRecordsResponseDto })
  version(@CurrentPrincipal() p: Principal, @Param() { id, version }: MetadataVersionParamDto) {
    return this.service.version(p, id, version);
  }

  @Put('schedule')
  @Allow(...PROVIDER)
  @ApiOperation({ summary: "Capture the tenant's metadata every intervalSeconds (starts or re-times its capture workflow)" })
  @ApiOkResponse({ type: CaptureStatusDto })
  schedule(@CurrentPrincipal() p: Principal, @Param() { id }: IdParamDto, @Body() dto: CaptureScheduleDto) {
    return this.service.schedule(p, id, dto.intervalSeconds);
  }

  @Delete('schedule')
  @Allow(...PROVIDER)
  @ApiOperation({ summary: "Stop the tenant's capture schedule (its capture workflow ends; captured versions stay)" })
  @ApiOkResponse({ type: CaptureStatusDto })
  stop(@CurrentPrincipal() p: Principal, @Param() { id }: IdParamDto) {
    return this.service.stop(p, id);
  }

  @Post('captures')
  @HttpCode(202)
  @Allow(...PROVIDER)
  @ApiOperation({ summary: 'Capture now' })
  @ApiAcceptedResponse({ type: CaptureStatusDto })
  captureNow(@CurrentPrincipal() p: Principal, @Param() { id }: IdParamDto) {
    return this.service.captureNow(p, id);
  }
}
