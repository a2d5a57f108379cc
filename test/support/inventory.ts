import type { DataSource } from 'typeorm';
import type { Dialect } from '../../infra/persistence/data-source';
import { createDataSource } from '../../infra/persistence/data-source';
import { createTestDatabase } from './databases';

export interface TestInventory {
  dataSource: DataSource;
  close(): Promise<void>;
}

/** A migrated, empty inventory of its own for one suite (SQLite file or fresh MariaDB database). */
export async function openTestInventory(dialect: Dialect = 'sqlite'): Promise<TestInventory> {
  const db = await createTestDatabase(dialect);
  const dataSource = await createDataSource(db.config);
  await dataSource.initialize();
  return {
    dataSource,
    async close() {
      if (dataSource.isInitialized) await dataSource.destroy();
      await db.drop();
    },
  };
}
