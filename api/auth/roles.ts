import { applyDecorators, createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { LifelineConfig } from '../../infra/config';
import type { Role } from '../../infra/persistence/enums';
import type { Principal } from './principal';

export const ROLES_KEY = 'lifeline:roles';
export const PUBLIC_KEY = 'lifeline:public';

/** Role sets used across controllers. */
export const ADMIN: Role[] = ['provider-admin'];
export const PROVIDER: Role[] = ['provider-admin', 'provider-operator'];
/** Provider staff and tenant admins (the latter limited to their own tenant by the services). */
export const STAFF: Role[] = ['provider-admin', 'provider-operator', 'tenant-admin'];

/** Who may call the route. A route with neither @Allow nor @Public is refused to everyone. */
export const Allow = (...roles: Role[]) =>
  applyDecorators(
    SetMetadata(ROLES_KEY, roles),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'Missing, unknown or revoked token' }),
    ApiForbiddenResponse({ description: `Allowed roles: ${roles.join(', ')}` }),
  );

/** Whether a route is open without a token, decided by the config (e.g. /metrics). */
export type PublicWhen = (config: LifelineConfig) => boolean;

export const Public = (when: PublicWhen = () => true) => SetMetadata(PUBLIC_KEY, when);

export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  return ctx.switchToHttp().getRequest<{ principal: Principal }>().principal;
});
