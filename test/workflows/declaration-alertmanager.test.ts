import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../../infra/repo-root';
import { freePort } from '../../infra/temporal/dev-server';
import { declarationId, declarationWorkflowId } from '../../workflows/declaration-contracts';
import { tokenFor } from '../support/api';
import { startDrEstate, type DrEstate } from '../support/dr-estate';
import { estateDifferences } from '../support/estate-oracle';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Declaration = any;

/**
 * A real Prometheus Alertmanager (built once from the Go module proxy by infra/alertmanager/build.sh) receives
 * a site outage's alerts on its own API, groups them and routes them to Lifeline's webhook with a trigger
 * token: one declaration, declared by the site's policy, one failover per tenant of the site.
 */
describe('declarations from Alertmanager', () => {
  let e: DrEstate;
  let am: ChildProcess | undefined;
  let amUrl: string;
  let dir: string;

  beforeAll(async () => {
    const built = await promisify(execFile)('bash', [join(repoRoot(), 'infra/alertmanager/build.sh')], { timeout: 900_000 });
    const binary = built.stdout.trim().split('\n').pop() as string;
    e = await startDrEstate('declaration-am', { tenants: [{ id: 'northwind', tier: 'Gold' }, { id: 'contoso', tier: 'Silver' }], vmsPerTenant: 1, managementVmsPerTenant: 1, sharedPrimarySite: 'pod-1' }, {
      app: { declarations: { webhookSecrets: {}, alertmanagerRules: [{ match: { team: 'dr' }, siteLabel: 'site', tenantLabel: 'tenant', sourceLabel: 'probe' }] } },
    });
    const trigger = await tokenFor(e.t, 'trigger');
    dir = mkdtempSync(join(tmpdir(), 'lifeline-am-'));
    writeFileSync(join(dir, 'alertmanager.yml'), [
      'route:', '  receiver: lifeline', "  group_by: ['site']", '  group_wait: 1s', '  group_interval: 1s', '  repeat_interval: 1h',
      'receivers:', '  - name: lifeline', '    webhook_configs:', `      - url: ${e.apiUrl}/v1/declarations/alertmanager`, '        send_resolved: true',
      '        http_config:', '          authorization:', '            type: Bearer', `            credentials: ${trigger}`, '',
    ].join('\n'));
    const port = await freePort();
    amUrl = `http://127.0.0.1:${port}`;
    am = spawn(binary, [`--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='], { stdio: 'ignore' });
    for (let i = 0; i < 300; i++) {
      if ((await fetch(`${amUrl}/-/ready`).catch(() => null))?.ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('Alertmanager did not become ready');
  }, 900_000);
  afterAll(async () => {
    am?.kill();
    await e?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("routes a site outage's alerts to one declaration and one failover per tenant", async () => {
    const site = e.tenants[0].primarySiteId;
    await e.t.http.put(`/v1/sites/${site}/declaration-policy`).set(e.t.auth())
      .send({ mode: 'auto', sources: 2, windowSeconds: 300, approver: 'provider', reminderSeconds: 3600, escalationSeconds: 7200 }).expect(200);
    const alerts = ['blackbox-east', 'blackbox-west', 'snmp-core'].map((probe) => ({
      labels: { alertname: 'SiteDown', team: 'dr', site: 'pod-1', probe, severity: 'critical' },
      annotations: { summary: `${probe}: pod-1 unreachable` },
      generatorURL: `http://prometheus.example/graph?probe=${probe}`,
    }));
    // Posted twice, as Prometheus re-sends firing alerts: Alertmanager deduplicates, Lifeline merges.
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${amUrl}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
      expect(res.status).toBe(200);
    }

    const workflowId = declarationWorkflowId({ kind: 'site', siteId: site });
    let d: Declaration = null;
    for (let i = 0; i < 900 && !(d?.tenants?.length === 2 && d.tenants.every((t: { operationStatus: string }) => t.operationStatus === 'completed')); i++) {
      await new Promise((r) => setTimeout(r, 200));
      const run = await e.tw.client.workflow.getHandle(workflowId).describe().catch(() => null);
      if (run) d = (await e.t.http.get(`/v1/declarations/${declarationId(workflowId, run.runId)}`).set(e.t.auth()).expect(200)).body;
    }
    expect(d.decision).toMatchObject({ outcome: 'declared', by: 'policy auto' });
    expect(Object.keys(d.sources).sort()).toEqual(['alertmanager:blackbox-east', 'alertmanager:blackbox-west', 'alertmanager:snmp-core']);
    expect(d.alerts[0]).toMatchObject({ via: 'alertmanager', severity: 'critical', evidence: ['http://prometheus.example/graph?probe=blackbox-east'] });
    expect(d.tenants.map((t: { name: string; operationStatus: string }) => [t.name, t.operationStatus]).sort()).toEqual([['contoso', 'completed'], ['northwind', 'completed']]);
    const runs = [];
    for await (const w of e.tw.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(w.runId);
    expect(runs.length).toBeLessThanOrEqual(1);
    const failovers = (await e.t.http.get('/v1/operations?kind=failover').set(e.t.auth()).expect(200)).body.items as { tenantId: string }[];
    expect(failovers.map((f) => f.tenantId).sort()).toEqual(e.tenants.map((t) => t.id).sort());
    // The estate, not the declaration's report: each tenant's VMs were recovered once each, and the oracle finds
    // every VM at the DR site with its management services as the failover leaves them.
    for (const tenant of e.tenants) {
      const ops = await e.estate.control.ops({ tenant: tenant.name, system: 'inmage', op: 'recover', outcome: 'ok' });
      const perVm: Record<string, number> = {};
      for (const o of ops) if (o.target) perVm[o.target] = (perVm[o.target] ?? 0) + 1;
      expect({ tenant: tenant.name, vms: Object.keys(perVm).length, counts: [...new Set(Object.values(perVm))] }).toEqual({ tenant: tenant.name, vms: 2, counts: [1] });
      expect({ tenant: tenant.name, differences: await estateDifferences(e.dataSource, e.estate.control, tenant.id) }).toEqual({ tenant: tenant.name, differences: [] });
    }
  });
});
