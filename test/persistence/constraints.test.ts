import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../../infra/persistence/data-source';
import type { ProtectedVmEntity } from '../../infra/persistence/entities';
import { createTypeOrmRepositories, TypeOrmUnitOfWork, type Repositories } from '../../infra/persistence/repositories';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/databases';

/** The schema itself refuses bad data, whatever the services check first. */
describe.each(DIALECTS)('constraints (%s)', (dialect) => {
  let db: TestDatabase;
  let ds: DataSource;
  let repos: Repositories;
  let uow: TypeOrmUnitOfWork;
  const now = new Date();
  const ids = { primary: randomUUID(), dr: randomUUID(), tenant: randomUUID(), other: randomUUID() };

  const site = (id: string, name: string, kind: 'primary' | 'dr') => ({
    id, name, kind, location: null, capacityVcpu: 0, capacityMemoryMb: 0, capacityStorageGb: 0, capacityMasterTargetSlots: 0, createdAt: now, updatedAt: now,
  });
  const tenant = (id: string, name: string) => ({
    id, name, tier: 'gold' as const, rpoMinutes: 15, rtoMinutes: 60, primarySiteId: ids.primary, drSiteId: ids.dr, state: 'registered' as const, activeOperationId: null, createdAt: now, updatedAt: now,
  });
  const vmRow = (name: string, tenantId = ids.tenant): ProtectedVmEntity => ({
    id: randomUUID(), tenantId, name, role: 'workload', os: 'rhel', vcpu: 1, memoryMb: 1, disks: [{ name: 'd', sizeGb: 1 }], primaryHostname: name,
    primaryIps: ['10.0.0.1'], drHostname: null, drIps: null, replicationState: 'unprotected', rpoLagSeconds: null, recoveryPriority: 1,
    masterTarget: null, critical: false, probes: null, createdAt: now, updatedAt: now,
  });

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    ds = await (await createDataSource(db.config)).initialize();
    repos = createTypeOrmRepositories(ds.manager);
    uow = new TypeOrmUnitOfWork(ds);
    await repos.sites.insert(site(ids.primary, 'p', 'primary'));
    await repos.sites.insert(site(ids.dr, 'd', 'dr'));
    await repos.tenants.insert(tenant(ids.tenant, 't1'));
    await repos.tenants.insert(tenant(ids.other, 't2'));
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('keeps site and tenant names unique', async () => {
    await expect(repos.sites.insert(site(randomUUID(), 'p', 'dr'))).rejects.toThrow();
    await expect(repos.tenants.insert(tenant(randomUUID(), 't1'))).rejects.toThrow();
  });

  it('keeps VM names unique per tenant, not across tenants', async () => {
    await repos.vms.insertMany([vmRow('vm-a')]);
    await expect(repos.vms.insertMany([vmRow('vm-a')])).rejects.toThrow();
    await repos.vms.insertMany([vmRow('vm-a', ids.other)]);
    expect(await repos.vms.count()).toBe(2);
  });

  it('refuses rows pointing at missing parents and deleting parents still in use', async () => {
    await expect(repos.tenants.insert({ ...tenant(randomUUID(), 't3'), drSiteId: randomUUID() })).rejects.toThrow();
    await expect(repos.vms.insertMany([vmRow('orphan', randomUUID())])).rejects.toThrow();
    await expect(repos.sites.delete(ids.dr)).rejects.toThrow();
  });

  it('keeps a VM in at most one group of a plan and plan names unique per tenant', async () => {
    const [a] = await repos.vms.findByNames(ids.tenant, ['vm-a']);
    const plan = { id: randomUUID(), tenantId: ids.tenant, name: 'plan', revision: 1, capPerMasterTarget: null, capPerSite: null, createdAt: now, updatedAt: now };
    const group = (name: string, position: number) => ({ id: randomUUID(), planId: plan.id, position, name, maxConcurrency: null, approvalRequired: false });
    const before = await repos.plans.count();
    await expect(uow.run((tx) => tx.plans.insert(plan, { groups: [{ group: group('g1', 0), vmIds: [a.id] }, { group: group('g2', 1), vmIds: [a.id] }], dependencies: [] }))).rejects.toThrow();
    expect(await repos.plans.count()).toBe(before);
    await uow.run((tx) => tx.plans.insert(plan, { groups: [{ group: group('g1', 0), vmIds: [a.id] }], dependencies: [] }));
    await expect(repos.plans.insert({ ...plan, id: randomUUID() }, { groups: [], dependencies: [] })).rejects.toThrow();
    await expect(repos.plans.insert({ ...plan, id: randomUUID(), name: 'bad-dep' }, { groups: [], dependencies: [{ vmId: a.id, dependsOnVmId: randomUUID() }] })).rejects.toThrow();
  });

  it('rolls back a chunked import when its last chunk fails: nothing is half-written', async () => {
    const before = await repos.vms.count();
    const rows = Array.from({ length: 1400 }, (_, i) => vmRow(`chunk-${i}`));
    rows[1300] = vmRow('vm-a');
    await expect(uow.run((tx) => tx.vms.insertMany(rows))).rejects.toThrow();
    expect(await repos.vms.count()).toBe(before);
  });

  it('keeps the operation request id unique per kind and tenant, and the upsert idempotent', async () => {
    const op = {
      id: `failover:${ids.tenant}:r1`, kind: 'failover' as const, tenantId: ids.tenant, requestId: 'r1', requestedBy: 'admin', status: 'running' as const,
      startedAt: now, closedAt: null, progress: { done: 0 }, steps: [], error: null, result: null, updatedAt: now,
    };
    await repos.operations.upsert(op);
    await repos.operations.upsert({ ...op, status: 'completed', closedAt: now, progress: { done: 3 } });
    const stored = await repos.operations.findById(op.id);
    expect(stored).toMatchObject({ status: 'completed', progress: { done: 3 } });
    await expect(repos.operations.upsert({ ...op, id: 'other-workflow-id' })).rejects.toThrow();
    expect((await repos.operations.list({ tenantId: ids.tenant })).total).toBe(1);
  });

  it('lets exactly one of many concurrent claims hold a tenant, and only the holder move or release it', async () => {
    await repos.tenants.update(ids.other, { state: 'protected' });
    const claims = await Promise.all(Array.from({ length: 20 }, (_, i) => uow.run((tx) => tx.tenants.claim(ids.other, `failover:${ids.other}:r${i}`, ['protected']))));
    expect(claims.filter(Boolean)).toHaveLength(1);
    const holder = `failover:${ids.other}:r${claims.indexOf(true)}`;
    expect((await repos.tenants.findById(ids.other))?.activeOperationId).toBe(holder);
    const loser = `failover:${ids.other}:r${claims.indexOf(false)}`;
    expect(await repos.tenants.moveState(ids.other, { from: 'protected', to: 'failing-over', holder: loser })).toBe(false);
    expect(await repos.tenants.release(ids.other, loser)).toBe(false);
    expect(await repos.tenants.moveState(ids.other, { from: 'protected', to: 'failing-over', holder })).toBe(true);
    expect(await repos.tenants.release(ids.other, holder)).toBe(true);
    expect(await repos.tenants.findById(ids.other)).toMatchObject({ state: 'failing-over', activeOperationId: null });
    // A claim guarded by states refuses a tenant in another state.
    expect(await repos.tenants.claim(ids.other, 'failover:x', ['protected'])).toBe(false);
  });
});
