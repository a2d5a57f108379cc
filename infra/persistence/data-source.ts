import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { createConnection } from 'mysql2/promise';
import { DataSource, type DataSourceOptions } from 'typeorm';
import type { LifelineConfig } from '../config';
import { ENTITIES } from './entities';
import { MYSQL_MIGRATIONS } from './migrations/mysql';
import { SQLITE_MIGRATIONS } from './migrations/sqlite';

export type Dialect = 'mysql' | 'sqlite';

export function dialectOf(config: Pick<LifelineConfig, 'mysqlUrl'>): Dialect {
  return config.mysqlUrl ? 'mysql' : 'sqlite';
}

export function sqlitePath(dataDir: string): string {
  return path.resolve(dataDir, 'lifeline.sqlite');
}

/**
 * MySQL/MariaDB when MYSQL_URL is set, else the embedded SQLite file `<DATA_DIR>/lifeline.sqlite`.
 * Migrations are explicit per dialect and run at initialisation; the schema is never synchronised.
 */
export function dataSourceOptions(
  config: Pick<LifelineConfig, 'mysqlUrl' | 'dataDir'>,
  opts: { migrationsRun?: boolean; mysqlFlavor?: MysqlFlavor } = {},
): DataSourceOptions {
  const common = {
    entities: ENTITIES,
    synchronize: false,
    migrationsRun: opts.migrationsRun ?? true,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each' as const,
    logging: false,
  };
  if (config.mysqlUrl) {
    return {
      ...common,
      type: opts.mysqlFlavor ?? 'mysql',
      url: config.mysqlUrl,
      migrations: MYSQL_MIGRATIONS,
      charset: 'utf8mb4_unicode_ci',
      // Dates are stored and read as UTC whatever the server's or the process's zone.
      timezone: 'Z',
      poolSize: 10,
      extra: { connectTimeout: 10_000 },
    };
  }
  mkdirSync(path.resolve(config.dataDir), { recursive: true });
  return {
    ...common,
    type: 'better-sqlite3',
    database: sqlitePath(config.dataDir),
    migrations: SQLITE_MIGRATIONS,
    enableWAL: true,
    prepareDatabase: (db: { pragma(sql: string): unknown }) => {
      db.pragma('busy_timeout = 5000');
    },
  };
}

export type MysqlFlavor = 'mysql' | 'mariadb';

/**
 * TypeORM reads MariaDB's catalogue differently from MySQL's (defaults of nullable columns, JSON as
 * LONGTEXT), so the driver type must match the server or every schema comparison shows false drift.
 */
export async function detectMysqlFlavor(url: string): Promise<MysqlFlavor> {
  const conn = await createConnection({ uri: url, connectTimeout: 10_000 });
  try {
    const [rows] = await conn.query('SELECT VERSION() AS version');
    return /mariadb/i.test(String((rows as { version: string }[])[0]?.version)) ? 'mariadb' : 'mysql';
  } finally {
    await conn.end();
  }
}

/** Creates (not initialises) the data source; `initialize()` runs the pending migrations. */
export async function createDataSource(
  config: Pick<LifelineConfig, 'mysqlUrl' | 'dataDir'>,
  opts: { migrationsRun?: boolean } = {},
): Promise<DataSource> {
  const mysqlFlavor = config.mysqlUrl ? await detectMysqlFlavor(config.mysqlUrl) : undefined;
  return new DataSource(dataSourceOptions(config, { ...opts, mysqlFlavor }));
}
