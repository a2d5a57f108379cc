import { Body, Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiHeader, ApiOkResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { ApiProperty } from '@nestjs/swagger';
import type { Principal } from '../auth/principal';
import { Allow, CurrentPrincipal, Public, STAFF } from '../auth/roles';
import { OperatorAnswerDto } from '../operations/operations.dto';
import { DeclarationAuthGuard } from './declaration-auth.guard';
import {
  AlertmanagerAcceptedDto, AlertmanagerWebhookDto, CreateDeclarationDto, DeclarationAllClearDto, DeclarationApproveDto, DeclarationCreatedDto,
} from './declarations.dto';
import { DeclarationsService } from './declarations.service';
import { SIGNATURE_HEADERS } from './webhook-signature';

class DeclarationIdParamDto {
  @ApiProperty({ example: 'declaration:site:0b8e…:3f1c…' }) @IsString() @MaxLength(400) id: string;
}

@ApiTags('declarations')
@Controller('v1/declarations')
export class DeclarationsController {
  constructor(private readonly service: DeclarationsService) {}

  @Post()
  @HttpCode(202)
  @Public()
  @UseGuards(DeclarationAuthGuard)
  @ApiHeader({ name: SIGNATURE_HEADERS.source, required: false, description: 'Signed webhook: the trigger source (its secret is configured)' })
  @ApiHeader({ name: SIGNATURE_HEADERS.timestamp, required: false, description: 'Signed webhook: Unix seconds, within 5 minutes of now' })
  @ApiHeader({ name: SIGNATURE_HEADERS.signature, required: false, description: 'Signed webhook: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">' })
  @ApiUnauthorizedResponse({ description: 'No valid bearer token, or a webhook whose signature or timestamp is refused (recorded in the audit log)' })
  @ApiAcceptedResponse({ type: DeclarationCreatedDto, description: "The alert joined its scope's open declaration, or opened one" })
  declare(@CurrentPrincipal() p: Principal, @Body() dto: CreateDeclarationDto) {
    return this.service.declare(p, dto, p.tokenId === 'webhook' ? 'webhook' : 'token');
  }

  @Post('alertmanager')
  @HttpCode(202)
  @Allow('trigger')
  @ApiAcceptedResponse({ type: AlertmanagerAcceptedDto, description: "Prometheus Alertmanager's webhook (version 4); labels map to a site or tenant by the configured rules" })
  alertmanager(@CurrentPrincipal() p: Principal, @Body() dto: AlertmanagerWebhookDto) {
    return this.service.alertmanager(p, dto);
  }

  @Get(':id')
  @Allow(...STAFF, 'trigger')
  @ApiOkResponse({ description: 'Alerts received, the decision and who made it, each tenant with the failover started and its status' })
  get(@CurrentPrincipal() p: Principal, @Param() { id }: DeclarationIdParamDto) {
    return this.service.get(p, id);
  }

  @Post(':id/approve')
  @HttpCode(200)
  @Allow(...STAFF)
  @ApiOkResponse({ type: OperatorAnswerDto })
  approve(@CurrentPrincipal() p: Principal, @Param() { id }: DeclarationIdParamDto, @Body() dto: DeclarationApproveDto) {
    return this.service.approve(p, id, dto);
  }

  @Post(':id/all-clear')
  @HttpCode(200)
  @Allow(...STAFF)
  @ApiOkResponse({ type: OperatorAnswerDto })
  allClear(@CurrentPrincipal() p: Principal, @Param() { id }: DeclarationIdParamDto, @Body() dto: DeclarationAllClearDto) {
    return this.service.allClear(p, id, dto);
  }
}
