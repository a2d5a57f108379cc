import { DIALECTS } from '../support/databases';
import { startTestApp, tokenFor, type TestApp } from '../support/api';

/** A DR site's container-approval policy (the onboarding's approval gate) through the API, on both dialects. */
describe.each(DIALECTS)('DR site approval policy (%s)', (dialect) => {
  let t: TestApp;
  let drSite: string;
  let primarySite: string;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    drSite = (await t.http.post('/v1/sites').set(t.auth()).send({ name: `policy-dr-${dialect}`, kind: 'dr' }).expect(201)).body.id;
    primarySite = (await t.http.post('/v1/sites').set(t.auth()).send({ name: `policy-dc-${dialect}`, kind: 'primary' }).expect(201)).body.id;
  });
  afterAll(async () => t?.close());

  it('answers the default until the site has its own, then the site policy; the change is audited', async () => {
    const before = await t.http.get(`/v1/sites/${drSite}/approval-policy`).set(t.auth()).expect(200);
    expect(before.body).toEqual({ siteId: drSite, source: 'default', autoApproveContainers: false, approvalReminderSeconds: 14_400, approvalEscalationSeconds: 86_400, updatedAt: null });

    const policy = { autoApproveContainers: true, approvalReminderSeconds: 600, approvalEscalationSeconds: 3_600 };
    const set = await t.http.put(`/v1/sites/${drSite}/approval-policy`).set(t.auth()).send(policy).expect(200);
    expect(set.body).toMatchObject({ siteId: drSite, source: 'site', ...policy });
    await t.http.get(`/v1/sites/${drSite}/approval-policy`).set(t.auth()).expect(200, set.body);

    const replaced = await t.http.put(`/v1/sites/${drSite}/approval-policy`).set(t.auth()).send({ ...policy, autoApproveContainers: false }).expect(200);
    expect(replaced.body.autoApproveContainers).toBe(false);
    expect((await t.http.get(`/v1/sites/${drSite}/approval-policy`).set(t.auth()).expect(200)).body.autoApproveContainers).toBe(false);

    const audit = await t.http.get('/v1/audit-events?limit=1000').set(t.auth()).expect(200);
    const events = audit.body.items.filter((a: { action: string; resource: { id: string } }) => a.action === 'site.approval-policy.set' && a.resource.id === drSite);
    expect(events).toHaveLength(2);
  });

  it('refuses bad input with a 4xx naming the field, and stores nothing', async () => {
    const before = await t.counts();
    const policyBefore = (await t.http.get(`/v1/sites/${drSite}/approval-policy`).set(t.auth()).expect(200)).body;
    const cases: [string, unknown, number, RegExp][] = [
      [drSite, {}, 400, /autoApproveContainers must be a boolean value/],
      [drSite, { autoApproveContainers: 'yes', approvalReminderSeconds: 600, approvalEscalationSeconds: 600 }, 400, /autoApproveContainers must be a boolean value/],
      [drSite, { autoApproveContainers: true, approvalReminderSeconds: 10, approvalEscalationSeconds: 600 }, 400, /approvalReminderSeconds must not be less than 60/],
      [drSite, { autoApproveContainers: true, approvalReminderSeconds: 600, approvalEscalationSeconds: 1.5 }, 400, /approvalEscalationSeconds must be an integer/],
      [drSite, { autoApproveContainers: true, approvalReminderSeconds: 600, approvalEscalationSeconds: 600, colour: 'red' }, 400, /property colour should not exist/],
      [drSite, { autoApproveContainers: true, approvalReminderSeconds: 7_200, approvalEscalationSeconds: 3_600 }, 422, /approvalEscalationSeconds \(3600\) must not be less than approvalReminderSeconds \(7200\)/],
      [primarySite, { autoApproveContainers: true, approvalReminderSeconds: 600, approvalEscalationSeconds: 600 }, 422, /is a primary site; container approval is a DR-site policy/],
      ['00000000-0000-4000-8000-000000000000', { autoApproveContainers: true, approvalReminderSeconds: 600, approvalEscalationSeconds: 600 }, 404, /not found/],
    ];
    for (const [site, body, status, message] of cases) {
      const res = await t.http.put(`/v1/sites/${site}/approval-policy`).set(t.auth()).send(body as object);
      expect(res.status).toBe(status);
      const text = Array.isArray(res.body.message) ? res.body.message.join('\n') : String(res.body.message);
      expect(text).toMatch(message);
    }
    expect(await t.counts()).toEqual(before);
    await t.http.get(`/v1/sites/${drSite}/approval-policy`).set(t.auth()).expect(200, policyBefore);
  });

  it('lets operators read the policy but only admins change it', async () => {
    const operator = await tokenFor(t, 'provider-operator');
    await t.http.get(`/v1/sites/${drSite}/approval-policy`).set(t.auth(operator)).expect(200);
    await t.http.put(`/v1/sites/${drSite}/approval-policy`).set(t.auth(operator)).send({ autoApproveContainers: true, approvalReminderSeconds: 600, approvalEscalationSeconds: 600 }).expect(403);
  });

  it('deletes a DR site together with its policy', async () => {
    const site = (await t.http.post('/v1/sites').set(t.auth()).send({ name: `policy-gone-${dialect}`, kind: 'dr' }).expect(201)).body.id;
    await t.http.put(`/v1/sites/${site}/approval-policy`).set(t.auth()).send({ autoApproveContainers: true, approvalReminderSeconds: 600, approvalEscalationSeconds: 600 }).expect(200);
    await t.http.delete(`/v1/sites/${site}`).set(t.auth()).expect(204);
    await t.http.get(`/v1/sites/${site}/approval-policy`).set(t.auth()).expect(404);
  });
});
