import { WorkflowNotFoundError } from '@temporalio/client';
import { signWebhook } from '../../api/declarations/webhook-signature';
import { declarationWorkflowId } from '../../workflows/declaration-contracts';
import { tokenFor } from '../support/api';
import { startDrEstate, type DrEstate } from '../support/dr-estate';

const TENANTS = [
  { id: 'northwind', tier: 'Gold' as const },
  { id: 'contoso', tier: 'Silver' as const },
  { id: 'fabrikam', tier: 'Bronze' as const },
  { id: 'tailspin', tier: 'Copper' as const },
];
const SECRET = 'nagios-east-secret-0123456789';
const AUTO = { mode: 'auto', sources: 3, windowSeconds: 300, approver: 'provider', reminderSeconds: 3600, escalationSeconds: 7200 };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Declaration = any;

/** Each tenant on its own primary site: declarations name tenants, each decided by the tenant's policy. */
describe('declaration policies', () => {
  let e: DrEstate;
  let trigger: string;
  const tenant = (n: string) => e.tenants.find((t) => t.name === n)!;

  beforeAll(async () => {
    e = await startDrEstate('declaration-policy', { tenants: TENANTS, vmsPerTenant: 1, managementVmsPerTenant: 1 }, {
      app: { declarations: { webhookSecrets: { 'nagios-east': SECRET }, alertmanagerRules: [] } },
    });
    trigger = await tokenFor(e.t, 'trigger');
  });
  afterAll(async () => e?.close());

  const alert = async (name: string, source: string, status: 'firing' | 'resolved' = 'firing'): Promise<string> =>
    (await e.t.http.post('/v1/declarations').set(e.t.auth(trigger)).send({ tenantIds: [tenant(name).id], source, severity: 'critical', reason: `${source} sees ${name} down`, status }).expect(202)).body.declarationId;
  const get = async (id: string): Promise<Declaration> => (await e.t.http.get(`/v1/declarations/${id}`).set(e.t.auth()).expect(200)).body;
  const until = async (id: string, done: (d: Declaration) => boolean): Promise<Declaration> => {
    for (let i = 0; i < 600; i++) {
      const d = await get(id);
      if (done(d)) return d;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`declaration never got there: ${JSON.stringify(await get(id)).slice(0, 2000)}`);
  };
  const failovers = async (name: string) =>
    (await e.t.http.get(`/v1/operations?kind=failover&tenantId=${tenant(name).id}`).set(e.t.auth()).expect(200)).body.items as { id: string }[];
  const audit = async (action: string) =>
    ((await e.t.http.get('/v1/audit-events?limit=1000').set(e.t.auth()).expect(200)).body.items as { action: string; details: Record<string, unknown> }[]).filter((a) => a.action === action);

  it('auto with N = 3: two sources do not declare, the third does', async () => {
    await e.t.http.put(`/v1/tenants/${tenant('northwind').id}/declaration-policy`).set(e.t.auth()).send(AUTO).expect(200);
    const id = await alert('northwind', 'nagios');
    expect(await alert('northwind', 'zabbix')).toBe(id);
    expect(await alert('northwind', 'nagios')).toBe(id);
    const two = await until(id, (d) => d.alertCount === 3 && d.policy !== null);
    expect(two).toMatchObject({ status: 'open', decision: null, corroboratingSources: ['nagios', 'zabbix'] });
    expect(await failovers('northwind')).toEqual([]);

    expect(await alert('northwind', 'pingdom')).toBe(id);
    const declared = await until(id, (d) => d.tenants[0].operationStatus === 'completed');
    expect(declared.decision).toMatchObject({ outcome: 'declared', by: 'policy auto' });
    expect(declared.tenants[0]).toMatchObject({ name: 'northwind', status: 'failing-over' });
    expect((await failovers('northwind')).map((o) => o.id)).toEqual([declared.tenants[0].operationId]);
  });

  it('an all-clear before the third source closes the incident and starts nothing', async () => {
    await e.t.http.put(`/v1/tenants/${tenant('contoso').id}/declaration-policy`).set(e.t.auth()).send(AUTO).expect(200);
    const id = await alert('contoso', 'nagios');
    await alert('contoso', 'zabbix');
    await alert('contoso', 'nagios', 'resolved');
    expect(await alert('contoso', 'zabbix', 'resolved')).toBe(id);
    const closed = await until(id, (d) => d.status === 'closed');
    expect(closed.decision).toMatchObject({ outcome: 'all-clear', by: 'sources nagios, zabbix' });
    expect(closed.tenants[0]).toMatchObject({ status: 'cancelled' });

    // The third source alone opens a new incident, which one source does not declare; an operator closes it.
    const next = await alert('contoso', 'pingdom');
    expect(next).not.toBe(id);
    await until(next, (d) => d.alertCount === 1);
    await e.t.http.post(`/v1/declarations/${next}/all-clear`).set(e.t.auth()).send({ comment: 'power restored' }).expect(200);
    expect((await until(next, (d) => d.status === 'closed')).decision).toMatchObject({ outcome: 'all-clear', reason: 'power restored' });
    expect(await failovers('contoso')).toEqual([]);
    expect(await e.estate.control.ops({ tenant: 'contoso', system: 'inmage', op: 'recover' })).toEqual([]);
    expect((await audit('declaration.all-clear')).length).toBeGreaterThanOrEqual(2);
  });

  it('confirm reminds and escalates when nobody approves in time', async () => {
    const confirm = { ...AUTO, mode: 'confirm', reminderSeconds: 1, escalationSeconds: 2 };
    await e.t.http.put(`/v1/tenants/${tenant('fabrikam').id}/declaration-policy`).set(e.t.auth()).send(confirm).expect(200);
    const id = await alert('fabrikam', 'nagios');
    const escalated = await until(id, (d) => d.escalatedAt !== null);
    expect(escalated).toMatchObject({ status: 'awaiting-approval', decision: null });
    expect(escalated.reminderAt).not.toBeNull();
    expect(escalated.waitingFor).toMatch(/\(escalated\)$/);
    const tickets = ((await e.estate.control.state()) as { mgmt: { tickets: { correlationId?: string; severity: number; summary: string }[] } }).mgmt.tickets;
    expect(tickets.filter((t) => t.correlationId === id)).toEqual([expect.objectContaining({ severity: 1, summary: expect.stringMatching(/^Escalated: /) })]);
    expect((await audit('declaration.approval-reminder')).length).toBe(1);
    expect((await audit('declaration.approval-escalated')).length).toBe(1);
    expect(await failovers('fabrikam')).toEqual([]);
    await e.t.http.post(`/v1/declarations/${id}/all-clear`).set(e.t.auth()).send({}).expect(200);
  });

  it('a tenant admin declares for its own tenant only', async () => {
    const contosoAdmin = await tokenFor(e.t, 'tenant-admin', tenant('contoso').id);
    const body = { source: 'contoso-desk', severity: 'critical', reason: 'we lost the site' };
    await e.t.http.post('/v1/declarations').set(e.t.auth(contosoAdmin)).send({ ...body, tenantIds: [tenant('tailspin').id] }).expect(403);
    await e.t.http.post('/v1/declarations').set(e.t.auth(contosoAdmin)).send({ ...body, siteId: tenant('tailspin').primarySiteId }).expect(403);
    expect((await audit('declaration.refused')).filter((a) => a.details.reason === 'a tenant admin declares for its own tenant only')).toHaveLength(2);
    const scope = declarationWorkflowId({ kind: 'tenants', tenantIds: [tenant('tailspin').id] });
    await expect(e.tw.client.workflow.getHandle(scope).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  it('a replayed or badly signed webhook gets 401, is recorded and starts nothing; a signed one is accepted', async () => {
    const body = JSON.stringify({ tenantIds: [tenant('tailspin').id], source: 'nagios-east', severity: 'critical', reason: 'tailspin unreachable' });
    const post = (timestamp: number, signature: string) => e.t.http.post('/v1/declarations').set({
      'content-type': 'application/json', 'x-lifeline-source': 'nagios-east', 'x-lifeline-timestamp': String(timestamp), 'x-lifeline-signature': signature,
    }).send(body);
    const old = Math.floor(Date.now() / 1000) - 600;
    const replay = await post(old, signWebhook(SECRET, old, body)).expect(401);
    expect(replay.body.message).toMatch(/replay/);
    const now = Math.floor(Date.now() / 1000);
    await post(now, signWebhook('not-the-secret-0123456789', now, body)).expect(401);
    const refused = (await audit('declaration.refused')).filter((a) => String(a.details.reason).match(/replay|signature does not match/));
    expect(refused).toHaveLength(2);
    const scope = declarationWorkflowId({ kind: 'tenants', tenantIds: [tenant('tailspin').id] });
    await expect(e.tw.client.workflow.getHandle(scope).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);

    const accepted = await post(now, signWebhook(SECRET, now, body)).expect(202);
    const d = await until(accepted.body.declarationId, (x) => x.alertCount === 1);
    expect(d.alerts).toEqual([expect.objectContaining({ source: 'nagios-east', via: 'webhook', by: 'webhook:nagios-east' })]);
    await e.t.http.post(`/v1/declarations/${d.id}/all-clear`).set(e.t.auth()).send({}).expect(200);
  });
});
