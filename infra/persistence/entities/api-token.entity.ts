import { Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import type { Role } from '../enums';
import { Enum, Name, Timestamp, UuidPrimary } from './columns';
import { TenantEntity } from './tenant.entity';

/** A bearer token; only the SHA-256 of its secret is stored. */
@Entity('api_tokens')
@Index('UQ_api_tokens_hash', ['tokenHash'], { unique: true })
export class ApiTokenEntity {
  @UuidPrimary() id: string;
  @Name() name: string;
  @Column({ type: 'varchar', length: 64 }) tokenHash: string;
  @Enum(32) role: Role;
  /** Set for (and only for) tenant-admin tokens. */
  @Column({ type: 'varchar', length: 36, nullable: true }) tenantId: string | null;
  @Timestamp() createdAt: Date;
  @Timestamp({ nullable: true }) revokedAt: Date | null;

  @ManyToOne(() => TenantEntity, { onDelete: 'RESTRICT', onUpdate: 'NO ACTION', nullable: true })
  @JoinColumn({ name: 'tenantId', foreignKeyConstraintName: 'FK_api_tokens_tenant' })
  tenant?: TenantEntity | null;
}
