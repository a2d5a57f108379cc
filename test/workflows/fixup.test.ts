import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../activities';
import { FixupRunEntity, ManagementMetadataSnapshotEntity, OperationEntity } from '../../infra/persistence/entities';
import { managementFixup } from '../../workflows';
import { workflowIds, type FixupInput, type FixupReport, type VmIdentityChange } from '../../workflows/contracts';
import { startEstate, type Estate, type OpEntry } from '../clients/estate-fixture';
import { estateDifferences, type OracleOptions } from '../support/estate-oracle';
import { drIp, failoverIdentities, reversed, seedFixupTenant, type SimTenantVm } from '../support/fixup-estate';
import { recordHistory } from '../support/histories';
import { openTestInventory, type TestInventory } from '../support/inventory';
import { startTestWorker, type TestWorker } from '../support/worker';

type Rec = Record<string, unknown>;

/** Simulator system (and op) → management-service kind, to read the restore order off the ops log. */
function kindOf(op: OpEntry): string {
  if (op.system === 'cmdb') return /Asset/.test(op.op) ? 'asset' : 'cmdb';
  if (op.system === 'patch') return 'patching';
  return op.system;
}

const MGMT_SYSTEMS = new Set(['dns', 'ldap', 'firewall', 'backup', 'monitoring', 'event-policy', 'patch', 'cmdb', 'ticketing', 'discovery']);

/** Every idempotency key has at most one `ok` in the ops log. */
function expectNoDuplicateEffects(ops: OpEntry[]): void {
  const okByKey = new Map<string, number>();
  for (const op of ops) if (op.outcome === 'ok' && op.idempotencyKey) okByKey.set(op.idempotencyKey, (okByKey.get(op.idempotencyKey) ?? 0) + 1);
  expect([...okByKey].filter(([, n]) => n > 1)).toEqual([]);
}

