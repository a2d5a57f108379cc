import type { RunningSimulator } from '../../infra/sim/server';
import { SimClient, type Json } from './sim-client';

describe('simulated CLM, BNA, ASA and management fix-up', () => {
  let sim: RunningSimulator;
  let c: SimClient;

  beforeAll(async () => {
    ({ sim, client: c } = await SimClient.start());
  });
  afterAll(() => sim.close());
  beforeEach(async () => {
    await c.reset();
    await c.scenario({ tenants: [{ id: 'northwind', tier: 'Gold', vms: 3, managementVms: 2 }] });
  });

  const task = async (guid: string): Promise<Json> => (await c.call('GET', `/clm/csm/task/${guid}`)).body[0];

  it('provisions containers by Table 2-1 tier after approval, and deleting one returns its VLANs', async () => {
    const vlansFree = async (): Promise<number> => (await c.call('GET', '/bna/bca-networks/api/v4.0/vlan_pools')).body.items[0].available;
    const free0 = await vlansFree();
    const req = await c.call('POST', '/clm/csm/NetworkContainer', SimClient.params({ name: 'nw-dr-gold', tenant: 'northwind', tier: 'Gold', requiresApproval: true }));
    const t = req.body[0];
    expect(t).toEqual(expect.objectContaining({ cloudClass: 'com.bmc.cloud.model.beans.Task', taskState: 'RUNNING', taskSubState: 'waiting_for_approval' }));
    await c.advance(48 * 3_600_000);
    expect((await task(t.guid)).taskState).toBe('RUNNING');
    const approve = await c.call('POST', `/clm/csm/ChangeRequest/${t.changeRequestGuid}/approve`, SimClient.params({ approver: 'ops-lead' }));
    expect(approve.status).toBe(200);
    await c.advance(1);
    const done = await task(t.guid);
    expect(done).toEqual(expect.objectContaining({ taskState: 'COMPLETED', isSuccess: true, taskSubState: 'task_success_final' }));
    const container = done.results[0];
    expect(container.networks).toHaveLength(3);
    expect(container.services.map((s: Json) => s.type)).toEqual(['perimeter-firewall', 'intra-tenant-firewall', 'load-balancer']);
    expect(await vlansFree()).toBe(free0 - 3);

    const copper = await c.call('POST', '/clm/csm/NetworkContainer', SimClient.params({ name: 'nw-dr-copper', tenant: 'northwind', tier: 'Copper' }));
    await c.advance(1);
    const cu = (await task(copper.body[0].guid)).results[0];
    expect(cu.networks).toHaveLength(1);
    expect(cu.services.map((s: Json) => s.type)).toEqual(['intra-tenant-firewall']);
    const vip = await c.call('POST', '/clm/csm/LoadBalancerPool', SimClient.params({ container: cu.guid, name: 'web', virtualIPAddress: '10.128.0.100' }));
    expect(vip.status).toBe(422);
    expect(vip.body[0].errorID).toBe('NO_LOAD_BALANCER_SERVICE');

    const path = await c.call('POST', '/clm/csm/NetworkPath', SimClient.params({ container: container.guid, name: 'web-to-app', source: '10.128.1.0/24', destination: '10.128.2.0/24', protocol: 'TCP', port: '8443' }));
    expect(path.status).toBe(200);
    const del = await c.call('DELETE', `/clm/csm/NetworkContainer/${container.guid}`);
    expect(del.status).toBe(200);
    await c.advance(1);
    expect((await task(del.body[0].guid)).taskState).toBe('COMPLETED');
    expect(await vlansFree()).toBe(free0 - 1);
    const state = (await c.call('GET', '/_sim/state?tenant=northwind')).body;
    expect(state.clm.containers.map((x: Json) => x.name)).toEqual(['nw-dr-copper']);
    expect(state.clm.networkPaths).toEqual([]);
    expect((await c.ops({ system: 'clm', outcome: 'ok' })).map((o) => o.op)).toEqual([
      'createContainer',
      'approveChange',
      'createContainer',
      'createNetworkPath',
      'deleteContainer',
    ]);
  });

  it('answers a second delete of a container being deleted with 409 ALREADY_IN_DESIRED_STATE', async () => {
    const req = await c.call('POST', '/clm/csm/NetworkContainer', SimClient.params({ name: 'nw-dr-copper', tenant: 'northwind', tier: 'Copper' }));
    await c.advance(1);
    const guid = (await task(req.body[0].guid)).results[0].guid;
    expect((await c.call('POST', '/_sim/faults', { system: 'clm', op: 'deleteContainer', stuck: true, times: 1 })).status).toBe(201);
    const first = await c.call('DELETE', `/clm/csm/NetworkContainer/${guid}`);
    expect(first.status).toBe(200);
    const again = await c.call('DELETE', `/clm/csm/NetworkContainer/${guid}`);
    expect(again.status).toBe(409);
    expect(again.body[0]).toEqual(expect.objectContaining({ errorID: 'ALREADY_IN_DESIRED_STATE', existingGuid: guid }));
  });

  it('answers a repeated delete of a network path, VIP, service offering instance or VLAN under way with 409 ALREADY_IN_DESIRED_STATE, starting no second task', async () => {
    const gold = await c.call('POST', '/clm/csm/NetworkContainer', SimClient.params({ name: 'nw-dr-gold', tenant: 'northwind', tier: 'Gold' }));
    await c.advance(1);
    const container = (await task(gold.body[0].guid)).results[0];
    const made = [
      await c.call('POST', '/clm/csm/NetworkPath', SimClient.params({ container: container.guid, name: 'web-to-app', source: '10.128.1.0/24', destination: '10.128.2.0/24', port: '8443' })),
      await c.call('POST', '/clm/csm/LoadBalancerPool', SimClient.params({ container: container.guid, name: 'web', virtualIPAddress: '10.128.0.100' })),
      await c.call('POST', '/clm/csm/ServiceOfferingInstance/bulkCreate', SimClient.params({ serviceOfferingID: { guid: 'so-inmage-mt-linux' }, tenant: 'northwind', hostnamePrefix: 'nw-mt-9', quantity: 1 })),
    ].map((r) => r.body[0].targetGuid as string);
    const vlan = await c.call('POST', '/bna/bca-networks/api/v4.0/vlans', { name: 'nw-inmage', tenant: 'northwind', site: 'dr-1' });
    await c.advance(60 * 60_000);
    const ops = ['deleteNetworkPath', 'deleteLoadBalancerPool', 'decommissionServiceOffering'];
    for (const op of ops) expect((await c.call('POST', '/_sim/faults', { system: 'clm', op, stuck: true, times: 1 })).status).toBe(201);
    expect((await c.call('POST', '/_sim/faults', { system: 'bna', op: 'deleteVlan', stuck: true, times: 1 })).status).toBe(201);

    const paths = ['/clm/csm/NetworkPath', '/clm/csm/LoadBalancerPool', '/clm/csm/ServiceOfferingInstance'].map((p, i) => `${p}/${made[i]}`);
    for (const [i, path] of paths.entries()) {
      expect((await c.call('DELETE', path)).status).toBe(200);
      const again = await c.call('DELETE', path);
      expect([again.status, again.body[0]]).toEqual([409, expect.objectContaining({ errorID: 'ALREADY_IN_DESIRED_STATE', existingGuid: made[i] })]);
    }
    const vlanPath = `/bna/bca-networks/api/v4.0/vlans/${vlan.body.vlan.id}`;
    expect((await c.call('DELETE', vlanPath)).status).toBe(202);
    const again = await c.call('DELETE', vlanPath);
    expect([again.status, again.body.errorCode]).toEqual([409, 'ALREADY_IN_DESIRED_STATE']);

    // One deletion each: the repeats started nothing.
    for (const op of ops) expect((await c.ops({ system: 'clm', op })).map((o) => o.outcome)).toEqual(['ok', 'error']);
    expect((await c.ops({ system: 'bna', op: 'deleteVlan' })).map((o) => o.outcome)).toEqual(['ok', 'error']);
  });

  it('a rejected change fails the container task and leaves nothing behind', async () => {
    const req = await c.call('POST', '/clm/csm/NetworkContainer', SimClient.params({ name: 'nw-dr-bronze', tenant: 'northwind', tier: 'Bronze', requiresApproval: true }));
    const t = req.body[0];
    expect((await c.call('POST', `/clm/csm/ChangeRequest/${t.changeRequestGuid}/reject`, SimClient.params({}))).status).toBe(200);
    const failed = await task(t.guid);
    expect(failed).toEqual(expect.objectContaining({ taskState: 'FAILED', isError: true }));
    expect(failed.errors[0].errorID).toBe('CHANGE_REJECTED');
    expect((await c.call('GET', '/_sim/state?tenant=northwind')).body.clm.containers).toEqual([]);
  });

  it('provisions InMage control servers as CLM service offering instances', async () => {
    const res = await c.call('POST', '/clm/csm/ServiceOfferingInstance/bulkCreate', SimClient.params({ serviceOfferingID: { guid: 'so-inmage-mt-windows' }, tenant: 'northwind', hostnamePrefix: 'nw-mt-new', quantity: 2 }));
    expect(res.status).toBe(200);
    await c.advance(1);
    const t = await task(res.body[0].guid);
    expect(t.taskState).toBe('COMPLETED');
    const mts = (await c.call('GET', '/inmage/api/v1/tenants/northwind/control-servers?role=mt')).body.items.map((s: Json) => s.name);
    expect(mts).toEqual(expect.arrayContaining(['nw-mt-new-1', 'nw-mt-new-2']));
  });

  it('names the object a CLM task is about (targetGuid) while the task is still running', async () => {
    const gold = await c.call('POST', '/clm/csm/NetworkContainer', SimClient.params({ name: 'nw-dr-gold', tenant: 'northwind', tier: 'Gold' }));
    expect(gold.body[0].targetGuid).toEqual(expect.any(String));
    await c.advance(1);
    const container = (await task(gold.body[0].guid)).results[0];
    expect(container.guid).toBe(gold.body[0].targetGuid);
    for (const op of ['createNetworkPath', 'createLoadBalancerPool', 'provisionServiceOffering']) {
      expect((await c.call('POST', '/_sim/faults', { system: 'clm', op, stuck: true })).status).toBe(201);
    }
    const cases: [string, Record<string, unknown>, string][] = [
      ['/clm/csm/NetworkPath', { container: container.guid, name: 'web-to-app', source: '10.128.1.0/24', destination: '10.128.2.0/24', port: '8443' }, '/clm/csm/NetworkPath'],
      ['/clm/csm/LoadBalancerPool', { container: container.guid, name: 'web', virtualIPAddress: '10.128.0.100' }, '/clm/csm/LoadBalancerPool'],
      ['/clm/csm/ServiceOfferingInstance/bulkCreate', { serviceOfferingID: { guid: 'so-inmage-mt-windows' }, tenant: 'northwind', hostnamePrefix: 'nw-mt-new', quantity: 1 }, '/clm/csm/ServiceOfferingInstance'],
    ];
    for (const [path, values, resource] of cases) {
      const res = await c.call('POST', path, SimClient.params(values));
      expect(res.status).toBe(200);
      await c.advance(60 * 60_000);
      const t = await task(res.body[0].guid);
      expect(t).toEqual(expect.objectContaining({ taskState: 'RUNNING', targetGuid: res.body[0].targetGuid }));
      expect(t.targetGuid).toEqual(expect.any(String));
      const obj = await c.call('GET', `${resource}/${t.targetGuid}`);
      expect(obj.status).toBe(200);
      expect(obj.body[0].guid).toBe(t.targetGuid);
    }
  });

  it('configures an ASA context, objects, rules and an IPsec tunnel that comes up', async () => {
    // An hour of IKE negotiation in the real world is 3.6 s on the simulator clock at timeScale 0.001.
    await c.call('PUT', '/_sim/latency', { timeScale: 0.001, ops: { 'asa.tunnelUp': 3_600_000 } });
    const ctx = await c.call('POST', '/asa/api/contexts', { name: 'nw-vpn', tenant: 'northwind', interfaces: [{ name: 'outside', vlan: 2001 }, { name: 'inside', vlan: 2002 }] });
    expect(ctx.status).toBe(201);
    expect(ctx.headers.get('location')).toMatch(/\/asa\/api\/contexts\/nw-vpn$/);
    const base = '/asa/api/contexts/nw-vpn';
    const obj = await c.call('POST', `${base}/objects/networkobjects`, { kind: 'object#NetworkObj', name: 'nw-db-1', host: { kind: 'IPv4Address', value: '10.128.0.20' } });
    expect(obj.status).toBe(201);
    expect(obj.body).toEqual(expect.objectContaining({ kind: 'object#NetworkObj', objectId: 'nw-db-1', selfLink: expect.stringContaining('/networkobjects/nw-db-1') }));
    expect((await c.call('PUT', `${base}/objects/networkobjects/missing`, { host: { kind: 'IPv4Address', value: '10.0.0.1' } })).status).toBe(404);
    const rule = await c.call('POST', `${base}/access/in/outside/rules`, {
      permit: true,
      sourceAddress: { kind: 'IPv4Network', value: '10.1.0.0/16' },
      destinationAddress: { kind: 'IPv4Address', value: '10.128.0.20' },
    });
    expect(rule.status).toBe(201);
    expect(rule.body.objectId).toMatch(/^\d+$/);
    const tunnel = await c.call('POST', `${base}/vpn/cryptomaps/outside/entries`, { peer: '198.51.100.7', localNetwork: '10.128.0.0/16', remoteNetwork: '10.1.0.0/16' });
    expect(tunnel.status).toBe(201);
    const status = async (): Promise<string> => (await c.call('GET', `${base}/monitoring/vpn/tunnels`)).body.items[0].status;
    expect(await status()).toBe('NEGOTIATING');
    await c.advance(4_000);
    expect(await status()).toBe('UP');
    await c.call('POST', '/_sim/sites/northwind-dc/fail');
    expect(await status()).toBe('DOWN');
    const list = await c.call('GET', '/asa/api/contexts?limit=500');
    expect(list.body.rangeInfo).toEqual({ offset: 0, limit: 100, total: 1 });
    expect((await c.ops({ op: 'asa.createContext' }))[0]).toEqual(expect.objectContaining({ tenant: 'northwind', target: 'nw-vpn', outcome: 'ok' }));
  });

  it('answers GET on a crypto map entry, so the Location of a duplicate tunnel can be followed', async () => {
    const base = '/asa/api/contexts/nw-vpn';
    expect((await c.call('POST', '/asa/api/contexts', { name: 'nw-vpn', tenant: 'northwind', interfaces: [{ name: 'outside', vlan: 2001 }] })).status).toBe(201);
    const spec = { peer: '198.51.100.7', localNetwork: '10.128.0.0/16', remoteNetwork: '10.1.0.0/16' };
    const first = await c.call('POST', `${base}/vpn/cryptomaps/outside/entries`, spec);
    expect(first.status).toBe(201);
    const dup = await c.call('POST', `${base}/vpn/cryptomaps/outside/entries`, spec);
    expect(dup.status).toBe(409);
    const location = dup.headers.get('location') ?? '';
    expect(location).toBe(first.headers.get('location'));
    expect(location.startsWith(c.url)).toBe(true);
    const entry = await c.call('GET', location.slice(c.url.length));
    expect(entry.status).toBe(200);
    expect(entry.body).toEqual(expect.objectContaining({ kind: 'object#CryptoMapEntry', interface: 'outside', sequence: 10, peer: spec.peer, selfLink: location }));
    const missing = await c.call('GET', `${base}/vpn/cryptomaps/outside/entries/99`);
    expect(missing.status).toBe(404);
    expect(missing.body.messages[0]).toEqual(expect.objectContaining({ level: 'Error', code: 'RESOURCE-NOT-FOUND' }));
    expect((await c.call('GET', `${base}/vpn/cryptomaps/inside/entries/10`)).status).toBe(404);
  });

  it('lists the tunnels of an interface that has none as an empty collection (404 only for an unknown context)', async () => {
    expect((await c.call('POST', '/asa/api/contexts', { name: 'nw-vpn', tenant: 'northwind', interfaces: [{ name: 'outside', vlan: 2001 }] })).status).toBe(201);
    const empty = await c.call('GET', '/asa/api/contexts/nw-vpn/vpn/cryptomaps/outside/entries');
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual(expect.objectContaining({ kind: 'collection#CryptoMapEntry', items: [], rangeInfo: { offset: 0, limit: 100, total: 0 } }));
    const nowhere = await c.call('GET', '/asa/api/contexts/no-such-ctx/vpn/cryptomaps/outside/entries');
    expect(nowhere.status).toBe(404);
    expect(nowhere.body.messages[0].code).toBe('RESOURCE-NOT-FOUND');
  });

  it('lets the management fix-up re-point agents, mappings, nodes and records', async () => {
    const agents = (await c.call('GET', '/mgmt/monitoring/api/v1/agents?tenant=northwind&server=nw-web-1')).body.items;
    expect(agents.length).toBeGreaterThan(0);
    const drIp = '10.128.0.31';
    for (const a of agents) {
      const r = await c.call('PATCH', `/mgmt/monitoring/api/v1/agents/${a.id}`, { serverIp: drIp, monitoringServer: 'dr-1-mon-1' });
      expect(r.status).toBe(200);
      expect(r.body.serverIp).toBe(drIp);
    }
    const primaryIp = agents[0].serverIp;
    expect((await c.call('PUT', `/mgmt/event-policy/api/v1/server-map/northwind/${drIp}`, { server: 'nw-web-1' })).status).toBe(201);
    expect((await c.call('DELETE', `/mgmt/event-policy/api/v1/server-map/northwind/${primaryIp}`)).status).toBe(204);
    const node = (await c.call('GET', '/mgmt/backup/api/v1/nodes?tenant=northwind&server=nw-web-1')).body.items[0];
    expect((await c.call('PATCH', `/mgmt/backup/api/v1/nodes/${node.id}`, { backupServer: 'dr-1-tsm-1', ip: drIp })).status).toBe(200);
    const dns = await c.call('PUT', '/mgmt/dns/api/v1/zones/northwind.example.com/records/nw-web-1/A', { values: [drIp], ttl: 60 });
    expect(dns.status).toBe(200);
    const rw = await c.call('POST', '/mgmt/firewall/api/v1/readdress', { tenant: 'northwind', map: { [primaryIp]: drIp } });
    expect(rw.status).toBe(200);
    const run = await c.call('POST', '/mgmt/discovery/api/v1/runs', { tenant: 'northwind', scope: [drIp] });
    expect(run.status).toBe(202);
    await c.advance(1);
    expect((await c.call('GET', `/mgmt/discovery/api/v1/runs/${run.body.id}`)).body.status).toBe('COMPLETED');
    const ops = (await c.ops({ target: 'nw-web-1', outcome: 'ok' })).map((o) => `${o.system}.${o.op}`);
    expect(ops).toEqual(expect.arrayContaining(['monitoring.reconfigureAgent', 'event-policy.upsertServerMapping', 'event-policy.deleteServerMapping', 'backup.updateNode', 'dns.upsertRecord']));
  });
});
