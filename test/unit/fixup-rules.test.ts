import { DEFAULT_RESTORE_PRIORITY, fixupPolicyOf, fixupStages, planFixupServices } from '../../domain/fixup-plan';
import { changedFields, collectionById, desiredAfterMove, identityMap, reverseMerge, transformRecord, unresolvedServers, verifyCollection } from '../../domain/fixup-rules';

const agents = collectionById('monitoring.agents')!;
const rules = collectionById('firewall.rules')!;
const patch = collectionById('patching.agents')!;

const move = [
  { vm: 'nw-db-1', from: { hostname: 'nw-db-1', ips: ['10.1.0.5'] }, to: { hostname: 'nw-db-1', ips: ['10.129.0.5'] } },
  { vm: 'nw-mon-1', from: { hostname: 'nw-mon-1', ips: ['10.1.0.2'] }, to: { hostname: 'nw-mon-1', ips: ['10.129.0.2'] } },
];
const agent = (server: string, ip: string, over: Record<string, unknown> = {}) => ({
  id: `a-${server}`, tenant: 'northwind', server, serverIp: ip, agentType: 'LZ', agentId: `${server}:LZ`, monitoringServer: 'nw-mon-1',
  eventDestination: '10.1.0.3', managementGroup: 'northwind-workload', status: 'ONLINE', rules: [{ metric: 'cpu', operator: '>', threshold: 90, severity: 'CRITICAL' }], ...over,
});

describe('restore order', () => {
  it('follows the default priority: DNS, LDAP and firewall, then backup, monitoring with event management, patching, CMDB/asset, ticketing, discovery, usage', () => {
    const stages = fixupStages(planFixupServices([]));
    expect(stages.map((s) => s.kinds)).toEqual([
      ['firewall', 'dns', 'ldap'], ['backup'], ['monitoring', 'event-policy'], ['patching'], ['cmdb', 'asset'], ['ticketing'], ['discovery'], ['usage-accounting'],
    ]);
  });

  it("takes the tenant's priorities, and never runs a service in the stage of one it depends on", () => {
    const rows = [
      { kind: 'monitoring', restorePriority: 5, metadata: null },
      { kind: 'backup', restorePriority: 5, metadata: { fixup: { dependsOn: ['monitoring'], required: false } } },
      { kind: 'dns', restorePriority: 9, metadata: null },
    ];
    const plans = planFixupServices(rows);
    expect(plans.find((p) => p.kind === 'backup')).toMatchObject({ dependsOn: ['monitoring'], required: false });
    expect(fixupStages(plans).map((s) => s.kinds)).toEqual([['monitoring'], ['backup'], ['dns']]);
  });

  it("reads the event-policy mapper's policy for moved servers from the row's metadata: rewrite by default, or drop", () => {
    expect(fixupPolicyOf({ fixup: { eventPolicy: 'drop' } }).eventPolicy).toBe('drop');
    expect(fixupPolicyOf({ fixup: { eventPolicy: 'rewrite' } }).eventPolicy).toBe('rewrite');
    expect(fixupPolicyOf({ fixup: { eventPolicy: 'shred' } }).eventPolicy).toBeUndefined();
    expect(fixupPolicyOf(null).eventPolicy).toBeUndefined();
  });

  it('narrows a re-run to the named services and drops dependencies outside it', () => {
    const plans = planFixupServices([], ['discovery']);
    expect(plans).toEqual([{ kind: 'discovery', priority: DEFAULT_RESTORE_PRIORITY.discovery, dependsOn: [], required: true }]);
  });
});

