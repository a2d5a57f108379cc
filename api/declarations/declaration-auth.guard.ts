import { Inject, Injectable, UnauthorizedException, ForbiddenException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { LifelineConfig } from '../../infra/config';
import { UnitOfWork } from '../../infra/persistence/repositories';
import type { Role } from '../../infra/persistence/enums';
import type { Principal } from '../auth/principal';
import type { HttpRequest as Request } from '../common/http';
import { LIFELINE_CONFIG } from '../config.module';
import { TokensService } from '../tokens/tokens.service';
import { SIGNATURE_HEADERS, signatureProblem } from './webhook-signature';

/** Who may post a declaration with a bearer token; tenant admins only for their own tenant (the service checks). */
const DECLARING: Role[] = ['trigger', 'provider-admin', 'provider-operator', 'tenant-admin'];

/**
 * `POST /v1/declarations`: a bearer token, or a webhook signed with its source's secret (HMAC-SHA256 over the
 * timestamp and the raw body, within the replay window). A refused signature is recorded in the audit log
 * before the 401, and nothing else happens. Runs before the body is validated, so nothing is read unsigned.
 */
@Injectable()
export class DeclarationAuthGuard implements CanActivate {
  constructor(
    private readonly tokens: TokensService,
    private readonly uow: UnitOfWork,
    @Inject(LIFELINE_CONFIG) private readonly config: LifelineConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request & { principal?: Principal; rawBody?: Buffer }>();
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (bearer) {
      const principal = await this.tokens.authenticate(bearer[1]);
      if (!principal) throw new UnauthorizedException('Unknown or revoked token');
      if (!DECLARING.includes(principal.role)) throw new ForbiddenException(`Role ${principal.role} may not declare a disaster`);
      req.principal = principal;
      return true;
    }
    const header = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const source = header(SIGNATURE_HEADERS.source);
    const problem = signatureProblem(
      this.config.declarations.webhookSecrets,
      { source, timestamp: header(SIGNATURE_HEADERS.timestamp), signature: header(SIGNATURE_HEADERS.signature) },
      req.rawBody ?? Buffer.alloc(0),
    );
    if (problem) {
      const name = `webhook:${(source ?? 'unsigned').slice(0, 100)}`;
      await this.uow.run((tx) => tx.audit.append({
        actorTokenId: 'webhook', actorName: name, actorRole: 'trigger', action: 'declaration.refused', resourceType: 'declaration',
        resourceId: name, tenantId: null, at: new Date(), details: { reason: problem, remoteAddress: req.socket?.remoteAddress ?? null },
      }));
      throw new UnauthorizedException(`Webhook refused: ${problem}`);
    }
    req.principal = { tokenId: 'webhook', name: `webhook:${source}`, role: 'trigger', tenantId: null };
    return true;
  }
}
