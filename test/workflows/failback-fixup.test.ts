import type { DemoTenant } from '../../infra/demo/demo-estate';
import type { FailbackResult, FixupReport } from '../../workflows/contracts';
import { ended, startDrEstate, type DrEstate } from '../support/dr-estate';
import { estateDifferences } from '../support/estate-oracle';

type Rec = Record<string, unknown>;

/**
 * How the test knows a management record, independently of the fix-up's rules: the simulator's collection
 * and the record's natural identity there.
 */
const COLLECTIONS: Record<string, { snapshot: string; key: (r: Rec) => string }> = {
  agents: { snapshot: 'monitoring.agents', key: (r) => `${r.server}|${r.agentType}` },
  serverMap: { snapshot: 'event-policy.serverMap', key: (r) => `${r.customerId}|${r.server}` },
  routing: { snapshot: 'event-policy.routing', key: (r) => `${r.customerId}|${r.eventId}|${r.eventSeverity}` },
  firewallRules: { snapshot: 'firewall.rules', key: (r) => String(r.name) },
  backupNodes: { snapshot: 'backup.nodes', key: (r) => String(r.nodeName) },
  patchAgents: { snapshot: 'patching.agents', key: (r) => String(r.server) },
  cis: { snapshot: 'cmdb.cis', key: (r) => String(r.name) },
  assets: { snapshot: 'asset.assets', key: (r) => String(r.assetTag) },
  resources: { snapshot: 'ticketing.resources', key: (r) => String(r.server) },
  dnsRecords: { snapshot: 'dns.records', key: (r) => `${r.zone}|${r.name}|${r.type}` },
  ldapEntries: { snapshot: 'ldap.entries', key: (r) => String(r.dn) },
  ldapClients: { snapshot: 'ldap.clients', key: (r) => String(r.server) },
};

/** Bookkeeping a system keeps of its own (record ids, timestamps, discovery and backup runs), not configuration. */
const BOOKKEEPING = new Set(['id', 'createdAt', 'updatedAt', 'lastBackupAt', 'lastDiscoveredAt']);

/** Every attribute of every record that differs between two dumps of a tenant's management records. */
function differences(expected: Record<string, Rec[]>, actual: Record<string, Rec[]>): string[] {
  const out: string[] = [];
  const json = (v: unknown) => JSON.stringify(v, (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort()) : x));
  for (const [name, { key }] of Object.entries(COLLECTIONS)) {
    const want = new Map((expected[name] ?? []).map((r) => [key(r), r]));
    const have = new Map<string, Rec[]>();
    for (const r of actual[name] ?? []) have.set(key(r), [...(have.get(key(r)) ?? []), r]);
    for (const [k, w] of want) {
      const [h, ...extra] = have.get(k) ?? [];
      if (!h) {
        out.push(`${name} ${k}: missing`);
        continue;
      }
      if (extra.length > 0) out.push(`${name} ${k}: ${extra.length + 1} records`);
      for (const f of new Set([...Object.keys(w), ...Object.keys(h)])) {
        if (!BOOKKEEPING.has(f) && json(w[f]) !== json(h[f])) out.push(`${name} ${k}: ${f} is ${json(h[f])}, expected ${json(w[f])}`);
      }
    }
    for (const k of have.keys()) if (!want.has(k)) out.push(`${name} ${k}: left over`);
  }
  return out;
}

/**
 * Failback's management fix-up against the estate: after a failover and a failback, every management record
 * of the tenant holds what it held before the failover (monitoring and event servers, backup server and
 * schedules, patch server and patching, LDAP binding, DNS TTL, addresses, sites), as captured then; and a
 * restore the estate refuses is reported by its node, with the tenant not manageable.
 */
