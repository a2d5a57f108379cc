import { systemErrorKind } from '../../infra/clients/system-error';
import { failure, key, startEstate, type Estate } from './estate-fixture';

describe('InmageClient against the simulator', () => {
  let estate: Estate;
  const inmage = () => estate.clients.inmage;

  beforeAll(async () => {
    estate = await startEstate();
  });
  afterAll(() => estate.close());
  beforeEach(async () => {
    await estate.control.reset();
    await estate.control.scenario({ tenants: [{ id: 'northwind', tier: 'Gold', vms: 3, managementVms: 1 }] });
  });

  it('reads plans, pairs in Differential Sync with RPO lag, tags and readiness', async () => {
    const plans = await inmage().listProtectionPlans('northwind');
    expect(plans.length).toBeGreaterThan(0);
    expect(plans[0]).toMatchObject({ direction: 'forward', drillsEnabled: true, pairStates: { 'Differential Sync': expect.any(Number) } });
    const pairs = await inmage().getPairs('northwind', { server: 'nw-db-1' });
    expect(pairs.length).toBeGreaterThanOrEqual(3);
    for (const p of pairs) expect(p).toMatchObject({ state: 'Differential Sync', rpoSeconds: expect.any(Number), retentionWindowStart: expect.any(String) });

    const tags = await inmage().listConsistencyTags('northwind', 'nw-db-1', { type: 'application', limit: 3 });
    expect(tags.volumes).toHaveLength(pairs.length);
    expect(tags.volumes[0].tags).toHaveLength(3);
    expect(tags.common?.latestApplicationTag).toMatch(/^APP-/);

    const ready = await inmage().runReadinessChecks('northwind', { purpose: 'recover', servers: ['nw-db-1', 'nw-web-1'] });
    expect(ready.passed).toBe(true);
    expect(await estate.control.ops({ system: 'inmage' })).toEqual([]);

    const server = await inmage().getServer('northwind', 'nw-db-1');
    expect(server.protection?.state).toBe('Differential Sync');
    expect(server.agentInstalled).toBe(true);
  });

  it('recovers a VM to a tag with new IPs and power-on, once; a second recovery is already done', async () => {
    const tags = await inmage().listConsistencyTags('northwind', 'nw-web-1', { type: 'application', limit: 1 });
    const tag = tags.common?.latestApplicationTag as string;
    const k = key('recoverVm');
    const spec = { recoveryPoint: { type: 'tag' as const, tag }, nics: [{ ip: '10.200.0.15', prefixLength: 24, gateway: '10.200.0.1' }], powerOn: true };
    const sub = await inmage().recoverVm('northwind', 'nw-web-1', spec, k);
    expect(sub).toMatchObject({ site: 'dr-1', recoveryPoint: { tag }, alreadyRecovered: null });
    expect((await inmage().recoverVm('northwind', 'nw-web-1', spec, k)).job?.id).toBe(sub.job?.id);
    expect((await estate.control.opsForKey(k)).map((e) => e.outcome)).toEqual(['ok', 'replayed']);

    const job = await inmage().getJob(sub.job?.id as string);
    expect(job).toMatchObject({ state: 'completed', result: { poweredOn: true, site: 'dr-1' } });
    const vm = await estate.clients.compute.getVm(job.result?.vmId as string);
    expect(vm).toMatchObject({ powerState: 'POWERED_ON', origin: 'recovered', nics: [{ ip: '10.200.0.15' }] });

    const again = await inmage().recoverVm('northwind', 'nw-web-1', { recoveryPoint: { type: 'latestTime' } }, key('recoverVm-rerun'));
    expect(again).toMatchObject({ job: null, alreadyRecovered: { site: 'dr-1', vmId: job.result?.vmId } });
    expect(await estate.control.ops({ system: 'inmage', op: 'recover', outcome: 'ok' })).toHaveLength(1);
    expect((await inmage().getPairs('northwind', { server: 'nw-web-1' }))[0].state).toBe('Recovered');
  });

  it('takes, reuses and cleans up DR-drill snapshots without touching protection', async () => {
    const snap = await inmage().createDrillSnapshot('northwind', 'nw-app-1', { recoveryPoint: { type: 'latestTag' } }, key('drill'));
    expect(snap).toMatchObject({ alreadyExisted: false, snapshot: { vmName: 'nw-app-1-drill', state: 'Creating' } });
    expect((await inmage().getJob(snap.job?.id as string)).state).toBe('completed');
    expect(await inmage().getDrillSnapshot('northwind', snap.snapshot.id)).toMatchObject({ state: 'Ready', vmId: expect.any(String) });
    const dup = await inmage().createDrillSnapshot('northwind', 'nw-app-1', {}, key('drill-rerun'));
    expect(dup).toMatchObject({ alreadyExisted: true, job: null, snapshot: { id: snap.snapshot.id, state: 'Ready' } });
    expect((await inmage().getPairs('northwind', { server: 'nw-app-1' }))[0].state).toBe('Differential Sync');

    const cleanup = await inmage().deleteDrillSnapshot('northwind', snap.snapshot.id, key('drill-undo'));
    expect((await inmage().getJob(cleanup?.id as string)).state).toBe('completed');
    expect(await inmage().listDrillSnapshots('northwind')).toEqual([]);
    expect(await inmage().deleteDrillSnapshot('northwind', snap.snapshot.id, key('drill-undo-again'))).toBeNull();
  });

  it('protects failback after a recovery, and resumes protection from the primary', async () => {
    const sub = await inmage().recoverVm('northwind', 'nw-web-1', { recoveryPoint: { type: 'latestTime' } }, key('recover'));
    await inmage().getJob(sub.job?.id as string);
    const [ps] = await inmage().listControlServers('northwind', 'ps');
    const mt = await inmage().registerControlServer('northwind', { name: 'nw-mt-fb', role: 'mt', site: 'northwind-dc' }, key('mt'));
    expect(mt.alreadyExisted).toBe(false);
    const mtAgain = await inmage().registerControlServer('northwind', { name: 'nw-mt-fb', role: 'mt', site: 'northwind-dc' }, key('mt-rerun'));
    expect(mtAgain).toMatchObject({ alreadyExisted: true, controlServer: { id: mt.controlServer.id } });

    const spec = { name: 'nw-fb-1', masterTargetId: mt.controlServer.id, processServerId: ps.id, servers: ['nw-web-1'] };
    const fb = await inmage().createFailbackProtection('northwind', spec, key('failback'));
    expect(fb.plan).toMatchObject({ direction: 'failback', targetSite: 'northwind-dc' });
    expect((await inmage().createFailbackProtection('northwind', spec, key('failback-rerun'))).alreadyExisted).toBe(true);
    expect((await inmage().getPairs('northwind', { planId: fb.plan.id })).every((p) => p.direction === 'failback')).toBe(true);

    const resumed = await inmage().resumeProtection('northwind', 'nw-web-1', { fastResync: true }, key('resume'));
    expect(resumed.alreadyRunning).toBe(false);
    expect(resumed.server.failbackProtection).toBeNull();
    expect(resumed.server.recovered).toBeNull();
    const again = await inmage().resumeProtection('northwind', 'nw-web-1', {}, key('resume-rerun'));
    expect(again.alreadyRunning).toBe(true);
  });

  it('creates protection plans within master-target limits; beyond them fails as exhausted', async () => {
    await estate.control.scenario({ tenants: [{ id: 'contoso', vms: 24, managementVms: 0 }], protected: false, agentsInstalled: false });
    const push = await inmage().pushAgent('contoso', 'co-web-1', key('push'));
    expect((await inmage().getJob(push.job?.id as string)).state).toBe('completed');
    expect(await inmage().pushAgent('contoso', 'co-web-1', key('push-rerun'))).toEqual({ job: null, alreadyInstalled: true });

    await estate.control.reset();
    await estate.control.scenario({ tenants: [{ id: 'contoso', vms: 24, managementVms: 0 }], protected: false, agentsInstalled: true });
    const ps = await inmage().registerControlServer('contoso', { name: 'co-ps-1', role: 'ps' }, key('ps'));
    const mt = await inmage().registerControlServer('contoso', { name: 'co-mt-1', role: 'mt', drillsEnabled: true }, key('mt'));
    const servers = (await inmage().listServers('contoso')).map((s) => s.name);
    const spec = { name: 'co-pp-1', masterTargetId: mt.controlServer.id, processServerId: ps.controlServer.id, servers };

    const check = await inmage().runReadinessChecks('contoso', { purpose: 'protect', servers, masterTargetId: mt.controlServer.id, processServerId: ps.controlServer.id });
    expect(check.passed).toBe(false);
    expect(check.checks.find((c) => c.result === 'Failed')?.check).toMatch(/master target VMDKs ≤ 40/);

    const f = await failure(inmage().createProtectionPlan('contoso', spec, key('plan')));
    expect(f.nonRetryable).toBe(true);
    expect(systemErrorKind(f)).toBe('exhausted');
    expect(f.message).toMatch(/MT_VMDK_LIMIT: master target co-mt-1 would hold \d+ VMDKs; at most 40 with DR drills/);

    const ok = await inmage().createProtectionPlan('contoso', { ...spec, servers: servers.slice(0, 4) }, key('plan'));
    expect(ok.plan).toMatchObject({ name: 'co-pp-1', servers: servers.slice(0, 4) });
    expect(await inmage().deleteProtectionPlan('contoso', ok.plan.id, key('plan-undo'))).toBe(true);
    expect(await inmage().deleteProtectionPlan('contoso', ok.plan.id, key('plan-undo-again'))).toBe(false);
    expect(await inmage().deregisterControlServer('contoso', mt.controlServer.id, key('mt-undo'))).toBe(true);
  });

  it('maps a per-VM injected 503 as retryable and an unknown server as final', async () => {
    await estate.control.fault({ system: 'inmage', op: 'recover', target: 'nw-app-1', status: 503, times: 1 });
    const k = key('recover');
    const busy = await failure(inmage().recoverVm('northwind', 'nw-app-1', {}, k));
    expect(busy.nonRetryable).toBe(false);
    expect(busy.message).toMatch(/^inmage\.recover \(503\): SERVICE_UNAVAILABLE: injected fault/);
    expect((await inmage().recoverVm('northwind', 'nw-app-1', {}, k)).job).not.toBeNull();
    expect((await estate.control.opsForKey(k)).map((e) => e.outcome)).toEqual(['fault', 'ok']);

    const missing = await failure(inmage().recoverVm('northwind', 'nw-nope-9', {}, key('recover')));
    expect(missing.nonRetryable).toBe(true);
    expect(missing.message).toBe('inmage.recover (404): NOT_FOUND: source server nw-nope-9 not found');

    const outside = await failure(inmage().recoverVm('northwind', 'nw-db-1', { recoveryPoint: { type: 'specificTime', time: '2000-01-01T00:00:00Z' } }, key('recover')));
    expect(systemErrorKind(outside)).toBe('invalid');
    expect(outside.message).toMatch(/OUTSIDE_RETENTION_WINDOW/);
  });
});
