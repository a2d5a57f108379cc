import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createConnection } from 'mysql2/promise';
import type { LifelineConfig } from '../../infra/config';
import type { Dialect } from '../../infra/persistence/data-source';

export const DIALECTS: Dialect[] = ['sqlite', 'mysql'];

export interface TestDatabase {
  dialect: Dialect;
  /** Config overrides that point the app or a data source at this database. */
  config: Pick<LifelineConfig, 'mysqlUrl' | 'dataDir'>;
  drop(): Promise<void>;
}

function serverUrl(): URL {
  const url = process.env.MYSQL_URL;
  if (!url) throw new Error('MYSQL_URL is not set: the Jest global setup starts MariaDB and sets it');
  return new URL(url);
}

/**
 * A fresh, empty database for one test file: a new MariaDB database `lifeline_t_<random>` (so parallel
 * Jest workers never share one) or a new SQLite file in a temp directory.
 */
export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'lifeline-test-'));
  if (dialect === 'sqlite') {
    return { dialect, config: { mysqlUrl: undefined, dataDir }, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const url = serverUrl();
  const name = `lifeline_t_${randomBytes(6).toString('hex')}`;
  await adminQuery(url, `CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  const dbUrl = new URL(url.toString());
  dbUrl.pathname = `/${name}`;
  return {
    dialect,
    config: { mysqlUrl: dbUrl.toString(), dataDir },
    drop: async () => {
      await adminQuery(url, `DROP DATABASE IF EXISTS \`${name}\``);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function adminQuery(url: URL, sql: string): Promise<void> {
  const conn = await createConnection({
    host: url.hostname, port: Number(url.port || 3306), user: decodeURIComponent(url.username), password: decodeURIComponent(url.password),
  });
  try {
    await conn.query(sql);
  } finally {
    await conn.end();
  }
}
