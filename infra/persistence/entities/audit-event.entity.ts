import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { Json, Timestamp } from './columns';

/**
 * Append-only: nothing updates or deletes these rows. No foreign keys, so the record outlives what it
 * names (a deleted site, a revoked token).
 */
@Entity('audit_events')
@Index('IDX_audit_events_tenant_at', ['tenantId', 'at'])
@Index('IDX_audit_events_at', ['at'])
export class AuditEventEntity {
  @PrimaryGeneratedColumn({ type: 'int' }) id: number;
  /** Who: the token's id and name at the time, and its role. */
  @Column({ type: 'varchar', length: 36 }) actorTokenId: string;
  @Column({ type: 'varchar', length: 200 }) actorName: string;
  @Column({ type: 'varchar', length: 32 }) actorRole: string;
  /** What, as `<resource>.<verb>`, e.g. `site.create`. */
  @Column({ type: 'varchar', length: 64 }) action: string;
  @Column({ type: 'varchar', length: 64 }) resourceType: string;
  @Column({ type: 'varchar', length: 255 }) resourceId: string;
  @Column({ type: 'varchar', length: 36, nullable: true }) tenantId: string | null;
  @Timestamp() at: Date;
  @Json({ nullable: true }) details: Record<string, unknown> | null;
}
