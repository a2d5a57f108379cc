import { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../activities';
import type { ManagementServiceEntity } from '../../infra/persistence/entities';
import { managementFixup } from '../../workflows';
import { workflowIds, type FixupInput, type FixupReport, type VmIdentityChange } from '../../workflows/contracts';
import { startEstate, type Estate, type OpEntry } from '../clients/estate-fixture';
import { estateDifferences, type OracleOptions } from '../support/estate-oracle';
import { drIp, failoverIdentities, reversed, seedFixupTenant, type SimTenantVm } from '../support/fixup-estate';
import { openTestInventory, type TestInventory } from '../support/inventory';
import { startTestWorker, type TestWorker } from '../support/worker';

type Rec = Record<string, unknown>;

/** Every kind at its default priority, no drEndpoint anywhere: the DR servers can only come from the listings. */
const NO_DR_ENDPOINTS: Partial<ManagementServiceEntity>[] = [
  { kind: 'dns', restorePriority: 10 },
  { kind: 'ldap', restorePriority: 10 },
  { kind: 'firewall', restorePriority: 10 },
  { kind: 'backup', restorePriority: 20 },
  { kind: 'monitoring', restorePriority: 30 },
  { kind: 'event-policy', restorePriority: 30 },
  { kind: 'patching', restorePriority: 40 },
  { kind: 'cmdb', restorePriority: 50 },
  { kind: 'asset', restorePriority: 50 },
  { kind: 'ticketing', restorePriority: 60 },
  { kind: 'discovery', restorePriority: 70 },
];

describe('managementFixup policies: DR servers from the listings, the day-one backup, the FIG. 8 drop policy', () => {
  let estate: Estate;
  let inventory: TestInventory;
  let tw: TestWorker;
  let activities: ReturnType<typeof createActivities>;
  const tenants: Record<string, { tenantId: string; vms: SimTenantVm[]; identities: VmIdentityChange[] }> = {};
  let run = 0;

  const fixup = async (tenant: string, input: Omit<FixupInput, 'tenantId' | 'request'>) => {
    const { tenantId } = tenants[tenant];
    const requestId = `p${++run}-${Date.now()}`;
    const since = (await estate.control.request<{ lastSeq: number }>('GET', '/_sim/ops?limit=1')).body.lastSeq;
    const handle = await tw.client.workflow.start(managementFixup, {
      taskQueue: tw.taskQueue,
      workflowId: workflowIds.operation('fixup', tenantId, requestId),
      args: [{ tenantId, request: { requestedBy: 'test', requestId }, ...input } as FixupInput],
    });
    let report: FixupReport | undefined;
    let error: unknown;
    try {
      report = await handle.result();
    } catch (err) {
      error = err;
      report = ((err as WorkflowFailedError).cause as ApplicationFailure)?.details?.[0] as FixupReport | undefined;
    }
    return { report, error, ops: (await estate.control.ops({ since: String(since) })) as OpEntry[] };
  };
  /** What the estate oracle finds between the tenant's services and its captured metadata, moved by the inventory's identities. */
  const oracle = (tenant: string, opts: OracleOptions = {}) => estateDifferences(inventory.dataSource, estate.control, tenants[tenant].tenantId, { scope: 'fixup', ...opts });
  const outcomes = (report: FixupReport | undefined) => Object.fromEntries((report?.services ?? []).map((s) => [s.kind, s.outcome]));

  beforeAll(async () => {
    estate = await startEstate();
    inventory = await openTestInventory('sqlite');
    const deps = { dataSource: inventory.dataSource, clients: estate.clients, estateEndpoints: [] };
    activities = createActivities(deps);
    tw = await startTestWorker(deps, 'fixup-policies');
    // One management VM each (the monitoring server): the event, backup, patch and directory servers they use
    // are the provider's, which have no replica at the DR site.
    const seeded = await estate.control.scenario({
      tenants: [
        { id: 'fabrikam', vms: 4, managementVms: 1 },
        { id: 'contoso', vms: 4, managementVms: 3 },
        { id: 'northwind', vms: 3, managementVms: 3 },
      ],
      protected: false,
      seed: 7,
    });
    for (const [i, name] of ['fabrikam', 'contoso'].entries()) {
      const vms = (seeded.tenants[i] as unknown as { vms: SimTenantVm[] }).vms;
      const services = name === 'contoso'
        ? NO_DR_ENDPOINTS.map((r) => (r.kind === 'event-policy' ? { ...r, metadata: { fixup: { eventPolicy: 'drop' } } } : r))
        : NO_DR_ENDPOINTS;
      const { tenantId } = await seedFixupTenant(inventory.dataSource, { name, primarySite: `${name}-dc`, drSite: 'dr-1', state: 'failed-over', services, vms });
      tenants[name] = { tenantId, vms, identities: failoverIdentities(vms) };
      expect(await activities.captureManagementMetadata({ tenantId, side: 'primary', reason: 'scheduled', captureKey: `policies-${name}-${Date.now()}` })).toMatchObject({ captured: true });
    }
  });

  afterEach(async () => {
    await estate.control.request('DELETE', '/_sim/faults');
  });

  afterAll(async () => {
    await tw?.stop();
    await estate?.close();
    await inventory?.close();
  });

  it('a tenant without drEndpoint rows is fixed up against the servers the DR site lists; an unscheduled day-one backup fails backup until a re-run schedules it', async () => {
    const { vms, identities } = tenants.fabrikam;
    const c = estate.clients;
    const before = {
      clients: (await c.ldap.listClients('fabrikam')) as unknown as Rec[],
      patch: (await c.patch.listAgents({ tenant: 'fabrikam' })) as unknown as Rec[],
      agents: (await c.monitoring.listAgents({ tenant: 'fabrikam' })) as unknown as Rec[],
    };
    // The tenant uses the provider's servers, not replicas of its own.
    expect(new Set(before.clients.map((r) => r.ldapServer))).toEqual(new Set(['provider-ad-1']));
    expect(new Set(before.patch.map((r) => r.patchServer))).toEqual(new Set(['provider-tem-1']));
    expect(before.agents.every((a) => !vms.some((v) => v.ip === a.eventDestination))).toBe(true);

    await estate.control.fault({ system: 'backup', op: 'scheduleBackup', status: 503 });
    const first = await fixup('fabrikam', { direction: 'failover', identities });
    expect(first.error).toBeInstanceOf(WorkflowFailedError);
    expect(outcomes(first.report)).toEqual({
      dns: 'restored', ldap: 'restored', firewall: 'restored', backup: 'failed', monitoring: 'restored', 'event-policy': 'restored',
      patching: 'restored', cmdb: 'restored', asset: 'restored', ticketing: 'restored', discovery: 'restored',
    });
    expect(first.report!.services.find((s) => s.kind === 'backup')!.error).toMatch(/scheduleBackup.*503|unavailable/i);

    const clients = (await c.ldap.listClients('fabrikam')) as unknown as Rec[];
    expect(clients.length).toBeGreaterThan(0);
    expect(clients.every((r) => r.ldapServer === 'dr-1-ad-1')).toBe(true);
    const patch = (await c.patch.listAgents({ tenant: 'fabrikam' })) as unknown as Rec[];
    expect(patch.map((r) => [r.server, r.patchServer, r.patchingEnabled])).toEqual(before.patch.map((r) => [r.server, 'dr-1-tem-1', false]));
    const agents = (await c.monitoring.listAgents({ tenant: 'fabrikam' })) as unknown as Rec[];
    expect(agents.map((a) => [a.server, a.monitoringServer, a.eventDestination])).toEqual(before.agents.map((a) => [a.server, 'dr-1-mon-1', 'dr-1-evt-1']));
    // The nodes were re-registered with the DR backup server, but no day-one backup is scheduled.
    const nodes = await c.backup.listNodes({ tenant: 'fabrikam' });
    expect(nodes.length).toBeGreaterThan(0);
    expect(nodes.every((n) => n.backupServer === 'dr-1-tsm-1')).toBe(true);
    expect(await c.backup.listSchedules({ tenant: 'fabrikam' })).toEqual([]);
    // The oracle finds exactly that: every node without its day-one backup, nothing else.
    expect(await oracle('fabrikam')).toEqual(nodes.map((n) => `backup.schedules ${n.nodeName}: no day-one backup scheduled at dr-1-tsm-1`));

    await estate.control.request('DELETE', '/_sim/faults');
    const again = await fixup('fabrikam', { direction: 'failover', identities, services: ['backup'] });
    expect(again.error).toBeUndefined();
    expect(outcomes(again.report)).toEqual({ backup: 'restored' });
    const schedules = await c.backup.listSchedules({ tenant: 'fabrikam' });
    expect(schedules.map((s) => [s.node, s.backupServer, s.kind]).sort()).toEqual(nodes.map((n) => [n.nodeName, 'dr-1-tsm-1', 'storage-pool']).sort());
    expect(again.ops.filter((o) => o.op === 'scheduleBackup' && o.outcome === 'ok').map((o) => o.target).sort()).toEqual(nodes.map((n) => n.server).sort());
    // And no other writes: the nodes were already right.
    expect(again.ops.filter((o) => o.outcome === 'ok' && o.op !== 'scheduleBackup').map((o) => `${o.system}.${o.op}`)).toEqual([]);
    expect(await oracle('fabrikam')).toEqual([]);
  });

  it("drops the moved servers' server → customer entries and old event sources when the tenant's event-policy row says so; failback brings the entries back", async () => {
    const { vms, identities } = tenants.contoso;
    const ep = estate.clients.eventPolicy;
    const oldIps = new Set(vms.map((v) => v.ip));
    const mapBefore = (await ep.listServerMappings({ tenant: 'contoso' })) as unknown as Rec[];
    const routingBefore = await ep.listRouting({ tenant: 'contoso' });
    const eventsBefore = await ep.listEvents({ tenant: 'contoso' });
    expect(mapBefore.filter((r) => oldIps.has(String(r.serverIp))).length).toBeGreaterThan(0);
    expect(eventsBefore.filter((e) => oldIps.has(e.source)).length).toBeGreaterThan(0);
    const northwindMap = await ep.listServerMappings({ tenant: 'northwind' });
    const northwindEvents = await ep.listEvents({ tenant: 'northwind' });

    const { report, error, ops } = await fixup('contoso', { direction: 'failover', identities });
    expect(error).toBeUndefined();
    expect(report!.manageable).toBe(true);
    const evt = report!.services.find((s) => s.kind === 'event-policy')!;
    expect(evt.outcome).toBe('skipped');
    expect(evt.vms.every((v) => v.outcome === 'skipped' && /dropped by the tenant's policy/.test(v.reason ?? ''))).toBe(true);

    const mapAfter = (await ep.listServerMappings({ tenant: 'contoso' })) as unknown as Rec[];
    const moved = new Set(vms.map((v) => v.name));
    expect(mapAfter.filter((r) => moved.has(String(r.server)))).toEqual([]);
    expect(mapAfter.filter((r) => oldIps.has(String(r.serverIp)) || vms.some((v) => drIp(v.ip) === r.serverIp))).toEqual([]);
    expect(mapAfter).toEqual(mapBefore.filter((r) => !moved.has(String(r.server)) && !oldIps.has(String(r.serverIp))));
    const eventsAfter = await ep.listEvents({ tenant: 'contoso' });
    expect(eventsAfter).toEqual(eventsBefore.filter((e) => !oldIps.has(e.source)));
    // Tenant-wide routing stays; the other tenant is untouched.
    expect(await ep.listRouting({ tenant: 'contoso' })).toEqual(routingBefore);
    expect(await ep.listServerMappings({ tenant: 'northwind' })).toEqual(northwindMap);
    expect(await ep.listEvents({ tenant: 'northwind' })).toEqual(northwindEvents);
    expect(ops.filter((o) => o.system === 'event-policy' && o.outcome === 'ok').map((o) => o.op).sort()).toEqual(
      [...mapBefore.filter((r) => moved.has(String(r.server))).map(() => 'deleteServerMapping'), 'deleteEventsBySource'].sort(),
    );
    expect(ops.some((o) => o.op === 'rewriteEventSources' || o.op === 'upsertServerMapping')).toBe(false);
    expect(await oracle('contoso')).toEqual([]);

    // Idempotent: a second run drops nothing more.
    const second = await fixup('contoso', { direction: 'failover', identities });
    expect(second.error).toBeUndefined();
    expect(second.ops.filter((o) => o.system === 'event-policy' && o.outcome === 'ok')).toEqual([]);

    // Failback: the primary side's entries come back under the original addresses.
    const back = await fixup('contoso', { direction: 'failback', identities: reversed(identities) });
    expect(back.error).toBeUndefined();
    expect(outcomes(back.report)['event-policy']).toBe('restored');
    const restored = (await ep.listServerMappings({ tenant: 'contoso' })) as unknown as Rec[];
    const pick = (list: Rec[]) => list.map((r) => `${String(r.customerId)}|${String(r.serverIp)}|${String(r.server)}`).sort();
    expect(pick(restored)).toEqual(pick(mapBefore));
    expect(await oracle('contoso', { phase: 'failed-back' })).toEqual([]);
  });

  it('a 5,000-VM run stores its identities once: the context and each service activity carry the key, not the list', async () => {
    const { tenantId } = tenants.fabrikam;
    const many: VmIdentityChange[] = Array.from({ length: 5000 }, (_, i) => ({
      vm: `fb-bulk-${i}`, role: 'workload', from: { hostname: `fb-bulk-${i}.fabrikam.example.com`, ips: [`10.50.${i >> 8}.${i & 255}`] },
      to: { hostname: `fb-bulk-${i}.fabrikam.example.com`, ips: [`10.150.${i >> 8}.${i & 255}`] },
    }));
    const runKey = `bulk-${Date.now()}/run-1`;
    const ctx = await activities.loadFixupContext({ tenantId, direction: 'failover', identities: many, runKey });
    const listSize = JSON.stringify(many).length;
    expect(ctx).toMatchObject({ identitiesKey: runKey });
    expect(ctx.identities).toBeUndefined();
    expect(ctx.vms).toEqual(many.map((c) => c.vm));
    // A retried load answers from what the run stored first.
    const again = await activities.loadFixupContext({ tenantId, direction: 'failover', identities: many.slice(0, 10), runKey });
    expect(again.vms).toHaveLength(5000);

    const { services: _s, vms: _v, ...context } = ctx;
    const input = { context, kind: 'usage-accounting' as const, keyBase: runKey };
    expect(JSON.stringify(input).length).toBeLessThan(listSize / 100);
    const result = await activities.restoreManagementService(input);
    expect(result.report.vms.map((v) => v.vm)).toEqual(many.map((c) => c.vm));
    await expect(activities.restoreManagementService({ ...input, context: { ...context, identitiesKey: 'never-stored' } })).rejects.toThrow(/no identities stored/);
  });
});
