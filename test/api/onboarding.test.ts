import { DataSource } from 'typeorm';
import { recordHistory } from '../support/histories';
import { startTestWorker, type TestWorker } from '../support/worker';
import { startTestApp, type TestApp } from '../support/api';
import { duplicates, expectDocumentedOrder, seedSimTenants, startOnboardingEstate, type OnboardingEstate, type SimTenant, type SimVm } from '../workflows/onboarding-fixture';
import { createDataSource } from '../../infra/persistence/data-source';
import { createTestDatabase, type TestDatabase } from '../support/databases';
import { demoIpMapping } from '../../infra/demo/demo-estate';

interface OperationBody {
  id: string;
  status: string;
  phase: string;
  waitingFor: string | null;
  steps: { name: string; status: string; durationMs?: number; error?: string }[];
  progress: Record<string, unknown>;
  error: string | null;
  result: Record<string, unknown> | null;
}

const vmBody = (vm: SimVm) => ({
  name: vm.name,
  role: vm.role,
  os: vm.os,
  vcpu: vm.vcpu,
  memoryMb: vm.memoryGb * 1024,
  disks: vm.disks.map((d) => ({ name: d.name, sizeGb: d.sizeGb })),
  primary: { hostname: vm.hostname, ips: [vm.ip] },
});

/**
 * Through the API, on the real Temporal server and the simulator: a 50-VM tenant (3 management VMs) is
 * onboarded (the provider approves its container), reaches `protected` with every VM's RPO recorded, and
 * the simulator's ops log shows the documented order with no side effect done twice; then its protection
 * changes (VMs added and removed).
 */