describe('managementFixup against the simulated estate', () => {
  let estate: Estate;
  let inventory: TestInventory;
  let tw: TestWorker;
  let activities: ReturnType<typeof createActivities>;
  let tenantId: string;
  let nw: SimTenantVm[];
  let identities: VmIdentityChange[];
  let captured: Record<string, Rec[]>;
  let contosoBefore: Rec[];
  let run = 0;

  const live = async () => {
    const c = estate.clients;
    return {
      agents: (await c.monitoring.listAgents({ tenant: 'northwind' })) as unknown as Rec[],
      serverMap: (await c.eventPolicy.listServerMappings({ tenant: 'northwind' })) as unknown as Rec[],
      events: (await c.eventPolicy.listEvents({ tenant: 'northwind' })) as unknown as Rec[],
      rules: (await c.firewall.listRules({ tenant: 'northwind' })) as unknown as Rec[],
      nodes: (await c.backup.listNodes({ tenant: 'northwind' })) as unknown as Rec[],
      patch: (await c.patch.listAgents({ tenant: 'northwind' })) as unknown as Rec[],
      cis: (await c.cmdb.listCis({ tenant: 'northwind' })) as unknown as Rec[],
      assets: (await c.cmdb.listAssets({ tenant: 'northwind' })) as unknown as Rec[],
      resources: (await c.ticketing.listResources({ tenant: 'northwind' })) as unknown as Rec[],
      dns: (await c.dns.listRecords('northwind.example.com')) as unknown as Rec[],
      ldap: (await c.ldap.listComputers('northwind')) as unknown as Rec[],
      ldapClients: (await c.ldap.listClients('northwind')) as unknown as Rec[],
    };
  };

  const fixup = async (input: Omit<FixupInput, 'tenantId' | 'request'>, history?: string) => {
    const requestId = `t${++run}-${Date.now()}`;
    const handle = await tw.client.workflow.start(managementFixup, {
      taskQueue: tw.taskQueue,
      workflowId: workflowIds.operation('fixup', tenantId, requestId),
      args: [{ tenantId, request: { requestedBy: 'test', requestId }, ...input } as FixupInput],
    });
    const since = await lastSeq();
    try {
      const report = await handle.result();
      if (history) await recordHistory(handle, history);
      return { report, handle, ops: await opsSince(since) };
    } catch (err) {
      return { error: err, handle, ops: await opsSince(since), report: undefined as FixupReport | undefined };
    }
  };
  /** What the estate oracle finds between the services and the captured metadata moved by the inventory's identities. */
  const oracle = (opts: OracleOptions = {}) => estateDifferences(inventory.dataSource, estate.control, tenantId, { scope: 'fixup', ...opts });
  const lastSeq = async () => (await estate.control.request<{ lastSeq: number }>('GET', '/_sim/ops?limit=1')).body.lastSeq;
  const opsSince = async (since: number) => estate.control.ops({ since: String(since) });

  beforeAll(async () => {
    estate = await startEstate();
    inventory = await openTestInventory('sqlite');
    const deps = { dataSource: inventory.dataSource, clients: estate.clients, estateEndpoints: [] };
    activities = createActivities(deps);
    tw = await startTestWorker(deps, 'fixup');
    const seeded = await estate.control.scenario({
      tenants: [
        { id: 'northwind', vms: 6, managementVms: 3 },
        { id: 'contoso', vms: 3, managementVms: 3 },
      ],
      protected: false,
      seed: 11,
    });
    nw = (seeded.tenants[0] as unknown as { vms: SimTenantVm[] }).vms;
    identities = failoverIdentities(nw);
    ({ tenantId } = await seedFixupTenant(inventory.dataSource, { name: 'northwind', primarySite: 'northwind-dc', drSite: 'dr-1', state: 'failed-over', vms: nw }));
    // Steady state: the primary-side metadata captured before the disaster.
    const capture = await activities.captureManagementMetadata({ tenantId, side: 'primary', reason: 'scheduled', captureKey: `test-${Date.now()}` });
    expect(capture).toMatchObject({ captured: true, version: 1 });
    const row = await inventory.dataSource.getRepository(ManagementMetadataSnapshotEntity).findOneByOrFail({ tenantId, version: 1 });
    captured = row.records;
    contosoBefore = (await estate.clients.monitoring.listAgents({ tenant: 'contoso' })) as unknown as Rec[];
  });

  afterEach(async () => {
    await estate.control.request('DELETE', '/_sim/faults');
  });

  afterAll(async () => {
    await tw?.stop();
    await estate?.close();
    await inventory?.close();
  });

  it('restores every service to the FIG. 10 state: each replica under its new IP at the DR servers, none left with an old one', async () => {
    // Recorded as `fixup-failover-keyed` (identities passed by key); `fixup-failover` keeps the older shape replaying.
    const { report, ops, handle } = await fixup({ direction: 'failover', identities }, 'fixup-failover-keyed');
    expect(report).toBeDefined();
    expect(report!.manageable).toBe(true);
    expect(Object.fromEntries(report!.services.map((s) => [s.kind, s.outcome]))).toEqual({
      dns: 'restored', ldap: 'restored', firewall: 'restored', backup: 'restored', monitoring: 'restored', 'event-policy': 'restored',
      patching: 'restored', cmdb: 'restored', asset: 'restored', ticketing: 'restored', discovery: 'restored',
    });
    for (const s of report!.services) for (const v of s.vms) expect(v.outcome === 'failed' ? `${s.kind} ${v.vm}: ${v.reason}` : 'ok').toBe('ok');
    // The estate oracle, from the inventory and the captured metadata alone, finds what the report says.
    expect(await oracle()).toEqual([]);

    // The expected state, computed here from the captured metadata alone.
    const oldIps = new Set(nw.map((v) => v.ip));
    const ipOf = (ip: unknown) => (oldIps.has(String(ip)) ? drIp(String(ip)) : ip);
    const evt = nw.find((v) => v.name.includes('-evt-'))!;
    const now = await live();
    const find = (list: Rec[], pred: (r: Rec) => boolean) => list.filter(pred);

    for (const a of captured['monitoring.agents']) {
      const got = find(now.agents, (r) => r.server === a.server && r.agentType === a.agentType);
      expect(got).toHaveLength(1);
      expect(got[0]).toMatchObject({ serverIp: drIp(String(a.serverIp)), monitoringServer: 'dr-1-mon-1', eventDestination: drIp(evt.ip), status: 'ONLINE', rules: a.rules });
    }
    expect(now.agents).toHaveLength(captured['monitoring.agents'].length);
    for (const m of captured['event-policy.serverMap']) {
      expect(find(now.serverMap, (r) => r.server === m.server).map((r) => r.serverIp)).toEqual([drIp(String(m.serverIp))]);
    }
    expect(now.events.filter((e) => oldIps.has(String(e.source)))).toEqual([]);
    for (const r of captured['firewall.rules']) {
      expect(find(now.rules, (x) => x.name === r.name)[0]).toMatchObject({ source: ipOf(r.source), destination: ipOf(r.destination), port: r.port });
    }
    for (const n of captured['backup.nodes']) {
      expect(find(now.nodes, (x) => x.nodeName === n.nodeName)[0]).toMatchObject({ ip: drIp(String(n.ip)), backupServer: 'dr-1-tsm-1', schedule: n.schedule });
    }
    // The day-one storage-pool backup of each re-registered node, at the DR backup server, scheduled after it.
    const schedules = await estate.clients.backup.listSchedules({ tenant: 'northwind' });
    for (const n of captured['backup.nodes']) {
      expect(schedules.filter((x) => x.node === n.nodeName).map((x) => [x.backupServer, x.kind, x.server])).toEqual([['dr-1-tsm-1', 'storage-pool', n.server]]);
      const at = (op: string) => ops.findIndex((o) => o.system === 'backup' && o.op === op && o.outcome === 'ok' && o.target === n.server);
      expect(at('scheduleBackup')).toBeGreaterThan(at('registerNode'));
    }
    expect(schedules).toHaveLength(captured['backup.nodes'].length);
    for (const p of captured['patching.agents']) {
      expect(find(now.patch, (x) => x.server === p.server)[0]).toMatchObject({ ip: drIp(String(p.ip)), patchServer: 'dr-1-tem-1', patchingEnabled: false, patchLevel: p.patchLevel });
    }
    for (const ci of captured['cmdb.cis']) expect(find(now.cis, (x) => x.name === ci.name)[0]).toMatchObject({ ip: drIp(String(ci.ip)), site: 'dr-1' });
    expect(now.cis.every((ci) => typeof ci.lastDiscoveredAt === 'string')).toBe(true);
    for (const a of captured['asset.assets']) expect(find(now.assets, (x) => x.assetTag === a.assetTag)[0]).toMatchObject({ location: 'dr-1', ciId: a.ciId });
    for (const r of captured['ticketing.resources']) expect(find(now.resources, (x) => x.server === r.server)[0]).toMatchObject({ ip: drIp(String(r.ip)), site: 'dr-1' });
    for (const d of captured['dns.records']) {
      expect(find(now.dns, (x) => x.name === d.name && x.type === d.type)[0]).toMatchObject({ values: (d.values as string[]).map((ip) => drIp(ip)) });
    }
    for (const e of captured['ldap.entries']) expect(find(now.ldap, (x) => x.cn === e.cn)[0]).toMatchObject({ ip: drIp(String(e.ip)), site: 'dr-1' });
    for (const c of captured['ldap.clients']) expect(find(now.ldapClients, (x) => x.server === c.server)[0]).toMatchObject({ ldapServer: 'dr-1-ad-1' });

    // Nothing else anywhere holds an old address.
    const flat = JSON.stringify([now.agents, now.serverMap, now.events, now.rules, now.nodes, now.patch, now.cis, now.resources, now.dns, now.ldap]);
    for (const ip of oldIps) expect(flat.includes(`"${ip}"`)).toBe(false);

    // The other tenant is untouched.
    expect(await estate.clients.monitoring.listAgents({ tenant: 'contoso' })).toEqual(contosoBefore);
    expect(ops.filter((o) => o.tenant === 'contoso')).toEqual([]);

    // Restore order: every write of a stage comes after every write of the stages before it.
    const stages = [['dns', 'ldap', 'firewall'], ['backup'], ['monitoring', 'event-policy'], ['patching'], ['cmdb', 'asset'], ['ticketing'], ['discovery']];
    const writes = ops.filter((o) => MGMT_SYSTEMS.has(o.system) && o.outcome === 'ok');
    const stageOf = (o: OpEntry) => stages.findIndex((s) => s.includes(kindOf(o)));
    const seen = writes.map(stageOf);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(new Set(seen)).toEqual(new Set(stages.map((_, i) => i)));
    expectNoDuplicateEffects(ops);
    expect(writes.every((o) => o.idempotencyKey?.startsWith(workflowIds.operation('fixup', tenantId, '')))).toBe(true);

    // History size: the identities are stored once, under the run's key; each service's activity gets the key.
    const history = await handle.fetchHistory();
    const inputs = (history.events ?? [])
      .map((e) => e.activityTaskScheduledEventAttributes)
      .filter((a) => a?.activityType?.name === 'restoreManagementService')
      .map((a) => JSON.parse(Buffer.from(a!.input!.payloads![0].data!).toString()) as { context: Rec });
    expect(inputs).toHaveLength(report!.services.length);
    const runKey = inputs[0].context.identitiesKey as string;
    expect(runKey.startsWith(`${handle.workflowId}/`)).toBe(true);
    for (const input of inputs) {
      expect(input.context).toMatchObject({ identitiesKey: runKey });
      expect(Object.keys(input.context)).not.toEqual(expect.arrayContaining(['identities']));
      expect(Object.keys(input.context)).not.toEqual(expect.arrayContaining(['vms']));
    }
    const stored = await inventory.dataSource.getRepository(FixupRunEntity).findOneByOrFail({ id: runKey });
    expect(stored).toMatchObject({ tenantId, direction: 'failover', vmCount: identities.length, identities });

    // The DR-side state is kept as the failback's merge baseline.
    const dr = await inventory.dataSource.getRepository(ManagementMetadataSnapshotEntity).findOneByOrFail({ tenantId, side: 'dr' });
    expect(dr.basedOnVersion).toBe(1);
  });

  it('a second run changes nothing (idempotent): no writes but the new discovery run', async () => {
    const before = await live();
    const { report, ops, error } = await fixup({ direction: 'failover', identities });
    expect(error ? String(((error as WorkflowFailedError).cause as ApplicationFailure)?.message) : 'ok').toBe('ok');
    expect(report!.manageable).toBe(true);
    const writes = ops.filter((o) => MGMT_SYSTEMS.has(o.system) && o.outcome === 'ok');
    expect(writes.map((o) => `${o.system}.${o.op}`)).toEqual(['discovery.runDiscovery']);
    const strip = (list: Rec[]) => list.map(({ updatedAt: _u, lastDiscoveredAt: _l, ...r }) => r);
    const after = await live();
    for (const k of Object.keys(before) as (keyof typeof before)[]) expect(strip(after[k])).toEqual(strip(before[k]));
    expect(await oracle()).toEqual([]);
  });

  it('a failing service is reported with its reason and does not hold back unrelated ones; a re-run of that service repairs it', async () => {
    // Put one node back on the primary server, then make the backup server refuse registrations.
    const node = (await estate.clients.backup.listNodes({ tenant: 'northwind' }))[0];
    await estate.clients.backup.updateNode(node.id, { backupServer: 'nw-bkp-1' }, `test-${Date.now()}`);
    await estate.control.fault({ system: 'backup', op: 'registerNode', status: 503 });
    const { error, ops, handle } = await fixup({ direction: 'failover', identities });
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const failure = (error as WorkflowFailedError).cause as ApplicationFailure;
    expect(failure.type).toBe('NotManageable');
    const report = failure.details?.[0] as FixupReport;
    const backup = report.services.find((s) => s.kind === 'backup')!;
    expect(backup.outcome).toBe('failed');
    expect(backup.error).toMatch(/503|unavailable/i);
    expect(report.services.filter((s) => s.kind !== 'backup' && s.outcome !== 'restored').map((s) => `${s.kind}: ${s.error}`)).toEqual([]);
    // Later stages still ran.
    expect(ops.some((o) => o.system === 'discovery' && o.outcome === 'ok')).toBe(true);
    const row = await inventory.dataSource.getRepository(OperationEntity).findOneByOrFail({ id: handle.workflowId });
    expect(row).toMatchObject({ kind: 'fixup', status: 'failed' });
    expect(row.error).toMatch(/not manageable: backup/);
    // The oracle agrees, and names that node only: its re-registration with the DR server was refused.
    expect(await oracle()).toEqual([`backup.nodes ${node.nodeName}: missing`]);

    await estate.control.request('DELETE', '/_sim/faults');
    const again = await fixup({ direction: 'failover', identities, services: ['backup'] });
    expect(again.report!.services.map((s) => [s.kind, s.outcome])).toEqual([['backup', 'restored']]);
    // Still one day-one backup per node at the DR server (the re-registered node already had its own there).
    const schedules = await estate.clients.backup.listSchedules({ tenant: 'northwind' });
    expect(schedules.filter((x) => x.node === node.nodeName).map((x) => x.backupServer)).toEqual(['dr-1-tsm-1']);
    expect(new Set(again.ops.filter((o) => o.outcome === 'ok').map((o) => o.system))).toEqual(new Set(['backup']));
    expectNoDuplicateEffects(await estate.control.ops());
    expect(await oracle()).toEqual([]);
  });

  it('failback restores the original identities and servers and reverse-merges the DR-period changes of this tenant only', async () => {
    const key = () => `dr-period-${Math.random().toString(36).slice(2)}`;
    const db = nw.find((v) => v.name.includes('-db-'))!;
    const web = nw.find((v) => v.name.includes('-web-'))!;
    const app = nw.find((v) => v.name.includes('-app-'))!;
    const agents = await estate.clients.monitoring.listAgents({ tenant: 'northwind' });
    const dbAgent = agents.find((a) => a.server === db.name && (a.agentType === 'LZ' || a.agentType === 'NT'))!;
    const webAgent = agents.find((a) => a.server === web.name)!;
    const newRules = [...dbAgent.rules.map((r) => (r.metric === 'cpu_busy_pct' ? { ...r, threshold: 75 } : r)), { metric: 'swap_used_pct', operator: '>', threshold: 50, severity: 'WARNING' }];
    // During the DR period: a rule modified and one added, an agent removed, a firewall rule added, and
    // another tenant's rules changed.
    await estate.clients.monitoring.setRules(dbAgent.id, newRules, key());
    await estate.clients.monitoring.uninstallAgent(webAgent.id, key());
    const added = await estate.clients.firewall.createRule({ tenant: 'northwind', name: 'dr-added', source: '192.168.10.0/24', destination: drIp(app.ip), port: '8443', server: app.name }, key());
    const contosoAgent = (await estate.clients.monitoring.listAgents({ tenant: 'contoso' }))[0];
    await estate.clients.monitoring.setRules(contosoAgent.id, [], key());
    const contosoNow = await estate.clients.monitoring.listAgents({ tenant: 'contoso' });

    const { report, ops, error } = await fixup({ direction: 'failback', identities: reversed(identities) }, 'fixup-failback-keyed');
    expect(error ? String(((error as WorkflowFailedError).cause as ApplicationFailure)?.message) : 'ok').toBe('ok');
    expect(report!.manageable).toBe(true);
    expect(report!.direction).toBe('failback');

    const now = await live();
    const primaryAgents = captured['monitoring.agents'];
    for (const a of primaryAgents) {
      const got = now.agents.filter((r) => r.server === a.server && r.agentType === a.agentType);
      if (a.server === web.name && a.agentType === webAgent.agentType) {
        expect(got).toEqual([]);
        continue;
      }
      expect(got).toHaveLength(1);
      expect(got[0]).toMatchObject({ serverIp: a.serverIp, monitoringServer: a.monitoringServer, eventDestination: a.eventDestination, status: 'ONLINE' });
      expect(got[0].rules).toEqual(a.server === db.name && a.agentType === dbAgent.agentType ? newRules : a.rules);
    }
    expect(now.rules.find((r) => r.name === 'dr-added')).toMatchObject({ destination: app.ip, source: '192.168.10.0/24' });
    for (const r of captured['firewall.rules']) expect(now.rules.find((x) => x.name === r.name)).toMatchObject({ source: r.source, destination: r.destination });
    for (const n of captured['backup.nodes']) expect(now.nodes.find((x) => x.nodeName === n.nodeName)).toMatchObject({ ip: n.ip, backupServer: n.backupServer });
    for (const p of captured['patching.agents']) expect(now.patch.find((x) => x.server === p.server)).toMatchObject({ ip: p.ip, patchServer: p.patchServer, patchingEnabled: true });
    for (const m of captured['event-policy.serverMap']) expect(now.serverMap.filter((r) => r.server === m.server).map((r) => r.serverIp)).toEqual([m.serverIp]);
    for (const ci of captured['cmdb.cis']) expect(now.cis.find((x) => x.name === ci.name)).toMatchObject({ ip: ci.ip, site: 'northwind-dc' });
    for (const d of captured['dns.records']) expect(now.dns.find((x) => x.name === d.name && x.type === d.type)).toMatchObject({ values: d.values });
    for (const c of captured['ldap.clients']) expect(now.ldapClients.find((x) => x.server === c.server)).toMatchObject({ ldapServer: c.ldapServer });
    const flat = JSON.stringify(now);
    for (const v of nw) expect(flat.includes(`"${drIp(v.ip)}"`)).toBe(false);

    // The other tenant: no call touched it, its DR-period change stands.
    expect(ops.filter((o) => o.tenant === 'contoso')).toEqual([]);
    expect(await estate.clients.monitoring.listAgents({ tenant: 'contoso' })).toEqual(contosoNow);
    expectNoDuplicateEffects(ops);
    // The oracle: every record as captured, but for the DR period's changes this tenant made, kept under the primary identities.
    expect(await oracle({
      phase: 'failed-back',
      drPeriodChanges: {
        'monitoring.agents': { [`${db.name}|${dbAgent.agentType}`]: { rules: newRules }, [`${web.name}|${webAgent.agentType}`]: null },
        'firewall.rules': { 'dr-added': { ...(added.record as unknown as Rec), destination: app.ip } },
      },
    })).toEqual([]);
  });
});
