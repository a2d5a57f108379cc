import type { RunningSimulator } from '../../infra/sim/server';
import { SimClient, type Json } from './sim-client';

describe('simulated InMage CX', () => {
  let sim: RunningSimulator;
  let c: SimClient;
  const im = '/inmage/api/v1/tenants/northwind';
  const HOUR = 3_600_000;

  beforeAll(async () => {
    ({ sim, client: c } = await SimClient.start());
  });
  afterAll(() => sim.close());
  beforeEach(async () => {
    await c.reset();
  });

  it('moves new pairs through Resyncing (Step I), Resyncing (Step II) and Differential Sync on the scaled clock', async () => {
    // 30 min and 5 min in the real world at timeScale 0.01 → 18 s and 3 s on the simulator clock.
    await c.call('PUT', '/_sim/latency', { timeScale: 0.01 });
    const seeded = await c.scenario({ tenants: [{ id: 'northwind', vms: 2, managementVms: 0 }], protected: false, agentsInstalled: false });
    const [vm] = seeded.body.tenants[0].vms;
    const ps = (await c.call('POST', `${im}/control-servers`, { name: 'nw-ps-1', role: 'ps' })).body.id;
    const mt = (await c.call('POST', `${im}/control-servers`, { name: 'nw-mt-1', role: 'mt' })).body.id;

    const early = await c.call('POST', `${im}/protection-plans`, { name: 'pp', masterTargetId: mt, processServerId: ps, servers: [vm.name] });
    expect(early.status).toBe(422);
    expect(early.body.error.code).toBe('AGENT_NOT_INSTALLED');
    const push = await c.call('POST', `${im}/servers/${vm.name}/agent`);
    expect(push.status).toBe(202);
    await c.advance(2_000);
    expect((await c.call('GET', `/inmage/api/v1/jobs/${push.body.job.id}`)).body.state).toBe('Completed');

    const ready = await c.call('POST', `${im}/readiness-checks`, { masterTargetId: mt, processServerId: ps, servers: [vm.name] });
    expect(ready.body.passed).toBe(true);
    const plan = await c.call('POST', `${im}/protection-plans`, { name: 'pp', masterTargetId: mt, processServerId: ps, servers: [vm.name] });
    expect(plan.status).toBe(201);

    const stage = async (): Promise<Json> => (await c.call('GET', `${im}/servers/${vm.name}`)).body.protection;
    expect((await stage()).state).toBe('Resyncing (Step I)');
    await c.advance(9_000);
    const mid = await stage();
    expect(mid.state).toBe('Resyncing (Step I)');
    expect(mid.resyncProgressPercentage).toBeGreaterThan(0);
    await c.advance(9_000);
    expect((await stage()).state).toBe('Resyncing (Step II)');
    await c.advance(4_000);
    const synced = await stage();
    expect(synced.state).toBe('Differential Sync');
    expect(synced.rpoSeconds).toBeGreaterThanOrEqual(15);
    expect(synced.pairs).toHaveLength(vm.disks.length);
    const pairs = await c.call('GET', `${im}/pairs?server=${vm.name}&state=Differential%20Sync`);
    expect(pairs.body.items).toHaveLength(vm.disks.length);
  });

  it('a stuck fault on plan creation leaves the pairs in Resyncing (Step I) at 0 %', async () => {
    const seeded = await c.scenario({ tenants: [{ id: 'northwind', vms: 1, managementVms: 0 }], protected: false, agentsInstalled: true });
    const [vm] = seeded.body.tenants[0].vms;
    const ps = (await c.call('POST', `${im}/control-servers`, { name: 'nw-ps-1', role: 'ps' })).body.id;
    const mt = (await c.call('POST', `${im}/control-servers`, { name: 'nw-mt-1', role: 'mt' })).body.id;
    await c.call('POST', '/_sim/faults', { system: 'inmage', op: 'createPlan', rate: 1, times: 1, stuck: true });
    expect((await c.call('POST', `${im}/protection-plans`, { name: 'pp', masterTargetId: mt, processServerId: ps, servers: [vm.name] })).status).toBe(201);
    await c.advance(48 * HOUR);
    const protection = (await c.call('GET', `${im}/servers/${vm.name}`)).body.protection;
    expect(protection).toEqual(expect.objectContaining({ state: 'Resyncing (Step I)', resyncProgressPercentage: 0 }));
    const rec = await c.call('POST', `${im}/servers/${vm.name}/recover`, {});
    expect(rec.status).toBe(422);
    expect(rec.body.error.code).toBe('NOT_IN_DIFFERENTIAL_SYNC');
  });

  it('keeps application and file-system tags on a moving retention window', async () => {
    await c.scenario({ tenants: [{ id: 'northwind', vms: 3, managementVms: 0 }], retentionHours: 6 });
    const tags = async (): Promise<Json> => (await c.call('GET', `${im}/servers/nw-db-1/tags?limit=1000`)).body;
    const before = await tags();
    expect(before.volumes.length).toBeGreaterThanOrEqual(3);
    for (const v of before.volumes) {
      const start = Date.parse(v.retentionWindowStart);
      const end = Date.parse(v.latestTime);
      expect(end - start).toBeLessThanOrEqual(6 * HOUR);
      expect(end - start).toBeGreaterThan(5 * HOUR);
      const app = v.tags.filter((t: Json) => t.type === 'application');
      const fs = v.tags.filter((t: Json) => t.type === 'filesystem');
      expect(app.length).toBeGreaterThanOrEqual(23);
      expect(fs.length).toBeGreaterThan(app.length);
      for (const t of v.tags) {
        const at = Date.parse(t.time);
        expect(at).toBeGreaterThanOrEqual(start);
        expect(at).toBeLessThanOrEqual(end);
      }
    }
    const oldest = before.volumes[0].tags.filter((t: Json) => t.type === 'application').at(-1);
    await c.advance(2 * HOUR);
    const after = await tags();
    expect(after.volumes[0].tags.map((t: Json) => t.name)).not.toContain(oldest.name);
    expect(Date.parse(after.common.latestTime)).toBeGreaterThan(Date.parse(before.common.latestTime));
    expect(after.common.latestApplicationTag).not.toBe(before.common.latestApplicationTag);
  });

  it('accepts a recovery at once and takes the recovery time in its job, not in the answer as well', async () => {
    await c.call('PUT', '/_sim/latency', { timeScale: 0.01 }); // recover: 5 min real → 3 s
    const seeded = await c.scenario({ tenants: [{ id: 'northwind', vms: 1, managementVms: 0 }] });
    const [vm] = seeded.body.tenants[0].vms;
    const rec = await c.call('POST', `${im}/servers/${vm.name}/recover`, {});
    expect(rec.status).toBe(202);
    expect(rec.body.job.state).toBe('Running');
    const [entry] = await c.ops({ op: 'inmage.recover', outcome: 'ok' });
    expect(Date.parse(entry.finishedAt as string) - Date.parse(entry.startedAt as string)).toBeLessThan(3_000);
    await c.advance(3_000);
    expect((await c.call('GET', `/inmage/api/v1/jobs/${rec.body.job.id}`)).body.state).toBe('Completed');
  });

  it('recovers to the latest common application tag with new IPs and powers on', async () => {
    await c.scenario({ tenants: [{ id: 'northwind', vms: 3, managementVms: 0 }] });
    const tags = (await c.call('GET', `${im}/servers/nw-db-1/tags`)).body;
    const rec = await c.call('POST', `${im}/servers/nw-db-1/recover`, {
      recoveryPoint: { type: 'latestTag', tagType: 'application' },
      nics: [{ ip: '10.128.0.20', prefixLength: 24, gateway: '10.128.0.1' }],
      powerOn: true,
    });
    expect(rec.status).toBe(202);
    expect(rec.headers.get('location')).toMatch(/\/inmage\/api\/v1\/jobs\//);
    expect(rec.body.recoveryPoint.tag).toBe(tags.common.latestApplicationTag);
    expect(rec.body.job.state).toBe('Running');
    await c.advance(1);
    const job = (await c.call('GET', `/inmage/api/v1/jobs/${rec.body.job.id}`)).body;
    expect(job.state).toBe('Completed');
    expect(job.result.poweredOn).toBe(true);
    const vm = (await c.call('GET', `/compute/api/vcenter/vm/${job.result.vmId}`)).body;
    expect(vm).toEqual(expect.objectContaining({ name: 'nw-db-1', site: 'dr-1', power_state: 'POWERED_ON' }));
    expect(vm.nics[0].ip_address).toBe('10.128.0.20');
    expect((await c.call('GET', `/compute/api/vcenter/vm/${job.result.vmId}/guest/heartbeat`)).body.status).toBe('GREEN');
    const server = (await c.call('GET', `${im}/servers/nw-db-1`)).body;
    expect(server.protection.state).toBe('Recovered');
    const again = await c.call('POST', `${im}/servers/nw-db-1/recover`, {});
    expect(again.status).toBe(409);
    expect((await c.ops({ op: 'inmage.recover', outcome: 'ok' })).map((o) => o.target)).toEqual(['nw-db-1']);
  });

  it('resolves Latest Time, Tag at Specified Time and Specific Time, and refuses points outside the window', async () => {
    await c.scenario({ tenants: [{ id: 'northwind', vms: 4, managementVms: 0 }], retentionHours: 24 });
    const common = (await c.call('GET', `${im}/servers/nw-app-1/tags`)).body.common;
    const latest = Date.parse(common.latestTime);
    const r1 = await c.call('POST', `${im}/servers/nw-app-1/recover`, { recoveryPoint: { type: 'tagBefore', time: new Date(latest - 2 * HOUR).toISOString() } });
    expect(r1.status).toBe(202);
    expect(Date.parse(r1.body.recoveryPoint.time)).toBeLessThanOrEqual(latest - 2 * HOUR);
    expect(r1.body.recoveryPoint.tag).toMatch(/^APP-/);
    const out = await c.call('POST', `${im}/servers/nw-app-2/recover`, { recoveryPoint: { type: 'specificTime', time: new Date(latest - 30 * HOUR).toISOString() } });
    expect(out.status).toBe(422);
    expect(out.body.error.code).toBe('OUTSIDE_RETENTION_WINDOW');
    const inWindow = new Date(latest - 3 * HOUR).toISOString();
    const r2 = await c.call('POST', `${im}/servers/nw-app-2/recover`, { recoveryPoint: { type: 'specificTime', time: inWindow } });
    expect(r2.status).toBe(202);
    expect(r2.body.recoveryPoint).toEqual(expect.objectContaining({ type: 'specificTime', time: inWindow, tag: null }));
    const seen = Date.parse((await c.call('GET', `${im}/servers/nw-db-1/tags`)).body.common.latestTime);
    const r3 = await c.call('POST', `${im}/servers/nw-db-1/recover`, { recoveryPoint: { type: 'latestTime' } });
    expect(Date.parse(r3.body.recoveryPoint.time)).toBeGreaterThanOrEqual(seen);
    const bad = await c.call('POST', `${im}/servers/nw-web-1/recover`, { recoveryPoint: { type: 'yesterday' } });
    expect(bad.status).toBe(400);
  });

  it('a failed primary site stops the recovery points from advancing', async () => {
    await c.scenario({ tenants: [{ id: 'northwind', vms: 2, managementVms: 0 }] });
    expect((await c.call('POST', '/_sim/sites/northwind-dc/fail')).status).toBe(200);
    const frozen = (await c.call('GET', `${im}/servers/nw-web-1/tags`)).body.common;
    await c.advance(3 * HOUR);
    const later = (await c.call('GET', `${im}/servers/nw-web-1/tags`)).body.common;
    expect(later.latestTime).toBe(frozen.latestTime);
    expect(later.latestApplicationTag).toBe(frozen.latestApplicationTag);
    const rpo = (await c.call('GET', `${im}/servers/nw-web-1`)).body.protection.rpoSeconds;
    expect(rpo).toBeGreaterThanOrEqual(3 * 3600);
  });

  it('takes a DR-drill snapshot into a separate VM without touching protection, and cleans it up', async () => {
    await c.scenario({ tenants: [{ id: 'northwind', vms: 2, managementVms: 0 }] });
    const d = await c.call('POST', `${im}/servers/nw-web-1/drill-snapshots`, { recoveryPoint: { type: 'latestTag' }, nics: [{ ip: '192.0.2.10' }] });
    expect(d.status).toBe(202);
    await c.advance(1);
    const job = (await c.call('GET', `/inmage/api/v1/jobs/${d.body.job.id}`)).body;
    expect(job.result.vmName).toBe('nw-web-1-drill');
    expect((await c.call('GET', `${im}/servers/nw-web-1`)).body.protection.state).toBe('Differential Sync');
    expect((await c.ops({ op: 'inmage.drillSnapshot' }))[0]).toEqual(expect.objectContaining({ outcome: 'ok', target: 'nw-web-1' }));
    const del = await c.call('DELETE', `${im}/drill-snapshots/${d.body.snapshot.id}`);
    expect(del.status).toBe(202);
    await c.advance(1);
    const state = (await c.call('GET', '/_sim/state?tenant=northwind')).body;
    expect(state.compute.vms.map((v: Json) => v.name)).not.toContain('nw-web-1-drill');
    expect(state.inmage.drillSnapshots).toEqual([]);
  });

  it('answers a second delete of a drill snapshot being deleted with 409 ALREADY_IN_DESIRED_STATE', async () => {
    await c.scenario({ tenants: [{ id: 'northwind', vms: 1, managementVms: 0 }] });
    const d = await c.call('POST', `${im}/servers/nw-web-1/drill-snapshots`, { recoveryPoint: { type: 'latestTag' }, nics: [{ ip: '192.0.2.10' }] });
    await c.advance(1);
    expect((await c.call('POST', '/_sim/faults', { system: 'inmage', op: 'deleteDrillSnapshot', stuck: true, times: 1 })).status).toBe(201);
    const first = await c.call('DELETE', `${im}/drill-snapshots/${d.body.snapshot.id}`);
    expect(first.status).toBe(202);
    const again = await c.call('DELETE', `${im}/drill-snapshots/${d.body.snapshot.id}`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('ALREADY_IN_DESIRED_STATE');
  });

  it('fails back: failback protection, recovery at the primary, then resume protection', async () => {
    await c.scenario({ tenants: [{ id: 'northwind', vms: 1, managementVms: 0 }] });
    const rec = await c.call('POST', `${im}/servers/nw-web-1/recover`, { recoveryPoint: { type: 'latestTime' } });
    await c.advance(1);
    expect((await c.call('GET', `/inmage/api/v1/jobs/${rec.body.job.id}`)).body.state).toBe('Completed');
    const ps = (await c.call('POST', `${im}/control-servers`, { name: 'nw-ps-dr', role: 'ps', site: 'dr-1' })).body.id;
    const mt = (await c.call('POST', `${im}/control-servers`, { name: 'nw-mt-pri', role: 'mt', site: 'northwind-dc' })).body.id;
    const fb = await c.call('POST', `${im}/failback-plans`, { name: 'nw-fb', masterTargetId: mt, processServerId: ps, servers: ['nw-web-1'] });
    expect(fb.status).toBe(201);
    await c.advance(1);
    expect((await c.call('GET', `${im}/servers/nw-web-1`)).body.failbackProtection.state).toBe('Differential Sync');
    const primaryVm = await c.vmId('northwind', 'nw-web-1', 'northwind-dc');
    await c.call('POST', `/compute/api/vcenter/vm/${primaryVm}/power/stop`);
    const back = await c.call('POST', `${im}/servers/nw-web-1/recover`, { direction: 'failback', recoveryPoint: { type: 'latestTime' } });
    expect(back.status).toBe(202);
    expect(back.body.site).toBe('northwind-dc');
    await c.advance(1);
    expect((await c.call('GET', `/inmage/api/v1/jobs/${back.body.job.id}`)).body.state).toBe('Completed');
    const resume = await c.call('POST', `${im}/servers/nw-web-1/resume-protection`, { fastResync: true });
    expect(resume.status).toBe(200);
    await c.advance(1);
    const server = (await c.call('GET', `${im}/servers/nw-web-1`)).body;
    expect(server.protection.state).toBe('Differential Sync');
    expect(server.failbackProtection).toBeNull();
    expect(server.recovered).toBeNull();
  });
});
