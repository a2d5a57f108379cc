import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { LifelineConfig } from '../../infra/config';
import type { ApiTokenEntity } from '../../infra/persistence/entities';
import { ApiTokenRepository, UnitOfWork } from '../../infra/persistence/repositories';
import { LIFELINE_CONFIG } from '../config.module';
import { auditEvent, type Principal } from '../auth/principal';
import { hashToken, newTokenSecret, sameHash } from '../auth/token-secret';
import { NotFoundError, UnprocessableError } from '../common/errors';
import { mapToken, type CreatedTokenResponseDto, type CreateTokenDto, type TokenResponseDto } from './tokens.dto';

/** The bootstrap admin: not stored, so a lost database never locks the provider out. */
const BOOTSTRAP: Omit<Principal, 'tenantId'> = { tokenId: 'bootstrap', name: 'bootstrap-admin', role: 'provider-admin' };

@Injectable()
export class TokensService implements OnApplicationBootstrap {
  private readonly logger = new Logger(TokensService.name);
  private bootstrapHash: string;

  constructor(
    @Inject(LIFELINE_CONFIG) private readonly config: LifelineConfig,
    private readonly tokens: ApiTokenRepository,
    private readonly uow: UnitOfWork,
  ) {}

  onApplicationBootstrap(): void {
    let secret = this.config.adminToken;
    if (!secret) {
      secret = newTokenSecret();
      // Logged once, at boot, so the operator can create real tokens; set LIFELINE_ADMIN_TOKEN to keep one.
      this.logger.warn(`LIFELINE_ADMIN_TOKEN is not set; generated bootstrap admin token for this run: ${secret}`);
    }
    this.bootstrapHash = hashToken(secret);
  }

  async authenticate(secret: string): Promise<Principal | null> {
    const hash = hashToken(secret);
    if (sameHash(hash, this.bootstrapHash)) return { ...BOOTSTRAP, tenantId: null };
    const token = await this.tokens.findByHash(hash);
    if (!token || token.revokedAt || !sameHash(token.tokenHash, hash)) return null;
    return { tokenId: token.id, name: token.name, role: token.role, tenantId: token.tenantId };
  }

  async create(p: Principal, dto: CreateTokenDto): Promise<CreatedTokenResponseDto> {
    if (dto.role === 'tenant-admin' && !dto.tenantId) throw new UnprocessableError(['tenantId is required for a tenant-admin token']);
    if (dto.role !== 'tenant-admin' && dto.tenantId) throw new UnprocessableError([`tenantId is only allowed for tenant-admin tokens, not ${dto.role}`]);
    const secret = newTokenSecret();
    return this.uow.run(async (tx) => {
      if (dto.tenantId && !(await tx.tenants.findById(dto.tenantId))) {
        throw new UnprocessableError([`tenantId ${dto.tenantId} does not exist`]);
      }
      const token: ApiTokenEntity = {
        id: randomUUID(), name: dto.name, tokenHash: hashToken(secret), role: dto.role, tenantId: dto.tenantId ?? null, createdAt: new Date(), revokedAt: null,
      };
      await tx.tokens.insert(token);
      await tx.audit.append(auditEvent(p, 'token.create', { type: 'token', id: token.id, tenantId: token.tenantId }, { name: token.name, role: token.role }));
      return { ...mapToken(token), token: secret };
    });
  }

  async list(): Promise<TokenResponseDto[]> {
    return (await this.tokens.list()).map(mapToken);
  }

  async revoke(p: Principal, id: string): Promise<void> {
    await this.uow.run(async (tx) => {
      const token = await tx.tokens.findById(id);
      if (!token) throw new NotFoundError('token', id);
      if (token.revokedAt) return;
      await tx.tokens.revoke(id, new Date());
      await tx.audit.append(auditEvent(p, 'token.revoke', { type: 'token', id, tenantId: token.tenantId }, { name: token.name }));
    });
  }
}
