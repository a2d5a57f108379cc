import { DIALECTS } from '../support/databases';
import { seedEstate, startTestApp, tokenFor, type Estate, type TestApp } from '../support/api';

/** Bad operation requests as a new user would send them: each a clear 4xx, and nothing written. */
describe.each(DIALECTS)('operations: bad input (%s)', (dialect) => {
  let t: TestApp;
  let e: Estate;
  let other: Estate;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    e = await seedEstate(t, 'northwind');
    other = await seedEstate(t, 'contoso');
  });
  afterAll(async () => t?.close());

  const start = (body: unknown, token?: string) => t.http.post('/v1/operations').set(t.auth(token)).send(body as object);

  it('names missing, unknown and mistyped fields', async () => {
    const before = await t.counts();
    const missing = await start({ kind: 'onboarding' }).expect(400);
    expect(missing.body.message).toEqual(expect.arrayContaining([expect.stringContaining('tenantId')]));
    const unknown = await start({ kind: 'onboarding', tenantId: e.tenantId, colour: 'red' }).expect(400);
    expect(unknown.body.message).toEqual(expect.arrayContaining(['property colour should not exist']));
    const badKind = await start({ kind: 'teleport', tenantId: e.tenantId }).expect(400);
    expect(badKind.body.message[0]).toMatch(/^kind must be one of: onboarding, (protection-change, )?failover, failback, resume, drill/);
    const badPoint = await start({ kind: 'failover', tenantId: e.tenantId, recoveryPoint: { kind: 'tag-before' } }).expect(400);
    expect(badPoint.body.message).toEqual(expect.arrayContaining([expect.stringContaining('recoveryPoint.before must be an ISO 8601 time')]));
    await start({ kind: 'onboarding', tenantId: 'not-a-uuid' }).expect(400);
    await start('not json at all').expect(415); // supertest sends a string as a form
    expect(await t.counts()).toEqual(before);
  });

  it('answers 404 for a tenant that does not exist or that a tenant admin may not see', async () => {
    await start({ kind: 'onboarding', tenantId: '00000000-0000-4000-8000-000000000000' }).expect(404);
    const tenantAdmin = await tokenFor(t, 'tenant-admin', e.tenantId);
    const before = await t.counts();
    const res = await start({ kind: 'failover', tenantId: other.tenantId }, tenantAdmin).expect(404);
    expect(res.body.message).toBe(`tenant ${other.tenantId} not found`);
    await t.http.get('/v1/operations/onboarding:x:y').set(t.auth(tenantAdmin)).expect(404);
    expect(await t.counts()).toEqual(before);
  });

  it('refuses a role that may not start the kind, and a trigger token altogether', async () => {
    const tenantAdmin = await tokenFor(t, 'tenant-admin', e.tenantId);
    const trigger = await tokenFor(t, 'trigger');
    const forbidden = await start({ kind: 'onboarding', tenantId: e.tenantId }, tenantAdmin).expect(403);
    expect(forbidden.body.message).toBe('tenant-admin may not start onboarding');
    await start({ kind: 'onboarding', tenantId: e.tenantId }, trigger).expect(403);
  });

  it('refuses a drill type that is not one, and a drillType on another kind, naming the field', async () => {
    const before = await t.counts();
    const bad = await start({ kind: 'drill', tenantId: e.tenantId, drillType: 'tabletop' }).expect(400);
    expect(bad.body.message[0]).toMatch(/^drillType must be one of: checklist, parallel, full/);
    const misplaced = await start({ kind: 'failover', tenantId: e.tenantId, drillType: 'checklist' }).expect(422);
    expect(misplaced.body.message).toEqual(['drillType is only for kind drill, not failover']);
    expect(await t.counts()).toEqual(before);
  });

  it('answers 404 for an unknown operation and validates list filters', async () => {
    await t.http.get('/v1/operations/onboarding:nope:nope').set(t.auth()).expect(404);
    await t.http.post('/v1/operations/onboarding:nope:nope/approve').set(t.auth()).send({}).expect(404);
    const list = await t.http.get(`/v1/operations?tenantId=${e.tenantId}&status=running`).set(t.auth()).expect(200);
    expect(list.body).toMatchObject({ items: [], total: 0 });
    await t.http.get('/v1/operations?status=sleeping').set(t.auth()).expect(400);
  });
});
