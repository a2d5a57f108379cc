import {
  ForbiddenException, HttpException, Inject, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { LifelineConfig } from '../../infra/config';
import type { HttpRequest as Request, HttpResponse as Response } from '../common/http';
import { errorBody } from '../common/exception.filter';
import type { Role } from '../../infra/persistence/enums';
import { LIFELINE_CONFIG } from '../config.module';
import { TokensService } from '../tokens/tokens.service';
import { FailedAuthLimiter } from './failed-auth-limiter';
import type { Principal } from './principal';
import { PUBLIC_KEY, ROLES_KEY, type PublicWhen } from './roles';

/**
 * Global guard: a valid bearer token on every non-public route, and a role the route allows. Failed
 * authentications are limited per client address (429 with Retry-After once past the limit).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokensService,
    private readonly limiter: FailedAuthLimiter,
    @Inject(LIFELINE_CONFIG) private readonly config: LifelineConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    const isPublic = this.reflector.getAllAndOverride<PublicWhen | undefined>(PUBLIC_KEY, targets);
    if (isPublic?.(this.config)) return true;

    const req = context.switchToHttp().getRequest<Request & { principal?: Principal; ip?: string }>();
    const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const wait = this.limiter.refusedFor(address);
    if (wait > 0) {
      context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(wait));
      throw new HttpException(errorBody(429, `Too many failed authentications from this address; try again in ${wait} s`), 429);
    }
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const principal = match ? await this.tokens.authenticate(match[1]) : null;
    if (!principal) {
      this.limiter.failed(address);
      throw new UnauthorizedException(match ? 'Unknown or revoked token' : 'Missing bearer token (Authorization: Bearer <token>)');
    }
    req.principal = principal;

    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets) ?? [];
    if (!roles.includes(principal.role)) {
      throw new ForbiddenException(`Role ${principal.role} may not ${req.method} ${req.route?.path ?? req.path}`);
    }
    return true;
  }
}
