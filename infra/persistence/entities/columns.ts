import { Column, PrimaryColumn } from 'typeorm';

/**
 * Column shapes valid in both dialects (MySQL/MariaDB and SQLite), so one set of entities serves both
 * and the per-dialect migrations stay drift-free.
 */
export const UuidPrimary = () => PrimaryColumn({ type: 'varchar', length: 36 });
export const UuidColumn = (opts: { nullable?: boolean } = {}) => Column({ type: 'varchar', length: 36, nullable: opts.nullable ?? false });
export const Name = (length = 200) => Column({ type: 'varchar', length });
export const Timestamp = (opts: { nullable?: boolean } = {}) => Column({ type: 'datetime', precision: 3, nullable: opts.nullable ?? false });
export const Json = (opts: { nullable?: boolean } = {}) => Column({ type: 'json', nullable: opts.nullable ?? false });
export const Int = (opts: { nullable?: boolean } = {}) => Column({ type: 'int', nullable: opts.nullable ?? false });
export const Bool = () => Column({ type: 'boolean', default: false });
export const Enum = (length = 32, opts: { nullable?: boolean } = {}) => Column({ type: 'varchar', length, nullable: opts.nullable ?? false });