describe('failback restores the management services to their captured pre-failover state', () => {
  let e: DrEstate;
  let tenants: DemoTenant[];

  beforeAll(async () => {
    e = await startDrEstate('failback-fixup', { tenants: 2, vmsPerTenant: 4, managementVmsPerTenant: 3, waveConcurrency: 2 });
    ({ tenants } = e);
  });
  afterAll(async () => e?.close());

  const mgmt = async (tenant: DemoTenant) => ((await e.estate.control.state(tenant.name)) as { mgmt: Record<string, Rec[]> }).mgmt;
  const start = async (body: Rec) => (await e.t.http.post('/v1/operations').set(e.t.auth()).send(body).expect(202)).body.operationId as string;
  const failover = async (tenant: DemoTenant) => {
    const op = await e.until(await start({ kind: 'failover', tenantId: tenant.id }), ended);
    expect(op.status).toBe('completed');
  };
  const failback = async (tenant: DemoTenant) => {
    const id = await start({ kind: 'failback', tenantId: tenant.id, statusPollSeconds: 1 });
    await e.until(id, (op) => String(op.waitingFor).includes('maintenance window') || ended(op));
    await e.t.http.post(`/v1/operations/${encodeURIComponent(id)}/approve`).set(e.t.auth()).send({}).expect(200);
    const op = await e.until(id, ended);
    expect(op.error ?? null).toBeNull();
    return op.result as FailbackResult;
  };
  /** The metadata Lifeline captured before the failover, as its API answers it. */
  const capturedBeforeFailover = async (tenant: DemoTenant): Promise<Record<string, Rec[]>> => {
    const meta = (await e.t.http.get(`/v1/tenants/${tenant.id}/management-metadata`).set(e.t.auth()).expect(200)).body as { versions: { version: number; reason: string }[] };
    const pre = meta.versions.find((v) => v.reason === 'pre-failover');
    expect(pre).toBeDefined();
    const records = (await e.t.http.get(`/v1/tenants/${tenant.id}/management-metadata/versions/${pre!.version}`).set(e.t.auth()).expect(200)).body.records as Record<string, Rec[]>;
    return Object.fromEntries(Object.entries(COLLECTIONS).map(([name, c]) => [name, records[c.snapshot] ?? []]));
  };

  it('every captured attribute is back after failover and failback; no day-one backup is left at the DR server', async () => {
    const tenant = tenants[0];
    const before = await mgmt(tenant);
    await failover(tenant);
    // The failover captured the management metadata before the first VM moved: it is what the estate held.
    const captured = await capturedBeforeFailover(tenant);
    expect(differences(before, captured)).toEqual([]);
    // While failed over, the records point at the DR site (so the comparison below can fail).
    const during = await mgmt(tenant);
    expect(differences(captured, during).filter((d) => /monitoringServer|backupServer|patchServer|patchingEnabled|ldapServer|ttl/.test(d)).length).toBeGreaterThan(0);
    expect(during.backupSchedules.filter((x) => x.kind === 'storage-pool').length).toBeGreaterThan(0);

    const result = await failback(tenant);
    expect(result.fixup?.manageable).toBe(true);
    const after = await mgmt(tenant);
    expect(differences(captured, after)).toEqual([]);
    const drBackupServers = new Set(after.servers.filter((x) => x.service === 'backup' && x.site === 'dr-1').map((x) => x.name));
    expect(after.backupSchedules.filter((x) => drBackupServers.has(x.backupServer))).toEqual([]);
    // The estate oracle, from the inventory and the captured metadata, agrees.
    expect(await estateDifferences(e.dataSource, e.estate.control, tenant.id)).toEqual([]);
  });

  it('a backup node the backup server refuses to register makes the fix-up not manageable, naming that node', async () => {
    const tenant = tenants[1];
    await failover(tenant);
    const captured = await capturedBeforeFailover(tenant);
    const node = captured.backupNodes.find((n) => String(n.server).includes('-web-'))!;
    await e.estate.control.fault({ system: 'backup', op: 'registerNode', target: node.server, status: 503 });
    try {
      const result = await failback(tenant);
      const fixup = result.fixup as FixupReport;
      expect(fixup.manageable).toBe(false);
      const backup = fixup.services.find((s) => s.kind === 'backup')!;
      expect(backup.outcome).toBe('failed');
      expect(backup.error).toContain(String(node.nodeName));
      const failed = backup.vms.filter((v) => v.outcome === 'failed');
      expect(failed.map((v) => v.vm)).toEqual([node.server]);
      expect(failed[0].reason).toContain(`backup.nodes ${String(node.nodeName)}`);
      // The other services restored every VM; the other nodes are back.
      expect(fixup.services.filter((s) => s.kind !== 'backup' && s.outcome === 'failed').map((s) => `${s.kind}: ${s.error}`)).toEqual([]);
    } finally {
      await e.estate.control.request('DELETE', '/_sim/faults');
    }
    // The estate agrees: that node is registered nowhere, every other record is as captured.
    const after = await mgmt(tenant);
    expect(after.backupNodes.filter((n) => n.nodeName === node.nodeName)).toEqual([]);
    expect(differences(captured, after)).toEqual([`backupNodes ${String(node.nodeName)}: missing`]);
  });
});
