import { DataSource, In } from 'typeorm';
import { ProtectedVmEntity } from '../../infra/persistence/entities';
import { DIALECTS } from '../support/databases';
import { seedEstate, startTestApp, vm, type Estate, type TestApp } from '../support/api';

describe.each(DIALECTS)('recovery plans (%s)', (dialect) => {
  let t: TestApp;
  let e: Estate;
  const plans = () => `/v1/tenants/${e.tenantId}/recovery-plans`;

  beforeAll(async () => {
    t = await startTestApp(dialect);
    e = await seedEstate(t);
    await t.http.post(`/v1/tenants/${e.tenantId}/vms`).set(t.auth()).send({
      vms: [
        vm('ad-1', { role: 'management' }),
        vm('db-1'), vm('db-2'), vm('app-1'), vm('app-2'), vm('web-1', { critical: true }),
      ],
    }).expect(201);
    // The master targets onboarding would have chosen (read-only through the API).
    const vms = t.app.get(DataSource).getRepository(ProtectedVmEntity);
    await vms.update({ tenantId: e.tenantId, name: In(['db-1', 'db-2']) }, { masterTarget: 'mt-1' });
    await vms.update({ tenantId: e.tenantId, name: In(['app-1', 'app-2']) }, { masterTarget: 'mt-2' });
  });
  afterAll(async () => t?.close());

  const good = {
    name: 'full-site',
    groups: [
      { name: 'data', vms: ['db-1', 'db-2'], maxConcurrency: 1 },
      { name: 'apps', vms: ['app-1', 'app-2', 'web-1'], approvalRequired: true },
    ],
    dependencies: [{ vm: 'web-1', dependsOn: ['app-1', 'app-2'] }, { vm: 'app-2', dependsOn: ['app-1'] }],
    caps: { perMasterTarget: 2, perSite: 4 },
  };

  it('creates a plan, reads it back as written, lists it, previews its order and timeline', async () => {
    const created = await t.http.post(plans()).set(t.auth()).send(good).expect(201);
    expect(created.body).toMatchObject({
      name: 'full-site', revision: 1, tenantId: e.tenantId,
      groups: [
        { name: 'data', vms: ['db-1', 'db-2'], maxConcurrency: 1, approvalRequired: false },
        { name: 'apps', vms: ['app-1', 'app-2', 'web-1'], maxConcurrency: null, approvalRequired: true },
      ],
      dependencies: good.dependencies,
      caps: { perMasterTarget: 2, perSite: 4 },
    });
    await t.http.get(`/v1/recovery-plans/${created.body.id}`).set(t.auth()).expect(200, created.body);
    const list = await t.http.get(plans()).set(t.auth()).expect(200);
    expect(list.body).toEqual([expect.objectContaining({ id: created.body.id, name: 'full-site', groupCount: 2, vmCount: 5, revision: 1 })]);

    const preview = await t.http.get(`/v1/recovery-plans/${created.body.id}/preview`).set(t.auth()).expect(200);
    const { schedule, forecast } = preview.body;
    expect(schedule.stages.map((s: { group: string; vms: string[] }) => [s.group, s.vms])).toEqual([
      ['management', ['ad-1']],
      ['data', expect.arrayContaining(['db-1', 'db-2'])],
      ['apps', ['app-1', 'app-2', 'web-1']],
    ]);
    expect(schedule.stages[2].approvalRequired).toBe(true);
    expect(forecast.vms).toHaveLength(6);
    expect(forecast.estimatedMakespan).toBeGreaterThanOrEqual(forecast.lowerBound);
    const at = (name: string) => forecast.vms.find((v: { vm: string }) => v.vm === name);
    expect(at('web-1').start).toBeGreaterThanOrEqual(Math.max(at('app-1').end, at('app-2').end));
    expect(at('db-2').start).toBeGreaterThanOrEqual(at('db-1').end);
  });

  it('replaces a plan with PUT and bumps its revision', async () => {
    const created = await t.http.post(plans()).set(t.auth()).send({ ...good, name: 'to-replace' }).expect(201);
    const replaced = await t.http
      .put(`/v1/recovery-plans/${created.body.id}`)
      .set(t.auth())
      .send({ name: 'replaced', groups: [{ name: 'all', vms: ['db-1', 'app-1'] }] })
      .expect(200);
    expect(replaced.body).toMatchObject({ name: 'replaced', revision: 2, groups: [{ name: 'all', vms: ['db-1', 'app-1'] }], dependencies: [], caps: { perMasterTarget: null, perSite: null } });
    await t.http.get(`/v1/recovery-plans/${created.body.id}`).set(t.auth()).expect(200, replaced.body);
  });

  it('rejects invalid plans with 422 listing the compiler problems by name, storing nothing', async () => {
    const before = await t.counts();
    const cycle = await t.http.post(plans()).set(t.auth()).send({
      name: 'cyclic', groups: [{ name: 'g', vms: ['app-1', 'app-2', 'web-1'] }],
      dependencies: [{ vm: 'app-1', dependsOn: ['app-2'] }, { vm: 'app-2', dependsOn: ['web-1'] }, { vm: 'web-1', dependsOn: ['app-1'] }],
    }).expect(422);
    expect(cycle.body.problems.map((p: { code: string }) => p.code)).toContain('cycle');
    const cycleItems = cycle.body.problems.find((p: { code: string }) => p.code === 'cycle').items;
    expect(cycleItems).toEqual(expect.arrayContaining(['app-1', 'app-2', 'web-1']));
    expect(cycle.body.message.join()).toMatch(/app-1/);

    const twice = await t.http.post(plans()).set(t.auth()).send({ name: 'twice', groups: [{ name: 'a', vms: ['db-1'] }, { name: 'b', vms: ['db-1'] }] }).expect(422);
    expect(twice.body.problems).toEqual([expect.objectContaining({ code: 'duplicate-vm', items: ['db-1', 'a', 'b'] })]);
    expect(twice.body.message.join()).toMatch(/db-1/);

    const unknown = await t.http.post(plans()).set(t.auth()).send({ name: 'ghost', groups: [{ name: 'a', vms: ['db-1', 'ghost-9'] }], dependencies: [{ vm: 'db-1', dependsOn: ['phantom'] }] }).expect(422);
    expect(unknown.body.problems.filter((p: { code: string }) => p.code === 'unknown-vm').map((p: { items: string[] }) => p.items[0]).sort()).toEqual(['ghost-9', 'phantom']);

    const dup = await t.http.post(plans()).set(t.auth()).send(good).expect(409);
    expect(dup.body.message).toMatch(/full-site/);
    expect(await t.counts()).toEqual(before);
  });

  it('refuses malformed plan bodies with 400 naming the field', async () => {
    const before = await t.counts();
    const cases: [unknown, RegExp][] = [
      [{ groups: [{ name: 'a', vms: ['db-1'] }] }, /name must be a string/],
      [{ name: 'x' }, /groups must be an array/],
      [{ name: 'x', groups: [{ name: 'a', vms: 'db-1' }] }, /groups\.0\.vms must be an array/],
      [{ name: 'x', groups: [{ name: 'a', vms: ['db-1'], maxConcurrency: 0 }] }, /groups\.0\.maxConcurrency must not be less than 1/],
      [{ name: 'x', groups: [{ name: 'a', vms: ['db-1'] }], dependencies: [{ vm: 'db-1' }] }, /dependencies\.0\.dependsOn must be an array/],
      [{ name: 'x', groups: [{ name: 'a', vms: ['db-1'] }], caps: { perSite: 'many' } }, /caps\.perSite must be an integer/],
      [{ name: 'x', groups: [{ name: 'a', vms: ['db-1'], wait: true }] }, /groups\.0\.property wait should not exist/],
    ];
    for (const [body, message] of cases) {
      const res = await t.http.post(plans()).set(t.auth()).send(body as object);
      expect(res.status).toBe(400);
      expect(res.body.message.join('\n')).toMatch(message);
    }
    const existing = (await t.http.get(plans()).set(t.auth()).expect(200)).body[0];
    const put = await t.http.put(`/v1/recovery-plans/${existing.id}`).set(t.auth()).send({ name: 'x', groups: [{ name: 'a', vms: ['db-1'] }, { name: 'b', vms: ['db-1'] }] }).expect(422);
    expect(put.body.message.join()).toMatch(/db-1/);
    const still = await t.http.get(`/v1/recovery-plans/${existing.id}`).set(t.auth()).expect(200);
    expect(still.body.revision).toBe(existing.revision);
    expect(await t.counts()).toEqual(before);
  });

  it('answers 404 for unknown plans and tenants', async () => {
    const none = '00000000-0000-4000-8000-000000000000';
    await t.http.get(`/v1/recovery-plans/${none}`).set(t.auth()).expect(404);
    await t.http.get(`/v1/recovery-plans/${none}/preview`).set(t.auth()).expect(404);
    await t.http.put(`/v1/recovery-plans/${none}`).set(t.auth()).send(good).expect(404);
    await t.http.post(`/v1/tenants/${none}/recovery-plans`).set(t.auth()).send(good).expect(404);
  });
});
