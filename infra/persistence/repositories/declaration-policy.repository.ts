import type { EntityManager } from 'typeorm';
import { DeclarationPolicyEntity } from '../entities';

export abstract class DeclarationPolicyRepository {
  abstract find(scopeType: 'site' | 'tenant', scopeId: string): Promise<DeclarationPolicyEntity | null>;
  /** Creates or replaces the scope's policy. */
  abstract save(policy: DeclarationPolicyEntity): Promise<void>;
}

export class TypeOrmDeclarationPolicyRepository extends DeclarationPolicyRepository {
  constructor(private readonly em: EntityManager) {
    super();
  }
  find(scopeType: 'site' | 'tenant', scopeId: string) {
    return this.em.findOneBy(DeclarationPolicyEntity, { scopeType, scopeId });
  }
  async save(policy: DeclarationPolicyEntity) {
    await this.em.upsert(DeclarationPolicyEntity, policy, ['scopeType', 'scopeId']);
  }
}
