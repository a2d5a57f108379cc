import { hashToken } from '../../api/auth/token-secret';
import { ApiTokenRepository } from '../../infra/persistence/repositories';
import { DIALECTS } from '../support/databases';
import { seedEstate, startTestApp, tokenFor, vm, type Estate, type TestApp } from '../support/api';

describe.each(DIALECTS)('tokens, roles and tenant isolation (%s)', (dialect) => {
  let t: TestApp;
  let mine: Estate;
  let theirs: Estate;
  let tenantAdmin: string;
  let operator: string;
  let trigger: string;
  let theirPlanId: string;
  let theirVmId: string;
  let theirServiceId: string;

  beforeAll(async () => {
    t = await startTestApp(dialect);
    mine = await seedEstate(t, 'mine');
    theirs = await seedEstate(t, 'theirs');
    tenantAdmin = await tokenFor(t, 'tenant-admin', mine.tenantId);
    operator = await tokenFor(t, 'provider-operator');
    trigger = await tokenFor(t, 'trigger');
    const vms = await t.http.post(`/v1/tenants/${theirs.tenantId}/vms`).set(t.auth()).send({ vms: [vm('their-db')] }).expect(201);
    theirVmId = vms.body.items[0].id;
    const plan = await t.http.post(`/v1/tenants/${theirs.tenantId}/recovery-plans`).set(t.auth()).send({ name: 'p', groups: [{ name: 'g', vms: ['their-db'] }] }).expect(201);
    theirPlanId = plan.body.id;
    const svc = await t.http.post(`/v1/tenants/${theirs.tenantId}/management-services`).set(t.auth())
      .send({ kind: 'monitoring', name: 'itm', primaryEndpoint: 'https://itm:3661', restorePriority: 1 }).expect(201);
    theirServiceId = svc.body.id;
  });
  afterAll(async () => t?.close());

  it('answers 401 without a token, with a malformed header, or an unknown token', async () => {
    const none = await t.http.get('/v1/tenants').expect(401);
    expect(none.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    await t.http.get('/v1/tenants').set('Authorization', 'Basic abc').expect(401);
    await t.http.get('/v1/tenants').set(t.auth('ll_not-a-real-token')).expect(401);
    await t.http.post('/v1/sites').send({ name: 'x', kind: 'dr' }).expect(401);
  });

  it('creates tokens (secret shown once, stored hashed), lists them without secrets and revokes them', async () => {
    const created = await t.http.post('/v1/tokens').set(t.auth()).send({ name: 'ci-bot', role: 'provider-operator' }).expect(201);
    expect(created.body).toMatchObject({ name: 'ci-bot', role: 'provider-operator', tenantId: null, revokedAt: null });
    expect(created.body.token).toMatch(/^ll_[A-Za-z0-9_-]{40,}$/);
    await t.http.get('/v1/sites').set(t.auth(created.body.token)).expect(200);
    const stored = await t.app.get(ApiTokenRepository).findById(created.body.id);
    expect(stored?.tokenHash).toBe(hashToken(created.body.token));
    expect(JSON.stringify(stored)).not.toContain(created.body.token);

    const list = await t.http.get('/v1/tokens').set(t.auth()).expect(200);
    const listed = list.body.find((x: { id: string }) => x.id === created.body.id);
    expect(listed).toEqual({ id: created.body.id, name: 'ci-bot', role: 'provider-operator', tenantId: null, createdAt: created.body.createdAt, revokedAt: null });
    expect(JSON.stringify(list.body)).not.toContain(created.body.token);

    await t.http.delete(`/v1/tokens/${created.body.id}`).set(t.auth()).expect(204);
    await t.http.get('/v1/sites').set(t.auth(created.body.token)).expect(401);
    const after = await t.http.get('/v1/tokens').set(t.auth()).expect(200);
    expect(after.body.find((x: { id: string }) => x.id === created.body.id).revokedAt).not.toBeNull();
    await t.http.delete('/v1/tokens/00000000-0000-4000-8000-000000000000').set(t.auth()).expect(404);
  });

  it('validates token requests: role names, tenant binding', async () => {
    const before = await t.counts();
    const role = await t.http.post('/v1/tokens').set(t.auth()).send({ name: 'x', role: 'root' }).expect(400);
    expect(role.body.message.join()).toMatch(/role must be one of: provider-admin, provider-operator, tenant-admin, trigger/);
    const unbound = await t.http.post('/v1/tokens').set(t.auth()).send({ name: 'x', role: 'tenant-admin' }).expect(422);
    expect(unbound.body.message.join()).toMatch(/tenantId is required/);
    const bound = await t.http.post('/v1/tokens').set(t.auth()).send({ name: 'x', role: 'provider-operator', tenantId: mine.tenantId }).expect(422);
    expect(bound.body.message.join()).toMatch(/tenantId is only allowed/);
    const ghost = await t.http.post('/v1/tokens').set(t.auth()).send({ name: 'x', role: 'tenant-admin', tenantId: '00000000-0000-4000-8000-000000000000' }).expect(422);
    expect(ghost.body.message.join()).toMatch(/does not exist/);
    expect(await t.counts()).toEqual(before);
  });

  it('answers 403 to roles that may not act', async () => {
    const before = await t.counts();
    const op = await t.http.post('/v1/tokens').set(t.auth(operator)).send({ name: 'x', role: 'trigger' }).expect(403);
    expect(op.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
    await t.http.get('/v1/tokens').set(t.auth(operator)).expect(403);
    await t.http.post('/v1/sites').set(t.auth(operator)).send({ name: 'x', kind: 'dr' }).expect(403);
    await t.http.post('/v1/tenants').set(t.auth(operator)).send({}).expect(403);
    await t.http.get('/v1/audit-events').set(t.auth(operator)).expect(403);
    await t.http.get('/v1/tenants').set(t.auth(trigger)).expect(403);
    await t.http.get(`/v1/tenants/${mine.tenantId}`).set(t.auth(trigger)).expect(403);
    await t.http.get(`/v1/tenants/${mine.tenantId}/vms`).set(t.auth(trigger)).expect(403);
    await t.http.get('/v1/sites').set(t.auth(tenantAdmin)).expect(403);
    await t.http.post('/v1/tokens').set(t.auth(tenantAdmin)).send({ name: 'x', role: 'provider-admin' }).expect(403);
    await t.http.patch(`/v1/tenants/${mine.tenantId}`).set(t.auth(tenantAdmin)).send({ tier: 'copper' }).expect(403);
    expect(await t.counts()).toEqual(before);
    // The operator reads the whole estate and maintains tenant inventory.
    await t.http.get('/v1/tenants').set(t.auth(operator)).expect(200);
    await t.http.post(`/v1/tenants/${mine.tenantId}/vms`).set(t.auth(operator)).send({ vms: [vm('op-vm')] }).expect(201);
  });

  it('shows a tenant admin only its own tenant and answers 404 for every other tenant id', async () => {
    const list = await t.http.get('/v1/tenants').set(t.auth(tenantAdmin)).expect(200);
    expect(list.body.map((x: { id: string }) => x.id)).toEqual([mine.tenantId]);
    await t.http.get(`/v1/tenants/${mine.tenantId}`).set(t.auth(tenantAdmin)).expect(200);
    await t.http.post(`/v1/tenants/${mine.tenantId}/vms`).set(t.auth(tenantAdmin)).send({ vms: [vm('my-vm')] }).expect(201);

    const before = await t.counts();
    const other = theirs.tenantId;
    const attempts: [string, string, object?][] = [
      ['get', `/v1/tenants/${other}`],
      ['patch', `/v1/tenants/${other}`, { tier: 'copper' }],
      ['get', `/v1/tenants/${other}/vms`],
      ['get', `/v1/tenants/${other}/vms/${theirVmId}`],
      ['post', `/v1/tenants/${other}/vms`, { vms: [vm('sneaky')] }],
      ['get', `/v1/tenants/${other}/recovery-plans`],
      ['post', `/v1/tenants/${other}/recovery-plans`, { name: 'x', groups: [{ name: 'g', vms: ['their-db'] }] }],
      ['get', `/v1/recovery-plans/${theirPlanId}`],
      ['put', `/v1/recovery-plans/${theirPlanId}`, { name: 'x', groups: [{ name: 'g', vms: ['their-db'] }] }],
      ['get', `/v1/recovery-plans/${theirPlanId}/preview`],
      ['get', `/v1/tenants/${other}/ip-mappings`],
      ['put', `/v1/tenants/${other}/ip-mappings`, { subnets: [] }],
      ['get', `/v1/tenants/${other}/management-services`],
      ['post', `/v1/tenants/${other}/management-services`, { kind: 'dns', name: 'x', primaryEndpoint: 'dns:53', restorePriority: 1 }],
      ['get', `/v1/management-services/${theirServiceId}`],
      ['patch', `/v1/management-services/${theirServiceId}`, { restorePriority: 2 }],
      ['delete', `/v1/management-services/${theirServiceId}`],
      ['get', `/v1/audit-events?tenantId=${other}`],
    ];
    for (const [method, path, body] of attempts) {
      const req = (t.http as unknown as Record<string, (p: string) => import('supertest').Test>)[method](path).set(t.auth(tenantAdmin));
      const res = await (body ? req.send(body) : req);
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 404 });
    }
    expect(await t.counts()).toEqual(before);
  });

  it('appends an audit event for every write, naming who, what and when', async () => {
    const site = await t.http.post('/v1/sites').set(t.auth()).send({ name: 'audited', kind: 'dr' }).expect(201);
    const all = await t.http.get('/v1/audit-events?limit=1000').set(t.auth()).expect(200);
    const create = all.body.items.find((a: { action: string; resource: { id: string } }) => a.action === 'site.create' && a.resource.id === site.body.id);
    expect(create).toMatchObject({ actor: { tokenId: 'bootstrap', name: 'bootstrap-admin', role: 'provider-admin' }, resource: { type: 'site' }, details: { name: 'audited', kind: 'dr' } });
    expect(Date.now() - Date.parse(create.at)).toBeLessThan(60_000);

    const actions = all.body.items.map((a: { action: string }) => a.action);
    for (const action of ['tenant.create', 'token.create', 'token.revoke', 'vm.import', 'recovery-plan.create', 'management-service.create']) {
      expect(actions).toContain(action);
    }
    const before = all.body.total;
    await t.http.post('/v1/sites').set(t.auth()).send({ name: 'audited', kind: 'dr' }).expect(409);
    expect((await t.http.get('/v1/audit-events').set(t.auth()).expect(200)).body.total).toBe(before);

    const mineOnly = await t.http.get(`/v1/audit-events?tenantId=${mine.tenantId}`).set(t.auth()).expect(200);
    expect(mineOnly.body.items.length).toBeGreaterThan(0);
    expect(mineOnly.body.items.every((a: { tenantId: string }) => a.tenantId === mine.tenantId)).toBe(true);
    const tenantView = await t.http.get('/v1/audit-events').set(t.auth(tenantAdmin)).expect(200);
    expect(tenantView.body.items.every((a: { tenantId: string }) => a.tenantId === mine.tenantId)).toBe(true);
    expect(tenantView.body.items.some((a: { actor: { role: string } }) => a.actor.role === 'tenant-admin')).toBe(true);
  });
});
