import { Injectable, UnauthorizedException, ForbiddenException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { HttpRequest as Request } from '../common/http';
import type { Role } from '../../infra/persistence/enums';
import { TokensService } from '../tokens/tokens.service';
import type { Principal } from './principal';
import { PUBLIC_KEY, ROLES_KEY } from './roles';

/** Global guard: a valid bearer token on every non-public route, and a role the route allows. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(private readonly reflector: Reflector, private readonly tokens: TokensService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;

    const req = context.switchToHttp().getRequest<Request & { principal?: Principal }>();
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new UnauthorizedException('Missing bearer token (Authorization: Bearer <token>)');
    const principal = await this.tokens.authenticate(match[1]);
    if (!principal) throw new UnauthorizedException('Unknown or revoked token');
    req.principal = principal;

    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets) ?? [];
    if (!roles.includes(principal.role)) {
      throw new ForbiddenException(`Role ${principal.role} may not ${req.method} ${req.route?.path ?? req.path}`);
    }
    return true;
  }
}
