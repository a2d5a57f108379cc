import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ADMIN, Allow, CurrentPrincipal } from '../auth/roles';
import type { Principal } from '../auth/principal';
import { IdParamDto } from '../common/validation';
import { CreatedTokenResponseDto, CreateTokenDto, TokenResponseDto } from './tokens.dto';
import { TokensService } from './tokens.service';

@ApiTags('tokens')
@Controller('v1/tokens')
export class TokensController {
  constructor(private readonly service: TokensService) {}

  @Post()
  @Allow(...ADMIN)
  @ApiCreatedResponse({ type: CreatedTokenResponseDto, description: 'The secret is in `token`, shown only here' })
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreateTokenDto) {
    return this.service.create(p, dto);
  }

  @Get()
  @Allow(...ADMIN)
  @ApiOkResponse({ type: TokenResponseDto, isArray: true })
  list() {
    return this.service.list();
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Revoked (also when it already was)' })
  @Allow(...ADMIN)
  async revoke(@CurrentPrincipal() p: Principal, @Param() { id }: IdParamDto) {
    await this.service.revoke(p, id);
  }
}
