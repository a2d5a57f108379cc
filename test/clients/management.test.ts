import { systemErrorKind } from '../../infra/clients/system-error';
import { failure, key, startEstate, type Estate } from './estate-fixture';

describe('management-service clients against the simulator', () => {
  let estate: Estate;
  let db: { name: string; ip: string };
  const c = () => estate.clients;
  const drIp = '10.200.0.30';

  beforeAll(async () => {
    estate = await startEstate();
  });
  afterAll(() => estate.close());
  beforeEach(async () => {
    await estate.control.reset();
    const seeded = await estate.control.scenario({ tenants: [{ id: 'northwind', tier: 'Gold', vms: 3, managementVms: 3 }] });
    const found = seeded.tenants[0].vms.find((v) => v.name === 'nw-db-1');
    if (!found) throw new Error('the scenario has no nw-db-1');
    db = found;
  });

  it('monitoring: re-deploys an agent under the new identity, rules kept, once', async () => {
    const [os] = await c().monitoring.listAgents({ tenant: 'northwind', server: db.name });
    expect(os.rules.length).toBeGreaterThan(0);
    const [drMon] = (await c().monitoring.listServers()).filter((s) => s.site === 'dr-1');
    expect(drMon.name).toBe('dr-1-mon-1');

    expect(await c().monitoring.uninstallAgent(os.id, key('uninstall'))).toBe(true);
    expect(await c().monitoring.uninstallAgent(os.id, key('uninstall-again'))).toBe(false);
    const k = key('installAgent');
    const spec = { tenant: 'northwind', server: db.name, serverIp: drIp, agentType: os.agentType, monitoringServer: drMon.name, rules: os.rules };
    const installed = await c().monitoring.installAgent(spec, k);
    expect(installed).toMatchObject({ alreadyExisted: false, record: { serverIp: drIp, monitoringServer: 'dr-1-mon-1', status: 'ONLINE' } });
    await c().monitoring.installAgent(spec, k);
    const dup = await c().monitoring.installAgent(spec, key('installAgent-rerun'));
    expect(dup).toMatchObject({ alreadyExisted: true, record: { id: installed.record.id } });
    expect((await estate.control.ops({ system: 'monitoring', op: 'installAgent' })).map((e) => e.outcome)).toEqual(['ok', 'replayed', 'error']);

    const rules = [{ metric: 'cpu_busy_pct', operator: '>', threshold: 95, severity: 'MAJOR' }];
    expect((await c().monitoring.setRules(installed.record.id, rules, key('rules'))).rules).toEqual(rules);
    expect((await c().monitoring.reconfigureAgent(installed.record.id, { eventDestination: '192.168.255.11' }, key('reconf'))).eventDestination).toBe('192.168.255.11');
    expect(await c().monitoring.getMetadata({ tenant: 'northwind', server: db.name })).toEqual(
      expect.arrayContaining([expect.objectContaining({ serverId: drIp, rules })]),
    );
    const bad = await failure(c().monitoring.installAgent({ ...spec, serverIp: 'not-an-ip' }, key('bad')));
    expect(bad.nonRetryable).toBe(true);
    expect(bad.message).toBe('monitoring.installAgent (400): INVALID_ARGUMENT: serverIp must be an IPv4 address');
  });

  it('event policy: maps the new server IP, routes events, rewrites event sources', async () => {
    const created = await c().eventPolicy.upsertServerMapping('northwind', drIp, { server: db.name }, key('map'));
    expect(created).toMatchObject({ created: true, record: { serverIp: drIp, customerId: 'northwind', server: db.name } });
    expect((await c().eventPolicy.upsertServerMapping('northwind', drIp, { server: db.name }, key('map-rerun'))).created).toBe(false);
    expect(await c().eventPolicy.getServerMapping('northwind', db.ip)).toMatchObject({ server: db.name });
    expect(await c().eventPolicy.deleteServerMapping('northwind', db.ip, key('unmap'))).toBe(true);
    expect(await c().eventPolicy.deleteServerMapping('northwind', db.ip, key('unmap-again'))).toBe(false);
    expect(await c().eventPolicy.getServerMapping('northwind', db.ip)).toBeNull();

    const route = await c().eventPolicy.upsertRouting(
      { customerId: 'northwind', eventId: 'DB_DOWN', severity: 'CRITICAL' },
      { ticketSeverity: 1, handlerPool: 'northwind-dr-oncall', ticketingSystem: 'ism' },
      key('route'),
    );
    expect(route).toMatchObject({ created: false, record: { handlerPool: 'northwind-dr-oncall' } });
    expect(await c().eventPolicy.listRouting({ customerId: 'northwind' })).toHaveLength(15);

    const events = await c().eventPolicy.listEvents({ tenant: 'northwind' });
    expect(events.length).toBeGreaterThan(0);
    const map = Object.fromEntries(events.map((e, i) => [e.source, `10.200.1.${i + 1}`]));
    expect(await c().eventPolicy.rewriteEventSources('northwind', map, key('rewrite'))).toEqual({ rewritten: events.length });
    expect((await c().eventPolicy.listEvents({ tenant: 'northwind' })).every((e) => e.source.startsWith('10.200.1.'))).toBe(true);
  });

  it('firewall: re-addresses rules by the IP map; an existing rule is success', async () => {
    const before = await c().firewall.listRules({ tenant: 'northwind', server: db.name });
    expect(before[0].destination).toBe(db.ip);
    expect(await c().firewall.readdressRules('northwind', { [db.ip]: drIp }, key('readdress'))).toEqual({ updated: 1 });
    expect((await c().firewall.getRule(before[0].id))?.destination).toBe(drIp);
    const dup = await c().firewall.createRule({ tenant: 'northwind', name: before[0].name, source: '10.0.0.0/8', destination: drIp }, key('rule'));
    expect(dup).toMatchObject({ alreadyExisted: true, record: { id: before[0].id } });
    expect((await c().firewall.updateRule(before[0].id, { port: '1434' }, key('port'))).port).toBe('1434');
    expect(await c().firewall.deleteRule(before[0].id, key('del'))).toBe(true);
  });

  it('backup, patch, CMDB and ticketing: records re-pointed to the DR identities', async () => {
    const [node] = await c().backup.listNodes({ tenant: 'northwind', server: db.name });
    const [drTsm] = (await c().backup.listServers()).filter((s) => s.site === 'dr-1');
    expect((await c().backup.updateNode(node.id, { ip: drIp, backupServer: drTsm.name }, key('node'))).backupServer).toBe('dr-1-tsm-1');
    const dupNode = await c().backup.registerNode({ tenant: 'northwind', nodeName: node.nodeName, server: db.name, ip: drIp, backupServer: drTsm.name }, key('node-reg'));
    expect(dupNode).toMatchObject({ alreadyExisted: true, record: { id: node.id } });

    const [agent] = await c().patch.listAgents({ tenant: 'northwind', server: db.name });
    expect(await c().patch.updateAgent(agent.id, { ip: drIp, patchingEnabled: false }, key('patch'))).toMatchObject({ ip: drIp, patchingEnabled: false });
    expect(await c().patch.deregisterAgent(agent.id, key('patch-del'))).toBe(true);
    expect((await c().patch.registerAgent({ tenant: 'northwind', server: db.name, ip: drIp, patchServer: 'dr-1-tem-1' }, key('patch-reg'))).alreadyExisted).toBe(false);

    const [ci] = await c().cmdb.listCis({ tenant: 'northwind', name: db.name });
    expect(await c().cmdb.updateCi(ci.id, { ip: drIp, site: 'dr-1' }, key('ci'))).toMatchObject({ ip: drIp, site: 'dr-1' });
    const [asset] = await c().cmdb.listAssets({ tenant: 'northwind', server: db.name });
    expect((await c().cmdb.updateAsset(asset.id, { location: 'dr-1' }, key('asset'))).location).toBe('dr-1');
    expect((await c().cmdb.createAsset({ tenant: 'northwind', assetTag: asset.assetTag }, key('asset-new'))).alreadyExisted).toBe(true);
    expect((await c().cmdb.createCi({ tenant: 'northwind', name: 'nw-new-1', className: 'cmdb_ci_linux_server' }, key('ci-new'))).record.status).toBe('operational');

    const [res] = await c().ticketing.listResources({ tenant: 'northwind', server: db.name });
    expect((await c().ticketing.updateResource(res.id, { ip: drIp, site: 'dr-1' }, key('res'))).ip).toBe(drIp);
    const t = key('ticket');
    const ticket = await c().ticketing.createTicket({ tenant: 'northwind', summary: 'Failover of northwind complete', severity: 3 }, t);
    expect((await c().ticketing.createTicket({ tenant: 'northwind', summary: 'Failover of northwind complete', severity: 3 }, t)).record.id).toBe(ticket.record.id);
    expect(await c().ticketing.listTickets({ tenant: 'northwind' })).toHaveLength(1);
  });

  it('discovery, DNS and LDAP: rediscover, repoint names, update directory entries', async () => {
    const run = await c().discovery.runDiscovery({ tenant: 'northwind', scope: [db.ip] }, key('discover'));
    expect(run.status).toEqual(expect.any(String));
    expect((await c().discovery.getRun(run.id))?.status).toBe('COMPLETED');
    expect((await c().cmdb.listCis({ tenant: 'northwind', name: db.name }))[0].lastDiscoveredAt).toEqual(expect.any(String));
    expect(await c().discovery.listRuns({ tenant: 'northwind' })).toHaveLength(1);
    const referenced = await c().discovery.runDiscovery({ tenant: 'northwind', scope: [db.ip], reference: 'fixup-7:discovery' }, key('discover'));
    expect((await c().discovery.listRuns({ tenant: 'northwind', reference: 'fixup-7:discovery' })).map((r) => r.id)).toEqual([referenced.id]);

    const zone = 'northwind.example.com';
    expect((await c().dns.listZones()).map((z) => z.zone)).toContain(zone);
    const k = key('upsertDnsRecord');
    const up = await c().dns.upsertDnsRecord(zone, db.name, 'A', { values: [drIp], ttl: 60 }, k);
    expect(up).toMatchObject({ created: false, record: { values: [drIp], ttl: 60 } });
    await c().dns.upsertDnsRecord(zone, db.name, 'A', { values: [drIp], ttl: 60 }, k);
    expect((await estate.control.opsForKey(k)).filter((e) => e.outcome === 'ok')).toHaveLength(1);
    expect((await c().dns.getDnsRecord(zone, db.name, 'A'))?.values).toEqual([drIp]);
    expect((await c().dns.upsertDnsRecord(zone, 'nw-vip', 'CNAME', { values: ['nw-web-1.northwind.example.com'] }, key('cname'))).created).toBe(true);
    expect(await c().dns.listRecords(zone, { type: 'CNAME' })).toHaveLength(1);
    expect(await c().dns.deleteDnsRecord(zone, 'nw-vip', 'CNAME', key('del'))).toBe(true);
    expect(await c().dns.deleteDnsRecord(zone, 'nw-vip', 'CNAME', key('del-again'))).toBe(false);
    const bad = await failure(c().dns.upsertDnsRecord(zone, db.name, 'A', { values: ['nw-db-1'] }, key('bad')));
    expect(systemErrorKind(bad)).toBe('invalid');
    expect(bad.message).toBe('dns.upsertRecord (400): INVALID_ARGUMENT: A record values must be IPv4 addresses');

    expect((await c().ldap.upsertComputer('northwind', db.name, { ip: drIp, site: 'dr-1' }, key('ldap'))).record).toMatchObject({ ip: drIp, site: 'dr-1' });
    expect((await c().ldap.getComputer('northwind', db.name))?.dn).toBe(`cn=${db.name},ou=Computers,dc=northwind,dc=example,dc=com`);
    expect((await c().ldap.listComputers('northwind')).length).toBe(6);
    const client = await c().ldap.configureClient('northwind', 'nw-web-1', { ldapServer: 'dr-1-ad-1' }, key('ldapc'));
    expect(client).toMatchObject({ created: false, record: { ldapServer: 'dr-1-ad-1' } });
    expect((await c().ldap.listClients('northwind')).find((x) => x.server === 'nw-web-1')?.ldapServer).toBe('dr-1-ad-1');
    expect(await c().ldap.deleteComputer('northwind', db.name, key('ldap-del'))).toBe(true);
    expect(await c().ldap.getComputer('northwind', db.name)).toBeNull();
  });

  it('backup: schedules the day-one storage-pool backup of a re-registered node once; an existing one is success', async () => {
    const [node] = await c().backup.listNodes({ tenant: 'northwind', server: db.name });
    await c().backup.updateNode(node.id, { ip: drIp, backupServer: 'dr-1-tsm-1' }, key('node'));
    const spec = { tenant: 'northwind', node: node.nodeName, server: db.name, kind: 'storage-pool' as const, startAt: '2026-11-22T04:00:00.000Z' };
    const first = await c().backup.scheduleBackup(spec, key('sched'));
    expect(first).toMatchObject({ alreadyExisted: false, record: { node: node.nodeName, backupServer: 'dr-1-tsm-1', kind: 'storage-pool', status: 'SCHEDULED' } });
    expect(await c().backup.scheduleBackup(spec, key('sched-again'))).toMatchObject({ alreadyExisted: true, record: { id: first.record.id } });
    expect(await c().backup.listSchedules({ tenant: 'northwind', backupServer: 'dr-1-tsm-1' })).toEqual([first.record]);
    expect(systemErrorKind(await failure(c().backup.scheduleBackup({ ...spec, node: 'nope' }, key('sched-nope'))))).toBe('invalid');
  });

  it('patch, LDAP, event policy and DNS list their DR servers; event sources can be dropped', async () => {
    for (const [client, name] of [[c().patch, 'dr-1-tem-1'], [c().ldap, 'dr-1-ad-1'], [c().eventPolicy, 'dr-1-evt-1'], [c().dns, 'dr-1-dns-1']] as const) {
      expect((await client.listServers()).filter((s) => s.site === 'dr-1').map((s) => s.name)).toEqual([name]);
    }
    const seeded = await c().eventPolicy.listEvents({ tenant: 'northwind', source: db.ip });
    expect(seeded.length).toBeGreaterThan(0);
    expect(await c().eventPolicy.deleteEventsBySource('northwind', [db.ip], key('drop'))).toEqual({ deleted: seeded.length });
    expect(await c().eventPolicy.listEvents({ tenant: 'northwind', source: db.ip })).toEqual([]);
  });
});
