import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TenantEntity } from '../../infra/persistence/entities';
import { declarationWorkflowId, parseDeclarationId } from '../../workflows/declaration-contracts';
import { tokenFor } from '../support/api';
import { startDrEstate, type DrEstate } from '../support/dr-estate';

const TENANTS = [
  { id: 'northwind', tier: 'Gold' as const },
  { id: 'contoso', tier: 'Silver' as const },
  { id: 'fabrikam', tier: 'Bronze' as const },
  { id: 'tailspin', tier: 'Copper' as const },
];
const SOURCES = ['nagios-east', 'zabbix-pod', 'prometheus-dc', 'scom', 'pingdom', 'noc-desk', 'carrier-noc'];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Declaration = any;

/**
 * A monitoring storm for one site: 300 alerts from 7 sources within 2 s, posted by a second process over
 * loopback, make one declaration and one failover per affected tenant, counted through the API, on Temporal
 * and in the simulator's ops log. A tenant on the site whose own policy asks for confirmation waits for its
 * admin's approval; a tenant already held by another operation is reported, not forced.
 */
describe('declaration storm', () => {
  let e: DrEstate;
  const byName = (n: string) => e.tenants.find((t) => t.name === n)!;

  beforeAll(async () => {
    e = await startDrEstate('declaration-storm', { tenants: TENANTS, vmsPerTenant: 2, managementVmsPerTenant: 1, sharedPrimarySite: 'pod-1' }, { app: { logLevel: 'error' } });
    await e.dataSource.manager.update(TenantEntity, { id: byName('tailspin').id }, { activeOperationId: 'failback:tailspin:earlier' });
  });
  afterAll(async () => e?.close());

  const declaration = async (id: string): Promise<Declaration> => (await e.t.http.get(`/v1/declarations/${id}`).set(e.t.auth()).expect(200)).body;
  const until = async (id: string, done: (d: Declaration) => boolean): Promise<Declaration> => {
    for (let i = 0; i < 900; i++) {
      const d = await declaration(id);
      if (done(d)) return d;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`declaration never got there: ${JSON.stringify(await declaration(id)).slice(0, 3000)}`);
  };
  const tenantOf = (d: Declaration, name: string) => d.tenants.find((t: { name: string }) => t.name === name);
  const failoversPerTenant = async () => {
    const items = (await e.t.http.get('/v1/operations?kind=failover&limit=1000').set(e.t.auth()).expect(200)).body.items as { tenantId: string }[];
    return Object.fromEntries(e.tenants.map((t) => [t.name, items.filter((o) => o.tenantId === t.id).length]));
  };
  const recoveriesPerVm = async (tenant: string) => {
    const ops = await e.estate.control.ops({ tenant, system: 'inmage', op: 'recover', outcome: 'ok' });
    const out: Record<string, number> = {};
    for (const o of ops) if (o.target) out[o.target] = (out[o.target] ?? 0) + 1;
    return out;
  };

  it('300 alerts from 7 sources make one declaration and one failover per tenant; a confirm tenant waits for its admin', async () => {
    const site = byName('northwind').primarySiteId;
    const policy = { sources: 3, windowSeconds: 300, approver: 'provider', reminderSeconds: 3600, escalationSeconds: 7200 };
    await e.t.http.put(`/v1/sites/${site}/declaration-policy`).set(e.t.auth()).send({ mode: 'auto', ...policy }).expect(200);
    await e.t.http.put(`/v1/tenants/${byName('fabrikam').id}/declaration-policy`).set(e.t.auth()).send({ mode: 'confirm', ...policy, approver: 'tenant' }).expect(200);
    const trigger = await tokenFor(e.t, 'trigger');

    // The API's Temporal connection is open before the storm, as on a running API (a first connect on a
    // starved machine can outlive its own deadline).
    await e.t.http.get('/health').expect(200);
    const storm = { url: e.apiUrl, token: trigger, siteId: site, sources: SOURCES, count: 300, spanMs: 2000 };
    const { stdout } = await promisify(execFile)(process.execPath, [join(__dirname, '../support/alert-storm.mjs')], { env: { ...process.env, STORM: JSON.stringify(storm) } });
    const sent = JSON.parse(stdout) as { statuses: Record<string, number>; ids: string[]; sentWithinMs: number; p50: number; p90: number; max: number; errors: unknown[] };
    if (process.env.STORM_DEBUG) console.log(`storm: answered within ${sent.sentWithinMs} ms; latency p50 ${sent.p50} ms, p90 ${sent.p90} ms, max ${sent.max} ms`);
    expect(sent.statuses).toEqual({ 202: 300 });
    expect(sent.ids).toHaveLength(1);
    const id = sent.ids[0];
    const ref = parseDeclarationId(id)!;
    expect(ref.workflowId).toBe(declarationWorkflowId({ kind: 'site', siteId: site }));

    // Every alert reached the one run (alerts arriving together share a signal); no other run exists under the scope's id.
    const history = await e.tw.client.workflow.getHandle(ref.workflowId, ref.runId).fetchHistory();
    const signals = history.events?.filter((ev) => ev.workflowExecutionSignaledEventAttributes).length ?? 0;
    if (process.env.STORM_DEBUG) console.log(`${signals} signals carried the 300 alerts`);
    expect(signals).toBeGreaterThan(0);
    expect(signals).toBeLessThanOrEqual(300);
    const runs = [];
    for await (const w of e.tw.client.workflow.list({ query: `WorkflowId = '${ref.workflowId}'` })) runs.push(w.runId);
    expect(runs.length).toBeLessThanOrEqual(1);

    const d = await until(id, (x) => ['northwind', 'contoso'].every((n) => tenantOf(x, n)?.operationStatus === 'completed'));
    expect(d.alertCount).toBe(300);
    expect(Object.keys(d.sources).sort()).toEqual([...SOURCES].sort());
    expect(d.decision).toMatchObject({ outcome: 'declared', by: 'policy auto' });
    expect(d.status).toBe('declared');
    expect(d.siteFailover.operationId).toMatch(/^site-failover:/);
    expect(tenantOf(d, 'fabrikam')).toMatchObject({ status: 'awaiting-approval', operationStatus: null });
    expect(tenantOf(d, 'fabrikam').operationId).toBeUndefined();
    expect(tenantOf(d, 'tailspin')).toMatchObject({ status: 'not-started', reason: 'already held by operation failback:tailspin:earlier' });
    expect(await failoversPerTenant()).toEqual({ northwind: 1, contoso: 1, fabrikam: 0, tailspin: 0 });

    // The confirm tenant: the provider may not approve for it (its contract says the tenant), its admin does.
    await e.t.http.post(`/v1/declarations/${id}/approve`).set(e.t.auth()).send({ tenantId: byName('fabrikam').id }).expect(403);
    const fabrikamAdmin = await tokenFor(e.t, 'tenant-admin', byName('fabrikam').id);
    await e.t.http.post(`/v1/declarations/${id}/approve`).set(e.t.auth(fabrikamAdmin)).send({ tenantId: byName('fabrikam').id }).expect(200);
    await e.t.http.post(`/v1/declarations/${id}/approve`).set(e.t.auth(fabrikamAdmin)).send({ tenantId: byName('fabrikam').id }).expect(409);
    const after = await until(id, (x) => tenantOf(x, 'fabrikam')?.operationStatus === 'completed');
    expect(tenantOf(after, 'fabrikam').approvedBy).toBeTruthy();

    // More alerts for the open incident merge into it and start nothing more.
    const late = await e.t.http.post('/v1/declarations').set(e.t.auth(trigger)).send({ siteId: site, source: 'scom', severity: 'critical', reason: 'still down' }).expect(202);
    expect(late.body.declarationId).toBe(id);
    expect(await failoversPerTenant()).toEqual({ northwind: 1, contoso: 1, fabrikam: 1, tailspin: 0 });
    const sites = (await e.t.http.get('/v1/operations?kind=site-failover').set(e.t.auth()).expect(200)).body.items;
    expect(sites).toHaveLength(1);
    // The estate: every VM of the three tenants recovered exactly once, none of the held tenant's.
    for (const name of ['northwind', 'contoso', 'fabrikam']) {
      const recovered = await recoveriesPerVm(name);
      expect({ name, vms: Object.keys(recovered).length, counts: [...new Set(Object.values(recovered))] }).toEqual({ name, vms: 3, counts: [1] });
    }
    expect(await recoveriesPerVm('tailspin')).toEqual({});
    const audit = (await e.t.http.get('/v1/audit-events?limit=1000').set(e.t.auth()).expect(200)).body.items as { action: string }[];
    expect(audit.filter((a) => a.action === 'declaration.alert')).toHaveLength(301);
    expect(audit.filter((a) => a.action === 'declaration.declared')).toHaveLength(1);
    expect(audit.filter((a) => a.action === 'declaration.approve')).toHaveLength(1);
    expect(audit.filter((a) => a.action === 'declaration.approval-refused')).toHaveLength(1);
  });
});
