import type { RunningSimulator } from '../../infra/sim/server';
import { SimClient, type Json } from './sim-client';

describe('simulator control API', () => {
  let sim: RunningSimulator;
  let c: SimClient;

  beforeAll(async () => {
    ({ sim, client: c } = await SimClient.start({ seed: 7 }));
  });
  afterAll(() => sim.close());
  beforeEach(async () => {
    await c.reset();
  });

  it('seeds N tenants × M VMs with realistic names, disks, IPs and protection', async () => {
    const res = await c.scenario({ tenants: 2, vmsPerTenant: 6, managementVmsPerTenant: 3 });
    expect(res.status).toBe(201);
    const [nw, co] = res.body.tenants;
    expect(nw.id).toBe('northwind');
    expect(co.id).toBe('contoso');
    expect(nw.vms).toHaveLength(9);
    const names = nw.vms.map((v: Json) => v.name);
    expect(names).toEqual(expect.arrayContaining(['nw-mon-1', 'nw-evt-1', 'nw-bkp-1', 'nw-web-1', 'nw-app-1', 'nw-db-1', 'nw-app-2']));
    const db = nw.vms.find((v: Json) => v.name === 'nw-db-1');
    expect(db.disks.length).toBeGreaterThanOrEqual(3);
    expect(db.ip).toMatch(/^10\.\d+\.\d+\.\d+$/);
    expect(db.changeRateGbPerDay).toBeGreaterThan(0);
    expect(db.protection.volumes.every((v: Json) => v.state === 'Differential Sync')).toBe(true);
    expect(db.protection.common.latestApplicationTag).toMatch(/^APP-/);
    expect(nw.inmage.plans.length).toBeGreaterThan(0);
    expect(nw.inmage.controlServers.map((s: Json) => s.role).sort()).toEqual(expect.arrayContaining(['cx', 'mt', 'ps']));
  });

  it('carries the FIG. 10 and TSM/BCRS management metadata for every VM', async () => {
    const res = await c.scenario({ tenants: [{ id: 'northwind', tier: 'Gold', vms: 4, managementVms: 3 }] });
    const tenant = res.body.tenants[0];
    for (const vm of tenant.vms) {
      const m = vm.management;
      expect(m.monitoringAgents.length).toBeGreaterThan(0);
      for (const agent of m.monitoringAgents) {
        expect(agent.serverIp).toBe(vm.ip);
        expect(agent.rules.length).toBeGreaterThan(0);
        expect(agent.rules[0]).toEqual(expect.objectContaining({ metric: expect.any(String), severity: expect.any(String) }));
      }
      expect(m.serverMapping).toEqual(expect.objectContaining({ serverIp: vm.ip, customerId: 'northwind' }));
      expect(m.backupNode.nodeName).toBe(vm.name.toUpperCase());
      expect(m.patchAgent.patchServer).toBeTruthy();
      expect(m.ci.ip).toBe(vm.ip);
      expect(m.asset.assetTag).toMatch(/^NW-A\d+/);
      expect(m.dnsRecords[0]).toEqual(expect.objectContaining({ zone: 'northwind.example.com', name: vm.name, values: [vm.ip] }));
      expect(m.ldapEntry.cn).toBe(vm.name);
    }
    expect(tenant.eventRouting.length).toBe(15);
    expect(tenant.eventRouting[0]).toEqual(expect.objectContaining({ customerId: 'northwind', ticketSeverity: 1, handlerPool: expect.any(String) }));

    const meta = await c.call('GET', '/mgmt/monitoring/api/v1/metadata?tenant=northwind&server=nw-db-1');
    expect(meta.status).toBe(200);
    expect(meta.body.items.map((i: Json) => i.agentId)).toEqual(expect.arrayContaining([expect.stringMatching(/^nw-db-1:/)]));
    const routing = await c.call('GET', '/mgmt/event-policy/api/v1/routing?customerId=northwind');
    expect(routing.body.total).toBe(15);
  });

  it('reset leaves nothing behind and GET /_sim/state filters by tenant', async () => {
    await c.scenario({ tenants: 2, vmsPerTenant: 2, managementVmsPerTenant: 1 });
    const one = await c.call('GET', '/_sim/state?tenant=contoso');
    expect(one.body.tenants.map((t: Json) => t.id)).toEqual(['contoso']);
    expect(one.body.vms.every((v: Json) => v.tenant === 'contoso')).toBe(true);
    expect(one.body.mgmt.agents.every((a: Json) => a.tenant === 'contoso')).toBe(true);
    await c.reset();
    const all = await c.call('GET', '/_sim/state');
    expect(all.body.tenants).toEqual([]);
    expect(all.body.compute.vms).toEqual([]);
    expect(all.body.opsLogged).toBe(0);
  });

  it('keeps an ordered ops log filterable by system, op, tenant and since', async () => {
    await c.scenario({ tenants: 2, vmsPerTenant: 1, managementVmsPerTenant: 0 });
    for (const [tenant, name] of [
      ['northwind', 'nw-web-1'],
      ['contoso', 'co-web-1'],
    ]) {
      const r = await c.call('POST', '/bna/bca-networks/api/v4.0/ip_pools/mgmt-dr-1/reservations', { owner: name, tenant });
      expect(r.status).toBe(201);
    }
    const dns = await c.call('PUT', '/mgmt/dns/api/v1/zones/northwind.example.com/records/nw-web-1/A', { values: ['10.128.0.2'] });
    expect(dns.status).toBe(200);

    const all = await c.ops();
    expect(all.map((o) => `${o.system}.${o.op}`)).toEqual(['bna.reserveIp', 'bna.reserveIp', 'dns.upsertRecord']);
    expect(all.map((o) => o.seq)).toEqual([...all.map((o) => o.seq)].sort((a, b) => a - b));
    expect(new Set(all.map((o) => o.seq)).size).toBe(3);
    for (const o of all) {
      expect(o).toEqual(
        expect.objectContaining({ outcome: 'ok', idempotencyKey: expect.any(String), at: o.finishedAt, startedAt: expect.any(String) }),
      );
    }
    expect(await c.ops({ system: 'bna' })).toHaveLength(2);
    expect((await c.ops({ op: 'dns.upsertRecord' }))[0].target).toBe('nw-web-1');
    expect((await c.ops({ tenant: 'contoso' })).map((o) => o.target)).toEqual(['co-web-1']);
    expect(await c.ops({ since: all[0].seq })).toHaveLength(2);
    expect(await c.ops({ since: all[2].seq })).toHaveLength(0);
  });

  it('answers bad input with 400 in each system style instead of crashing', async () => {
    const scen = await c.raw('POST', '/_sim/scenario', { body: '{"tenants": ', headers: { 'content-type': 'application/json' } });
    expect(scen.status).toBe(400);
    expect((await c.scenario({ tenants: 'many' })).status).toBe(400);
    const clm = await c.call('POST', '/clm/csm/NetworkContainer', { operationParams: 'nope' });
    expect(clm.status).toBe(400);
    expect(clm.body[0].cloudClass).toBe('com.bmc.cloud.model.beans.CloudError');
    const asa = await c.call('POST', '/asa/api/contexts', { name: 'bad name!' });
    expect(asa.status).toBe(400);
    expect(asa.body.messages[0]).toEqual(expect.objectContaining({ level: 'Error', code: expect.any(String) }));
    const fault = await c.call('POST', '/_sim/faults', { system: 'compute', rate: 3 });
    expect(fault.status).toBe(400);
    expect((await c.call('GET', '/nowhere')).status).toBe(404);
  });

  it('exposes and changes the latency model', async () => {
    const before = await c.call('GET', '/_sim/latency');
    expect(before.body.ops['inmage.recover']).toBeGreaterThanOrEqual(60_000);
    const put = await c.call('PUT', '/_sim/latency', { timeScale: 0.5, ops: { 'compute.powerOn': 1000 } });
    expect(put.status).toBe(200);
    expect(put.body.timeScale).toBe(0.5);
    expect(put.body.ops['compute.powerOn']).toBe(1000);
    // Phases are keyed like operations, digits included.
    expect((await c.call('PUT', '/_sim/latency', { ops: { 'inmage.resyncStep1': 2000 } })).body.ops['inmage.resyncStep1']).toBe(2000);
    expect((await c.call('PUT', '/_sim/latency', { timeScale: -1 })).status).toBe(400);
  });

  it('expires CLM, BNA and compute sessions after 30 idle minutes on the simulator clock', async () => {
    const basic = `Basic ${Buffer.from('lifeline:secret').toString('base64')}`;
    const clmLogin = await c.raw('POST', '/clm/csm/login', { body: { username: 'admin', password: 'secret' } });
    const bnaLogin = await c.raw('POST', '/bna/bca-networks/api/token', {
      body: 'grant_type=password&username=admin&password=secret',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(bnaLogin.body.sessionTimeoutMs).toBe(30 * 60_000);
    const vc = await c.raw('POST', '/compute/api/session', { headers: { authorization: basic } });
    const probes: [string, Record<string, string>, string][] = [
      ['/clm/csm/ServiceOffering', { 'authentication-token': clmLogin.headers.get('authentication-token') ?? '' }, 'AUTHENTICATION_FAILED'],
      ['/bna/bca-networks/api/v4.0/ip_pools', { authorization: `Bearer ${bnaLogin.body.token}` }, 'UNAUTHORIZED'],
      ['/compute/api/sites', { 'vmware-api-session-id': vc.body }, 'UNAUTHENTICATED'],
    ];
    const statuses = async (): Promise<number[]> => Promise.all(probes.map(async ([path, headers]) => (await c.raw('GET', path, { headers })).status));
    // Idle time counts from the last use, not from login.
    await c.advance(20 * 60_000);
    expect(await statuses()).toEqual([200, 200, 200]);
    await c.advance(20 * 60_000);
    expect(await statuses()).toEqual([200, 200, 200]);
    await c.advance(31 * 60_000);
    const expired = await Promise.all(probes.map(([path, headers]) => c.raw('GET', path, { headers })));
    expect(expired.map((r) => r.status)).toEqual([401, 401, 401]);
    expect(expired[0].body[0].errorID).toBe(probes[0][2]);
    expect(expired[1].body.errorCode).toBe(probes[1][2]);
    expect(expired[2].body.error_type).toBe(probes[2][2]);
    // A fresh login works at once; the test client logs in again by itself.
    expect((await c.call('GET', '/clm/csm/ServiceOffering')).status).toBe(200);
    expect((await c.call('GET', '/compute/api/sites')).status).toBe(200);
  });

  it('requires session credentials on the emulated systems', async () => {
    expect((await c.raw('GET', '/clm/csm/ServiceOffering')).status).toBe(401);
    expect((await c.raw('GET', '/bna/bca-networks/api/v4.0/ip_pools')).status).toBe(401);
    expect((await c.raw('GET', '/compute/api/sites')).status).toBe(401);
    expect((await c.raw('GET', '/inmage/api/v1/jobs/x')).status).toBe(401);
  });
  it('moves a tenant to a new primary site the provider built, which InMage then targets', async () => {
    await c.scenario({ tenants: [{ id: 'northwind', vms: 2, managementVms: 0 }] });
    const moved = await c.call('POST', '/_sim/tenants/northwind/primary-site', { site: 'northwind-dc2' });
    expect(moved.status).toBe(201);
    expect(moved.body).toEqual(expect.objectContaining({ tenant: 'northwind', previousSite: 'northwind-dc', site: expect.objectContaining({ site: 'northwind-dc2', kind: 'primary', tenant: 'northwind', down: false }) }));
    expect((await c.call('POST', '/_sim/tenants/northwind/primary-site', { site: 'northwind-dc2' })).status).toBe(200);
    const state = (await c.call('GET', '/_sim/state?tenant=northwind')).body;
    expect(state.tenants[0].primarySite).toBe('northwind-dc2');
    expect(state.sites.map((s: Json) => s.site)).toEqual(expect.arrayContaining(['northwind-dc', 'northwind-dc2']));
    // A process server registered without a site lands at the tenant's primary site: the new one.
    const ps = await c.call('POST', '/inmage/api/v1/tenants/northwind/control-servers', { name: 'nw-ps-9', role: 'ps' });
    expect(ps.body.site).toBe('northwind-dc2');

    expect((await c.call('POST', '/_sim/tenants/northwind/primary-site', { site: 'dr-1' })).status).toBe(422);
    expect((await c.call('POST', '/_sim/tenants/northwind/primary-site', { site: 'Not A Site' })).status).toBe(400);
    expect((await c.call('POST', '/_sim/tenants/nobody/primary-site', { site: 'x-dc' })).status).toBe(404);
  });
});
