import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { AuditEventEntity, SiteEntity } from '../../infra/persistence/entities';
import { createDataSource } from '../../infra/persistence/data-source';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/databases';

/**
 * The CI drift check: after the explicit migrations ran, TypeORM finds nothing to change between the
 * entities and the schema. Runs for both dialects, on the real MariaDB for MySQL.
 */
describe.each(DIALECTS)('migrations (%s)', (dialect) => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    ds = await createDataSource(db.config);
    await ds.initialize();
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('runs every migration on a fresh database', async () => {
    const ran = await ds.query('SELECT name FROM migrations ORDER BY id');
    expect(ran.map((r: { name: string }) => r.name)).toEqual(ds.migrations.map((m) => m.name));
    expect(await ds.showMigrations()).toBe(false);
  });

  it('leaves no drift between the entities and the migrated schema', async () => {
    const log = await ds.driver.createSchemaBuilder().log();
    expect(log.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('reverts to an empty schema and migrates up again', async () => {
    for (let i = 0; i < ds.migrations.length; i++) await ds.undoLastMigration();
    await ds.runMigrations();
    const log = await ds.driver.createSchemaBuilder().log();
    expect(log.upQueries).toEqual([]);
  });

  it('a second boot finds nothing to run', async () => {
    const again = await createDataSource(db.config);
    await again.initialize();
    try {
      expect(await again.showMigrations()).toBe(false);
    } finally {
      await again.destroy();
    }
  });

  it('stores and reads JSON, booleans and millisecond UTC timestamps unchanged', async () => {
    const now = new Date('2026-11-22T01:02:03.456Z');
    const id = randomUUID();
    const sites = ds.getRepository(SiteEntity);
    await sites.insert({ id, name: `s-${id}`, kind: 'dr', location: null, capacityVcpu: 1, capacityMemoryMb: 1, capacityStorageGb: 1, capacityMasterTargetSlots: 1, createdAt: now, updatedAt: now });
    const audit = ds.getRepository(AuditEventEntity);
    await audit.insert({ actorTokenId: 't', actorName: 'n', actorRole: 'provider-admin', action: 'site.create', resourceType: 'site', resourceId: id, tenantId: null, at: now, details: { nested: { list: [1, 'two', true] } } });
    const site = await sites.findOneByOrFail({ id });
    expect(site.createdAt.toISOString()).toBe(now.toISOString());
    const event = await audit.findOneByOrFail({ resourceId: id });
    expect(event.details).toEqual({ nested: { list: [1, 'two', true] } });
  });
});
