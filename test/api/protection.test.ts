import { DIALECTS } from '../support/databases';
import { seedEstate, startTestApp, tokenFor, type Estate, type TestApp } from '../support/api';

/** `GET /v1/tenants/{id}/protection` before any watch has sampled, its input checks and who may read it. */
describe.each(DIALECTS)('protection health API (%s)', (dialect) => {
  let t: TestApp;
  let a: Estate;
  let b: Estate;

  beforeAll(async () => {
    t = await startTestApp(dialect);
    a = await seedEstate(t, 'northwind');
    b = await seedEstate(t, 'contoso');
  });
  afterAll(async () => t?.close());

  it('answers a tenant never sampled: no watch, its RPO target, nothing open, no history', async () => {
    const res = await t.http.get(`/v1/tenants/${a.tenantId}/protection`).set(t.auth()).expect(200);
    expect(res.body).toEqual({
      tenantId: a.tenantId, tenant: 'northwind', watch: 'not-started', tenantState: 'registered', rpoSeconds: 900, sampledAt: null,
      worst: null, vms: [], readiness: null, openBreaches: [], history: { samples: [], breaches: [] },
    });
  });

  it('refuses a bad history size naming the field, and an unknown tenant', async () => {
    const bad = await t.http.get(`/v1/tenants/${a.tenantId}/protection?samples=0`).set(t.auth()).expect(400);
    expect(JSON.stringify(bad.body)).toMatch(/samples/);
    await t.http.get(`/v1/tenants/${a.tenantId}/protection?samples=1001`).set(t.auth()).expect(400);
    await t.http.get('/v1/tenants/00000000-0000-4000-8000-000000000000/protection').set(t.auth()).expect(404);
  });

  it("lets a tenant admin read its own tenant's protection, not another's", async () => {
    const admin = await tokenFor(t, 'tenant-admin', a.tenantId);
    await t.http.get(`/v1/tenants/${a.tenantId}/protection`).set(t.auth(admin)).expect(200);
    await t.http.get(`/v1/tenants/${b.tenantId}/protection`).set(t.auth(admin)).expect(404);
  });
});