describe('FIG. 10 re-addressing', () => {
  const map = identityMap({ identities: move, sites: { 'northwind-dc': 'dr-1' }, servers: { monitoring: 'dr-1-mon-1', patching: 'dr-1-tem-1' }, applyDrOverrides: true });

  it('moves the agent to the new IP and the DR monitoring server; the event destination follows the replica', () => {
    const out = transformRecord(agent('nw-db-1', '10.1.0.5', { eventDestination: '10.1.0.2' }), agents, map);
    expect(out).toMatchObject({ serverIp: '10.129.0.5', monitoringServer: 'dr-1-mon-1', eventDestination: '10.129.0.2', rules: agent('x', 'y').rules });
  });

  it('re-addresses host and CIDR endpoints of firewall rules and keeps what does not move', () => {
    const m = identityMap({ identities: move, subnets: [{ from: '10.1.0.0/16', to: '10.129.0.0/16' }], applyDrOverrides: true });
    expect(transformRecord({ name: 'r', source: '10.1.0.0/16', destination: '10.1.0.5' }, rules, m)).toMatchObject({ source: '10.129.0.0/16', destination: '10.129.0.5' });
    expect(transformRecord({ name: 'r', source: '192.168.1.1', destination: '10.1.0.5/32' }, rules, m)).toMatchObject({ source: '192.168.1.1', destination: '10.129.0.5/32' });
  });

  it('turns patching off at the DR site', () => {
    expect(transformRecord({ server: 'nw-db-1', ip: '10.1.0.5', patchServer: 'nw-ptch-1', patchingEnabled: true }, patch, map)).toMatchObject({
      ip: '10.129.0.5', patchServer: 'dr-1-tem-1', patchingEnabled: false,
    });
  });

  it('names a server that has no DR counterpart', () => {
    const bare = identityMap({ identities: move, applyDrOverrides: true });
    expect(unresolvedServers([agent('nw-db-1', '10.1.0.5', { monitoringServer: 'provider-mon-1', eventDestination: '10.1.0.2' })], agents, bare)).toEqual(['monitoring server provider-mon-1 (monitoring.agents.monitoringServer)']);
    expect(unresolvedServers([agent('nw-db-1', '10.1.0.5', { eventDestination: '10.1.0.2' })], agents, bare)).toEqual([]);
  });

  it('falls back to the server the DR site lists for a reference that does not move with the tenant; a replica keeps serving', () => {
    const listed = identityMap({ identities: move, fallbackServers: { monitoring: 'dr-1-mon-1', 'event-policy': 'dr-1-evt-1', ldap: 'dr-1-ad-1' }, applyDrOverrides: true });
    const shared = agent('nw-db-1', '10.1.0.5', { monitoringServer: 'provider-mon-1', eventDestination: '10.0.0.20' });
    expect(unresolvedServers([shared], agents, listed)).toEqual([]);
    expect(transformRecord(shared, agents, listed)).toMatchObject({ monitoringServer: 'dr-1-mon-1', eventDestination: 'dr-1-evt-1' });
    // The tenant's own monitoring server (nw-mon-1) and event server (10.1.0.2) are replicas: they move.
    expect(transformRecord(agent('nw-db-1', '10.1.0.5', { eventDestination: '10.1.0.2' }), agents, listed)).toMatchObject({ monitoringServer: 'nw-mon-1', eventDestination: '10.129.0.2' });
    // A configured (drEndpoint) server wins over both.
    const configured = identityMap({ identities: move, servers: { 'event-policy': 'dr-9-evt-1' }, fallbackServers: { 'event-policy': 'dr-1-evt-1' }, applyDrOverrides: true });
    expect(transformRecord(agent('nw-db-1', '10.1.0.5', { eventDestination: '10.1.0.2' }), agents, configured)).toMatchObject({ eventDestination: 'dr-9-evt-1' });
    const ldapClients = collectionById('ldap.clients')!;
    expect(transformRecord({ server: 'nw-db-1', ldapServer: 'provider-ad-1' }, ldapClients, listed)).toMatchObject({ ldapServer: 'dr-1-ad-1' });
  });

  it('prefers the live record over the snapshot and leaves VMs that did not move alone', () => {
    const snapshot = [agent('nw-db-1', '10.1.0.5'), agent('nw-web-1', '10.1.0.9')];
    const live = [agent('nw-db-1', '10.1.0.5', { rules: [] })];
    const want = desiredAfterMove(agents, snapshot, live, map);
    expect(want).toHaveLength(1);
    expect(want[0]).toMatchObject({ server: 'nw-db-1', serverIp: '10.129.0.5', rules: [] });
  });

  it('verification names the record left with the old address and the one missing', () => {
    const want = desiredAfterMove(agents, [agent('nw-db-1', '10.1.0.5'), agent('nw-mon-1', '10.1.0.2')], [], map);
    const v = verifyCollection(agents, want, [agent('nw-db-1', '10.1.0.5')], map);
    expect(v.vms.get('nw-db-1')!.join()).toMatch(/serverIp is "10.1.0.5", expected "10.129.0.5"/);
    expect(v.vms.get('nw-db-1')!.join()).toMatch(/still has the old address 10.1.0.5/);
    expect(v.vms.get('nw-mon-1')).toEqual(['monitoring.agents nw-mon-1|LZ is missing']);
  });

  it('compares a DNS record set whatever order the server answers it in; a rule list stays ordered', () => {
    const dns = collectionById('dns.records')!;
    const rec = (values: string[], ttl = 60) => ({ zone: 'northwind.example.com', name: 'nw-db-1', type: 'A', values, ttl });
    expect(changedFields(rec(['10.129.0.5', '10.129.0.6']), rec(['10.129.0.6', '10.129.0.5']), dns)).toEqual([]);
    expect(changedFields(rec(['10.129.0.5', '10.129.0.6']), rec(['10.129.0.5']), dns)).toEqual(['values']);
    expect(changedFields(rec(['10.129.0.5']), rec(['10.129.0.5'], 300), dns)).toEqual(['ttl']);
    const two = [{ metric: 'cpu' }, { metric: 'swap' }];
    expect(changedFields(agent('nw-db-1', '10.1.0.5', { rules: two }), agent('nw-db-1', '10.1.0.5', { rules: [...two].reverse() }), agents)).toEqual(['rules']);
  });
});

