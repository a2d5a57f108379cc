import type { EntityManager } from 'typeorm';
import { ApiTokenEntity } from '../entities';

export abstract class ApiTokenRepository {
  abstract findByHash(tokenHash: string): Promise<ApiTokenEntity | null>;
  abstract findById(id: string): Promise<ApiTokenEntity | null>;
  abstract list(): Promise<ApiTokenEntity[]>;
  abstract count(): Promise<number>;
  abstract insert(token: ApiTokenEntity): Promise<void>;
  abstract revoke(id: string, at: Date): Promise<void>;
}

export class TypeOrmApiTokenRepository extends ApiTokenRepository {
  constructor(private readonly em: EntityManager) {
    super();
  }
  findByHash(tokenHash: string) {
    return this.em.findOneBy(ApiTokenEntity, { tokenHash });
  }
  findById(id: string) {
    return this.em.findOneBy(ApiTokenEntity, { id });
  }
  list() {
    return this.em.find(ApiTokenEntity, { order: { createdAt: 'ASC' } });
  }
  count() {
    return this.em.count(ApiTokenEntity);
  }
  async insert(token: ApiTokenEntity) {
    await this.em.insert(ApiTokenEntity, token);
  }
  async revoke(id: string, at: Date) {
    await this.em.update(ApiTokenEntity, { id }, { revokedAt: at });
  }
}
