import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { DeclarationApprover, DeclarationMode } from '../../../domain/declaration-policy';
import { Enum, Int, Timestamp } from './columns';

/**
 * How a disaster is declared for one site or one tenant (domain/declaration-policy.ts). A tenant without a
 * row follows its primary site's; a site without one, the default.
 */
@Entity('declaration_policies')
export class DeclarationPolicyEntity {
  @PrimaryColumn({ type: 'varchar', length: 8 }) scopeType: 'site' | 'tenant';
  @PrimaryColumn({ type: 'varchar', length: 36 }) scopeId: string;
  @Enum(16) mode: DeclarationMode;
  @Int() sources: number;
  @Int() windowSeconds: number;
  @Column({ type: 'int', nullable: true }) graceSeconds: number | null;
  @Enum(16) approver: DeclarationApprover;
  @Int() reminderSeconds: number;
  @Int() escalationSeconds: number;
  @Timestamp() updatedAt: Date;
}
