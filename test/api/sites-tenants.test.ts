import { DIALECTS } from '../support/databases';
import { seedEstate, startTestApp, type TestApp } from '../support/api';

describe.each(DIALECTS)('sites and tenants (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('creates, reads, lists and updates a site', async () => {
    const created = await t.http.post('/v1/sites').set(t.auth()).send({ name: 'pod-1', kind: 'dr', location: 'Ashburn', capacity: { vcpu: 64 } }).expect(201);
    expect(created.body).toMatchObject({ name: 'pod-1', kind: 'dr', location: 'Ashburn', capacity: { vcpu: 64, memoryMb: 0, storageGb: 0, masterTargetSlots: 0 } });
    const id = created.body.id;
    await t.http.get(`/v1/sites/${id}`).set(t.auth()).expect(200, created.body);
    const list = await t.http.get('/v1/sites').set(t.auth()).expect(200);
    expect(list.body.map((s: { name: string }) => s.name)).toContain('pod-1');
    const patched = await t.http.patch(`/v1/sites/${id}`).set(t.auth()).send({ capacity: { memoryMb: 1024 }, location: null }).expect(200);
    expect(patched.body).toMatchObject({ location: null, capacity: { vcpu: 64, memoryMb: 1024 } });
    await t.http.get(`/v1/sites/${id}`).set(t.auth()).expect(200, patched.body);
  });

  it('refuses bad site input with 400 naming the field, and stores nothing', async () => {
    const before = await t.counts();
    const cases: [unknown, RegExp][] = [
      [{}, /name must be a string/],
      [{ name: 'x' }, /kind must be one of: primary, dr/],
      [{ name: 'x', kind: 'dr', colour: 'red' }, /property colour should not exist/],
      [{ name: 42, kind: 'dr' }, /name must be a string/],
      [{ name: 'x', kind: 'dr', capacity: { vcpu: -1 } }, /capacity\.vcpu must not be less than 0/],
      [{ name: 'x', kind: 'dr', capacity: { vcpu: '8' } }, /capacity\.vcpu must be an integer/],
      [{ name: 'x', kind: 'dr', capacity: 5 }, /capacity must be an object/],
    ];
    for (const [body, message] of cases) {
      const res = await t.http.post('/v1/sites').set(t.auth()).send(body as object);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(res.body.message.join('\n')).toMatch(message);
    }
    expect(await t.counts()).toEqual(before);
  });

  it('answers 409 naming a duplicate site name, 404 for an unknown id and 400 for a malformed one', async () => {
    await t.http.post('/v1/sites').set(t.auth()).send({ name: 'dup-site', kind: 'primary' }).expect(201);
    const before = await t.counts();
    const res = await t.http.post('/v1/sites').set(t.auth()).send({ name: 'dup-site', kind: 'dr' }).expect(409);
    expect(res.body.message).toMatch(/dup-site/);
    await t.http.get('/v1/sites/00000000-0000-4000-8000-000000000000').set(t.auth()).expect(404);
    const bad = await t.http.get('/v1/sites/not-a-uuid').set(t.auth()).expect(400);
    expect(bad.body.message.join()).toMatch(/id must be a UUID/);
    expect(await t.counts()).toEqual(before);
  });

  it('creates a tenant in the registered state on existing sites of the right kinds', async () => {
    const e = await seedEstate(t, 'contoso');
    const tenant = await t.http.get(`/v1/tenants/${e.tenantId}`).set(t.auth()).expect(200);
    expect(tenant.body).toMatchObject({ name: 'contoso', tier: 'gold', rpoMinutes: 15, rtoMinutes: 240, state: 'registered', primarySiteId: e.primarySiteId, drSiteId: e.drSiteId });
    const patched = await t.http.patch(`/v1/tenants/${e.tenantId}`).set(t.auth()).send({ tier: 'silver', rtoMinutes: 120 }).expect(200);
    expect(patched.body).toMatchObject({ tier: 'silver', rtoMinutes: 120, state: 'registered' });
    const list = await t.http.get('/v1/tenants').set(t.auth()).expect(200);
    expect(list.body.map((x: { name: string }) => x.name)).toContain('contoso');
  });

  it('refuses tenants with missing sites, swapped site kinds, bad tiers or a state, storing nothing', async () => {
    const e = await seedEstate(t, 'fabrikam');
    const before = await t.counts();
    const base = { name: 'newco', tier: 'gold', rpoMinutes: 15, rtoMinutes: 60, primarySiteId: e.primarySiteId, drSiteId: e.drSiteId };
    const swapped = await t.http.post('/v1/tenants').set(t.auth()).send({ ...base, primarySiteId: e.drSiteId, drSiteId: e.primarySiteId }).expect(422);
    expect(swapped.body.message).toEqual([expect.stringMatching(/primarySiteId .* is a dr site/), expect.stringMatching(/drSiteId .* is a primary site/)]);
    const missing = await t.http.post('/v1/tenants').set(t.auth()).send({ ...base, drSiteId: '00000000-0000-4000-8000-000000000000' }).expect(422);
    expect(missing.body.message.join()).toMatch(/drSiteId 00000000-0000-4000-8000-000000000000 does not exist/);
    const tier = await t.http.post('/v1/tenants').set(t.auth()).send({ ...base, tier: 'platinum' }).expect(400);
    expect(tier.body.message.join()).toMatch(/tier must be one of: gold, silver, bronze, copper/);
    const state = await t.http.post('/v1/tenants').set(t.auth()).send({ ...base, state: 'protected' }).expect(400);
    expect(state.body.message.join()).toMatch(/property state should not exist/);
    const rpo = await t.http.post('/v1/tenants').set(t.auth()).send({ ...base, rpoMinutes: 0 }).expect(400);
    expect(rpo.body.message.join()).toMatch(/rpoMinutes must not be less than 1/);
    const dup = await t.http.post('/v1/tenants').set(t.auth()).send({ ...base, name: 'fabrikam' }).expect(409);
    expect(dup.body.message).toMatch(/fabrikam/);
    const patchState = await t.http.patch(`/v1/tenants/${e.tenantId}`).set(t.auth()).send({ state: 'protected' }).expect(400);
    expect(patchState.body.message.join()).toMatch(/property state should not exist/);
    expect(await t.counts()).toEqual(before);
  });

  it('refuses to delete a site that tenants use (409 naming them), deletes an unused one', async () => {
    const e = await seedEstate(t, 'tailspin');
    const before = await t.counts();
    const res = await t.http.delete(`/v1/sites/${e.drSiteId}`).set(t.auth()).expect(409);
    expect(res.body.message).toMatch(/tailspin/);
    const kind = await t.http.patch(`/v1/sites/${e.drSiteId}`).set(t.auth()).send({ kind: 'primary' }).expect(409);
    expect(kind.body.message).toMatch(/tailspin/);
    expect(await t.counts()).toEqual(before);
    const spare = await t.http.post('/v1/sites').set(t.auth()).send({ name: 'spare', kind: 'dr' }).expect(201);
    await t.http.delete(`/v1/sites/${spare.body.id}`).set(t.auth()).expect(204);
    await t.http.get(`/v1/sites/${spare.body.id}`).set(t.auth()).expect(404);
  });
});
