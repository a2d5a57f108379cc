import { Resolver } from 'node:dns/promises';
import { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { Client } from 'ldapts';
import { createEstateActivities } from '../../activities/estate';
import { endpointUrl, estateConfigFromSimulator, type EstateClients } from '../../infra/clients';
import { Rfc2136DnsClient, type Rfc2136Endpoint } from '../../infra/clients/management/dns-rfc2136';
import { LdapDirectoryClient, type LdapDirectoryEndpoint } from '../../infra/clients/management/ldap-directory';
import type { DemoTenant } from '../../infra/demo/demo-estate';
import { ProtectedVmEntity } from '../../infra/persistence/entities';
import { managementFixup } from '../../workflows';
import { workflowIds, type FailbackResult, type FixupInput, type FixupReport, type VmIdentityChange } from '../../workflows/contracts';
import { ended, startDrEstate, type DrEstate } from '../support/dr-estate';
import { DR_PERIOD_DNS_TTL, estateDifferences } from '../support/estate-oracle';
import { drIp } from '../support/fixup-estate';
import { startBind, startSlapd, type RunningServer } from '../support/open-standard-servers';
import { startTestWorker, type TestWorker } from '../support/worker';

type Rec = Record<string, unknown>;

/** Calls go to whatever `get` answers then: the real servers start after the worker (their zones hold the seeded tenants). */
function forward<T extends object>(get: () => T): T {
  return new Proxy({} as T, {
    get: (_t, p) => {
      const target = get() as Record<string | symbol, unknown>;
      const v = target[p];
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/**
 * Fix-up against software no one here wrote: DNS on BIND through RFC 2136 updates signed with TSIG, the
 * directory on OpenLDAP; every other system simulated. A demo tenant fails over and back, and the records are
 * read from the servers themselves (plain DNS queries, LDAP searches), never through Lifeline's adapters.
 */
describe('fix-up against BIND (RFC 2136, TSIG) and OpenLDAP', () => {
  let e: DrEstate;
  let bind: RunningServer<Rfc2136Endpoint>;
  let slapd: RunningServer<LdapDirectoryEndpoint>;
  let dns: Rfc2136DnsClient;
  let ldap: LdapDirectoryClient;
  let northwind: DemoTenant;
  let contoso: DemoTenant;
  let wrongKey: TestWorker | undefined;
  let run = 0;

  beforeAll(async () => {
    e = await startDrEstate(
      'fixup-open-standards',
      { tenants: [{ id: 'northwind', tier: 'Gold' }, { id: 'contoso', tier: 'Silver' }], vmsPerTenant: 3, managementVmsPerTenant: 2, waveConcurrency: 2 },
      { clients: (sim) => ({ ...sim, dns: forward(() => dns), ldap: forward(() => ldap) }) },
    );
    [northwind, contoso] = e.tenants;
    // The provider's DNS and directory as they stood before Lifeline: the simulator's seeded records, on the
    // real servers (contoso's zone takes no updates, so its records are in its zone file).
    const seeded = new Map<string, Record<string, Rec[]>>();
    for (const t of e.tenants) seeded.set(t.name, ((await e.estate.control.state(t.name)) as { mgmt: Record<string, Rec[]> }).mgmt);
    bind = await startBind([
      ...e.tenants.map((t) => ({
        zone: `${t.name}.example.com`, tenant: t.name, refuseUpdates: t === contoso,
        records: (seeded.get(t.name)?.dnsRecords ?? []).flatMap((r) => (r.values as string[]).map((v) => `${String(r.name)} ${String(r.ttl)} IN ${String(r.type)} ${v}`)),
      })),
      // Drills publish their VMs in a zone of their own beside production's.
      { zone: `drill.${northwind.name}.example.com`, tenant: northwind.name },
    ]);
    slapd = await startSlapd();
    dns = new Rfc2136DnsClient(bind.endpoint);
    ldap = new LdapDirectoryClient(slapd.endpoint);
    for (const t of e.tenants) {
      const mgmt = seeded.get(t.name) as Record<string, Rec[]>;
      for (const r of mgmt.ldapEntries) {
        await ldap.upsertComputer(t.name, String(r.cn), { ip: r.ip as string, dnsHostName: r.dnsHostName as string, operatingSystem: r.operatingSystem as string, site: r.site as string }, 'seed');
      }
      for (const r of mgmt.ldapClients) await ldap.configureClient(t.name, String(r.server), { ldapServer: String(r.ldapServer), baseDn: String(r.baseDn) }, 'seed');
    }
  });
  afterAll(async () => {
    await wrongKey?.stop();
    await e?.close();
    await dns?.close();
    await bind?.stop();
    await slapd?.stop();
  });

  const vmsOf = (tenant: DemoTenant) => e.dataSource.manager.find(ProtectedVmEntity, { where: { tenantId: tenant.id }, order: { name: 'ASC' } });

  /** What BIND answers a resolver for each VM's name: addresses (sorted) and TTL. */
  const answers = async (tenant: DemoTenant): Promise<Record<string, { ips: string[]; ttl: number } | null>> => {
    const resolver = new Resolver({ timeout: 2000, tries: 1 });
    resolver.setServers([`127.0.0.1:${bind.endpoint.port}`]);
    const out: Record<string, { ips: string[]; ttl: number } | null> = {};
    for (const vm of await vmsOf(tenant)) {
      const a = await resolver.resolve4(vm.primaryHostname, { ttl: true }).catch(() => []);
      out[vm.name] = a.length === 0 ? null : { ips: a.map((x) => x.address).sort(), ttl: a[0].ttl };
    }
    return out;
  };

  /** The tenant's entries as OpenLDAP holds them, read with a search of its own. */
  const directory = async (tenant: DemoTenant): Promise<{ ldapEntries: Rec[]; ldapClients: Rec[] }> => {
    const c = new Client({ url: slapd.endpoint.url });
    try {
      await c.bind(slapd.endpoint.bindDn, slapd.endpoint.password);
      const base = `dc=${tenant.name},${slapd.endpoint.baseDn}`;
      const one = (v: unknown) => (Array.isArray(v) ? v[0] : v) as string | undefined;
      const computers = (await c.search(`ou=Computers,${base}`, { scope: 'one', filter: '(objectClass=device)' })).searchEntries;
      const profiles = (await c.search(`ou=Profiles,${base}`, { scope: 'one', filter: '(objectClass=DUAConfigProfile)' })).searchEntries;
      return {
        ldapEntries: computers.map((x) => ({ dn: x.dn, cn: one(x.cn), ip: one(x.ipHostNumber), dnsHostName: one(x.associatedDomain), operatingSystem: one(x.description), site: one(x.l) })),
        ldapClients: profiles.map((x) => ({ server: one(x.cn), ldapServer: one(x.preferredServerList), baseDn: one(x.defaultSearchBase) })),
      };
    } finally {
      await c.unbind();
    }
  };

  /** The real servers' records in the estate oracle's terms (DNS: each VM's A record as a resolver gets it). */
  const realMgmt = async (tenant: DemoTenant): Promise<Record<string, Rec[]>> => {
    const zone = `${tenant.name}.example.com`;
    const a = await answers(tenant);
    const dnsRecords = Object.entries(a).flatMap(([vm, x]) => (x ? [{ zone, name: vm, type: 'A', server: vm, values: x.ips, ttl: x.ttl }] : []));
    return { dnsRecords, ...(await directory(tenant)) };
  };

  const start = async (body: Rec) => (await e.t.http.post('/v1/operations').set(e.t.auth()).send(body).expect(202)).body.operationId as string;
  const captured = async (tenant: DemoTenant): Promise<Record<string, Rec[]>> => {
    const meta = (await e.t.http.get(`/v1/tenants/${tenant.id}/management-metadata`).set(e.t.auth()).expect(200)).body as { versions: { version: number; reason: string }[] };
    const pre = meta.versions.find((v) => v.reason === 'pre-failover');
    expect(pre).toBeDefined();
    return (await e.t.http.get(`/v1/tenants/${tenant.id}/management-metadata/versions/${pre!.version}`).set(e.t.auth()).expect(200)).body.records;
  };
  const sortedValues = (r: Rec) => [...(r.values as string[])].sort();

  const fixup = async (tw: TestWorker, tenant: DemoTenant, input: Omit<FixupInput, 'tenantId' | 'request'>) => {
    const requestId = `o${++run}-${Date.now()}`;
    const handle = await tw.client.workflow.start(managementFixup, {
      taskQueue: tw.taskQueue,
      workflowId: workflowIds.operation('fixup', tenant.id, requestId),
      args: [{ tenantId: tenant.id, request: { requestedBy: 'test', requestId }, ...input } as FixupInput],
    });
    try {
      return { report: await handle.result(), error: undefined };
    } catch (err) {
      return { error: err, report: ((err as WorkflowFailedError).cause as ApplicationFailure)?.details?.[0] as FixupReport | undefined };
    }
  };
  /** A fix-up run's identities for the tenant's VMs: primary addresses to DR ones. */
  const toDr = async (tenant: DemoTenant): Promise<VmIdentityChange[]> =>
    (await vmsOf(tenant)).map((vm) => ({ vm: vm.name, role: vm.role, from: { hostname: vm.primaryHostname, ips: vm.primaryIps }, to: { hostname: vm.primaryHostname, ips: vm.primaryIps.map(drIp) } }));

  it('failover: BIND answers the DR addresses with the short TTL and OpenLDAP holds the DR identities; failback: both hold what was captured', async () => {
    const before = await answers(northwind);
    const vms = await vmsOf(northwind);
    for (const vm of vms) expect(before[vm.name]).toEqual({ ips: [...vm.primaryIps].sort(), ttl: 300 });

    const failover = await e.until(await start({ kind: 'failover', tenantId: northwind.id }), ended);
    expect(failover.error ?? null).toBeNull();
    const meta = await captured(northwind);
    // Captured from the real servers: what they held before the failover.
    expect(Object.fromEntries(meta['dns.records'].map((r) => [r.name, { ips: sortedValues(r), ttl: r.ttl }]))).toEqual(before);
    expect(meta['ldap.entries'].length).toBe(vms.length);

    const during = await answers(northwind);
    for (const vm of await vmsOf(northwind)) {
      expect(vm.drIps?.length).toBeGreaterThan(0);
      expect(during[vm.name]).toEqual({ ips: [...(vm.drIps as string[])].sort(), ttl: DR_PERIOD_DNS_TTL });
    }
    const dirDuring = await directory(northwind);
    const moved = await vmsOf(northwind);
    for (const x of meta['ldap.entries']) {
      const vm = moved.find((v) => v.name === x.cn)!;
      expect(dirDuring.ldapEntries.find((y) => y.dn === x.dn)).toMatchObject({ ip: vm.drIps?.[0], site: 'dr-1', dnsHostName: x.dnsHostName, operatingSystem: x.operatingSystem });
    }
    expect(dirDuring.ldapClients.map((c) => c.ldapServer)).toEqual(meta['ldap.clients'].map(() => 'dr-1-ad-1'));
    expect(await estateDifferences(e.dataSource, e.estate.control, northwind.id, { mgmt: await realMgmt(northwind) })).toEqual([]);

    const id = await start({ kind: 'failback', tenantId: northwind.id, statusPollSeconds: 1 });
    await e.until(id, (op) => String(op.waitingFor).includes('maintenance window') || ended(op));
    await e.t.http.post(`/v1/operations/${encodeURIComponent(id)}/approve`).set(e.t.auth()).send({}).expect(200);
    const failback = await e.until(id, ended);
    expect(failback.error ?? null).toBeNull();
    expect((failback.result as FailbackResult).fixup?.manageable).toBe(true);

    expect(await answers(northwind)).toEqual(Object.fromEntries(meta['dns.records'].map((r) => [r.name, { ips: sortedValues(r), ttl: r.ttl }])));
    const dirAfter = await directory(northwind);
    const pick = (list: Rec[], fields: string[]) => list.map((r) => Object.fromEntries(fields.map((f) => [f, r[f]]))).sort((a, b) => String(a[fields[0]]).localeCompare(String(b[fields[0]])));
    const entryFields = ['dn', 'ip', 'dnsHostName', 'operatingSystem', 'site'];
    expect(pick(dirAfter.ldapEntries, entryFields)).toEqual(pick(meta['ldap.entries'], entryFields));
    expect(pick(dirAfter.ldapClients, ['server', 'ldapServer', 'baseDn'])).toEqual(pick(meta['ldap.clients'], ['server', 'ldapServer', 'baseDn']));
    expect(await estateDifferences(e.dataSource, e.estate.control, northwind.id, { mgmt: await realMgmt(northwind) })).toEqual([]);
  });

  it('a drill publishes its VMs in the drill zone only and removes them there; production records stay as they were', async () => {
    const before = await answers(northwind);
    const id = await start({ kind: 'drill', tenantId: northwind.id, recoveryPoint: { kind: 'latest-common-time' } });
    const op = await e.until(id, ended);
    expect([op.status, op.error]).toEqual(['completed', null]);
    const report = op.result as { drillId: string; vms: { vm: string; drillVm: string; status: string }[]; cleanup: { status: string; removed: Record<string, number> | null } };
    expect(report.vms.map((v) => v.status)).toEqual(report.vms.map(() => 'recovered'));
    // Each drill VM's record was on BIND (a removal counts only a record the server answered) and is gone now.
    expect(report.cleanup).toMatchObject({ status: 'clean', removed: { dnsRecords: report.vms.length } });
    const resolver = new Resolver({ timeout: 2000, tries: 1 });
    resolver.setServers([`127.0.0.1:${bind.endpoint.port}`]);
    for (const v of report.vms) {
      await expect(resolver.resolve4(`${v.drillVm}.drill.${northwind.name}.example.com`)).rejects.toMatchObject({ code: 'ENOTFOUND' });
    }
    expect(await answers(northwind)).toEqual(before);
  });

  it('a wrong TSIG key makes DNS failed in the manageability report with the server\'s refusal, and changes nothing', async () => {
    const before = await answers(northwind);
    const wrong = new Rfc2136DnsClient({ ...bind.endpoint, tsigSecret: Buffer.alloc(32, 7).toString('base64') });
    const clients: EstateClients = { ...e.estate.clients, dns: wrong, ldap };
    wrongKey = await startTestWorker({ dataSource: e.dataSource, clients, estateEndpoints: [] }, 'fixup-wrong-tsig');
    const { report, error } = await fixup(wrongKey, northwind, { direction: 'failover', identities: await toDr(northwind), services: ['dns'] });
    await wrong.close();
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(((error as WorkflowFailedError).cause as ApplicationFailure).message).toMatch(/^not manageable: dns \(.*NOTAUTH \(TSIG BADSIG\)/);
    expect(report?.manageable).toBe(false);
    expect(report?.services.map((s) => [s.kind, s.outcome])).toEqual([['dns', 'failed']]);
    expect(report?.services[0].error).toMatch(/refused .*BADSIG/);
    expect(await answers(northwind)).toEqual(before);
  });

  it('a zone that refuses updates makes DNS failed, naming the refusal, and leaves the zone as it was', async () => {
    const before = await answers(contoso);
    expect(Object.values(before).every((x) => x !== null && x.ttl === 300)).toBe(true);
    const { report, error } = await fixup(e.tw, contoso, { direction: 'failover', identities: await toDr(contoso), services: ['dns'] });
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const dnsReport = report?.services.find((s) => s.kind === 'dns');
    expect(dnsReport?.outcome).toBe('failed');
    expect(dnsReport?.error).toMatch(/refused the update of contoso\.example\.com: REFUSED/);
    expect(dnsReport?.vms.every((v) => v.outcome === 'failed')).toBe(true);
    expect(await answers(contoso)).toEqual(before);
  });

  it('the estate check reaches both servers at their addresses', async () => {
    const probes = createEstateActivities({ dataSource: e.dataSource, clients: e.estate.clients, estateEndpoints: [] });
    const config = { ...estateConfigFromSimulator(e.estate.sim.url), dns: bind.endpoint, ldap: slapd.endpoint };
    for (const system of ['dns', 'ldap'] as const) expect(await probes.probeEstateEndpoint({ system, url: endpointUrl(config[system]) })).toMatchObject({ up: true });
    await slapd.stop();
    expect(await probes.probeEstateEndpoint({ system: 'ldap', url: endpointUrl(slapd.endpoint) })).toMatchObject({ up: false });
  });
});