describe('failback reverse merge', () => {
  const forward = identityMap({ identities: move, servers: { monitoring: 'dr-1-mon-1' }, applyDrOverrides: true });
  const back = identityMap({
    identities: move.map((m) => ({ vm: m.vm, from: m.to, to: m.from })),
    servers: { monitoring: 'nw-mon-1', 'event-policy': '10.1.0.3' },
    applyDrOverrides: false,
  });
  const primary = [agent('nw-db-1', '10.1.0.5'), agent('nw-mon-1', '10.1.0.2')];
  const drBaseline = primary.map((r) => transformRecord(r, agents, forward));

  it('brings DR-period rule changes and deletions back under the original identities and servers', () => {
    const changedRules = [{ metric: 'cpu', operator: '>', threshold: 75, severity: 'MAJOR' }];
    const drNow = [{ ...drBaseline[0], rules: changedRules }, agent('nw-db-1', '10.129.0.5', { agentType: 'RZ', monitoringServer: 'dr-1-mon-1' })];
    const merged = reverseMerge(agents, primary, drBaseline, drNow, back);
    expect(merged).toMatchObject({ added: ['nw-db-1|RZ'], deleted: ['nw-mon-1|LZ'], modified: ['nw-db-1|LZ'] });
    const byKey = Object.fromEntries(merged.records.map((r) => [agents.key(r), r]));
    expect(byKey['nw-db-1|LZ']).toMatchObject({ serverIp: '10.1.0.5', monitoringServer: 'nw-mon-1', eventDestination: '10.1.0.3', rules: changedRules });
    expect(byKey['nw-db-1|RZ']).toMatchObject({ serverIp: '10.1.0.5', monitoringServer: 'nw-mon-1' });
    expect(byKey['nw-mon-1|LZ']).toBeUndefined();
  });

  it('restores the primary record unchanged when nothing changed at the DR site', () => {
    const merged = reverseMerge(agents, primary, drBaseline, drBaseline, back);
    expect(merged.records).toEqual(primary);
    expect(merged).toMatchObject({ added: [], deleted: [], modified: [] });
  });
});