describe('onboarding through the API', () => {
  let estate: OnboardingEstate;
  let tw: TestWorker;
  let t: TestApp;
  let ds: DataSource;
  let db: TestDatabase;
  let sim: SimTenant;
  let tenantId: string;

  beforeAll(async () => {
    estate = await startOnboardingEstate();
    // One SQLite inventory shared by the worker and the API, which starts workflows on the worker's queue.
    db = await createTestDatabase('sqlite');
    ds = await createDataSource(db.config);
    await ds.initialize();
    tw = await startTestWorker({ dataSource: ds, clients: estate.clients, estateEndpoints: [] }, 'onboarding-api');
    t = await startTestApp('sqlite', { dataDir: db.config.dataDir, temporalTaskQueue: tw.taskQueue });
    // 52 VMs in the estate; 50 are entered now, 2 more later for the protection change.
    [sim] = await seedSimTenants(estate.control, [{ id: 'northwind', vms: 49, managementVms: 3, tier: 'Gold' }]);
    const dr = await t.http.post('/v1/sites').set(t.auth()).send({ name: sim.drSite, kind: 'dr', capacity: { vcpu: 1000, memoryMb: 4_000_000, storageGb: 200_000, masterTargetSlots: 16 } }).expect(201);
    const primary = await t.http.post('/v1/sites').set(t.auth()).send({ name: sim.primarySite, kind: 'primary' }).expect(201);
    const tenant = await t.http
      .post('/v1/tenants')
      .set(t.auth())
      .send({ name: sim.id, tier: 'gold', rpoMinutes: 15, rtoMinutes: 240, primarySiteId: primary.body.id, drSiteId: dr.body.id })
      .expect(201);
    tenantId = tenant.body.id;
    await t.http.post(`/v1/tenants/${tenantId}/vms`).set(t.auth()).send({ vms: sim.vms.slice(0, 50).map(vmBody) }).expect(201);
    await t.http.put(`/v1/tenants/${tenantId}/ip-mappings`).set(t.auth()).send(demoIpMapping(sim.vms.map((v) => ({ role: v.role, nics: [{ ip: v.ip }] })))).expect(200);
  });

  afterAll(async () => {
    await t?.close();
    await tw?.stop();
    await ds?.destroy();
    await db?.drop();
    await estate?.close();
  });

  const get = async (id: string): Promise<OperationBody> => (await t.http.get(`/v1/operations/${encodeURIComponent(id)}`).set(t.auth()).expect(200)).body;
  const until = async (id: string, done: (o: OperationBody) => boolean, what: string): Promise<OperationBody> => {
    for (let i = 0; i < 1200; i++) {
      const o = await get(id);
      if (done(o)) return o;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`operation ${id} never reached: ${what}`);
  };

  it('onboards a 50-VM tenant to protected, in the documented order, nothing done twice', async () => {
    const body = { kind: 'onboarding', tenantId, requestId: 'onboard-1', statusPollSeconds: 1 };
    const started = await t.http.post('/v1/operations').set(t.auth()).send(body).expect(202);
    const id = started.body.operationId;
    // The same requestId answers the same operation.
    expect((await t.http.post('/v1/operations').set(t.auth()).send(body).expect(200)).body.operationId).toBe(id);
    // Approving before anything waits is refused and names why.
    const early = await t.http.post(`/v1/operations/${encodeURIComponent(id)}/approve`).set(t.auth()).send({});
    if (early.status !== 201 && early.status !== 200) expect([early.status, JSON.stringify(early.body)]).toEqual([422, expect.stringContaining('nothing awaits approval')]);

    const waiting = await until(id, (o) => o.status === 'waiting' && (o.waitingFor ?? '').includes('approval'), 'waiting for approval');
    expect(waiting.waitingFor).toContain('approval of the network container');
    expect((await t.http.get(`/v1/tenants/${tenantId}`).set(t.auth()).expect(200)).body.state).toBe('onboarding');
    await t.http.post(`/v1/operations/${encodeURIComponent(id)}/approve`).set(t.auth()).send({ comment: 'capacity checked' }).expect((r) => expect([200, 201]).toContain(r.status));

    // While pairs resync, the wait's child workflow answers with its polls as the operation's own progress.
    const resyncing = await until(id, (o) => typeof o.progress.differentialSyncWait === 'string' && o.progress.replication !== undefined && o.progress.replication !== null, 'the Differential Sync wait');
    expect(resyncing.waitingFor).toBe('every pair in Differential Sync');
    expect(resyncing.progress.replication).toMatchObject({ vms: 50, polls: expect.any(Number) });

    const done = await until(id, (o) => o.status !== 'running' && o.status !== 'waiting', 'the end');
    expect(done.error).toBeNull();
    expect(done.status).toBe('completed');
    expect(done.result).toMatchObject({ protectedVms: 50 });
    const names = done.steps.map((s) => s.name);
    for (const step of ['pre-provision DR container', 'verify IPsec tunnel', 'size the InMage control plane', 'order the InMage control plane from CLM', 'push Scout agents', 'readiness checks', 'create protection plans', 'wait: every pair in Differential Sync', 'tenant protected']) {
      expect(names).toContain(step);
    }
    for (const s of done.steps.filter((x) => x.status === 'completed')) expect(s.durationMs).toEqual(expect.any(Number));

    expect((await t.http.get(`/v1/tenants/${tenantId}`).set(t.auth()).expect(200)).body.state).toBe('protected');
    const vms = (await t.http.get(`/v1/tenants/${tenantId}/vms?limit=100`).set(t.auth()).expect(200)).body.items as {
      name: string;
      replicationState: string;
      rpoLagSeconds: number | null;
      masterTarget: string | null;
      dr: { ips: string[] } | null;
    }[];
    expect(vms).toHaveLength(50);
    for (const vm of vms) {
      expect([vm.name, vm.replicationState]).toEqual([vm.name, 'differential-sync']);
      expect(vm.rpoLagSeconds).toEqual(expect.any(Number));
      expect(vm.masterTarget).toMatch(/^northwind-mt-(win|lin)-\d+$/);
      expect(vm.dr?.ips).toHaveLength(1);
    }

    const ops = await estate.control.ops({ tenant: 'northwind' });
    expect(duplicates(ops)).toEqual([]);
    expectDocumentedOrder(ops, 'northwind', { vlan: false });
    const reserved = ops.filter((o) => o.system === 'bna' && o.op === 'reserveIp' && o.outcome === 'ok');
    expect(reserved.filter((o) => o.target !== 'vip-https').map((o) => o.target).sort()).toEqual(sim.vms.slice(0, 50).map((v) => v.name).sort());
    const plans = ops.filter((o) => o.system === 'inmage' && o.op === 'createPlan' && o.outcome === 'ok');
    expect(plans.length).toBe(done.result?.plans);
  });

  it('refuses a protection change naming unknown, unprotected or doubled VMs, and writes nothing', async () => {
    const before = await t.counts();
    const res = await t.http
      .post('/v1/operations')
      .set(t.auth())
      .send({ kind: 'protection-change', tenantId, protection: { add: ['nw-nope-1', sim.vms[0].name], remove: [sim.vms[1].name, sim.vms[1].name] } })
      .expect(422);
    const text = JSON.stringify(res.body);
    expect(text).toContain('nw-nope-1');
    expect(text).toContain(`already protected: ${sim.vms[0].name}`);
    expect(text).toContain(`listed twice: ${sim.vms[1].name}`);
    await t.http.post('/v1/operations').set(t.auth()).send({ kind: 'protection-change', tenantId, protection: {} }).expect(422);
    expect(await t.counts()).toEqual(before);
  });

  it('adds two VMs and removes one: new IPs, master target and plan for the added, the removed unprotected and its IP released', async () => {
    const added = sim.vms.slice(50, 52);
    const removed = sim.vms[49].name;
    await t.http.post(`/v1/tenants/${tenantId}/vms`).set(t.auth()).send({ vms: added.map(vmBody) }).expect(201);
    const started = await t.http
      .post('/v1/operations')
      .set(t.auth())
      .send({ kind: 'protection-change', tenantId, requestId: 'change-1', statusPollSeconds: 1, protection: { add: added.map((v) => v.name), remove: [removed] } })
      .expect(202);
    const done = await until(started.body.operationId, (o) => o.status !== 'running' && o.status !== 'waiting', 'the end');
    expect(done.error).toBeNull();
    expect(done.status).toBe('completed');
    expect(done.result).toMatchObject({ added: added.map((v) => v.name), removed: [removed] });

    const vms = (await t.http.get(`/v1/tenants/${tenantId}/vms?limit=100`).set(t.auth()).expect(200)).body.items as {
      name: string;
      replicationState: string;
      dr: { ips: string[] } | null;
      masterTarget: string | null;
    }[];
    const byName = new Map(vms.map((v) => [v.name, v]));
    for (const vm of added) {
      expect(byName.get(vm.name)).toMatchObject({ replicationState: 'differential-sync', dr: { ips: [expect.any(String)] } });
    }
    expect(byName.get(removed)).toMatchObject({ replicationState: 'unprotected', dr: null, masterTarget: null });
    const state = (await estate.control.state('northwind')) as { bna: { pools: { reservations: { owner: string }[] }[] } };
    const owners = state.bna.pools.flatMap((p) => p.reservations.map((r) => r.owner));
    expect(owners).not.toContain(removed);
    for (const vm of added) expect(owners).toContain(vm.name);
    expect(duplicates(await estate.control.ops({ tenant: 'northwind' }))).toEqual([]);
    await recordHistory(tw.client.workflow.getHandle(started.body.operationId), 'protection-change-add-remove');
  });
});
