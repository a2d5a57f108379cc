import type { RunningSimulator } from '../../infra/sim/server';
import { SimClient, type Json } from './sim-client';

describe('simulator limits', () => {
  let sim: RunningSimulator;
  let c: SimClient;

  beforeAll(async () => {
    ({ sim, client: c } = await SimClient.start());
  });
  afterAll(() => sim.close());
  beforeEach(async () => {
    await c.reset();
  });

  const im = '/inmage/api/v1/tenants/northwind';

  /** An unprotected tenant with agents installed, a PS and two MTs (with and without drills). */
  const unprotected = async (vms: number): Promise<{ ps: string; mtDrills: string; mtNoDrills: string; servers: Json[] }> => {
    const res = await c.scenario({ tenants: [{ id: 'northwind', vms, managementVms: 0 }], protected: false, agentsInstalled: true });
    const servers = res.body.tenants[0].vms;
    const reg = async (name: string, role: string, drillsEnabled = true): Promise<string> => {
      const r = await c.call('POST', `${im}/control-servers`, { name, role, drillsEnabled });
      expect(r.status).toBe(201);
      return r.body.id;
    };
    return { ps: await reg('nw-ps-1', 'ps'), mtDrills: await reg('nw-mt-1', 'mt', true), mtNoDrills: await reg('nw-mt-2', 'mt', false), servers };
  };

  /** Picks servers whose VMDKs add up to more than `limit` and a set that fits. */
  const byVmdks = (servers: Json[], limit: number): { fits: string[]; tooMany: string[] } => {
    const fits: string[] = [];
    let n = 0;
    for (const s of servers) {
      if (n + s.disks.length > limit) break;
      fits.push(s.name);
      n += s.disks.length;
    }
    const tooMany = servers.slice(0, fits.length + 1).map((s: Json) => s.name);
    return { fits, tooMany };
  };

  it('BNA refuses a reservation when the pool is exhausted, and a release frees it', async () => {
    const pool = await c.call('POST', '/bna/bca-networks/api/v4.0/ip_pools', { name: 'tiny', cidr: '10.99.0.0/29', site: 'dr-1', purpose: 'test' });
    expect(pool.status).toBe(201);
    expect(pool.body.capacity).toBe(5);
    const addresses: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await c.call('POST', '/bna/bca-networks/api/v4.0/ip_pools/tiny/reservations', { owner: `vm-${i}` });
      expect(r.status).toBe(201);
      addresses.push(r.body.address);
    }
    expect(new Set(addresses).size).toBe(5);
    const full = await c.call('POST', '/bna/bca-networks/api/v4.0/ip_pools/tiny/reservations', { owner: 'vm-5' });
    expect(full.status).toBe(422);
    expect(full.body.errorCode).toBe('POOL_EXHAUSTED');
    expect((await c.call('DELETE', `/bna/bca-networks/api/v4.0/ip_pools/tiny/reservations/${addresses[2]}`)).status).toBe(204);
    const again = await c.call('POST', '/bna/bca-networks/api/v4.0/ip_pools/tiny/reservations', { owner: 'vm-5' });
    expect(again.status).toBe(201);
    expect(again.body.address).toBe(addresses[2]);
  });

  it('BNA refuses a VLAN when the VLAN pool is exhausted; a CLM container then fails its task', async () => {
    await c.scenario({ tenants: [{ id: 'northwind', vms: 1, managementVms: 0 }], vlanPoolSize: 4 });
    const gold = await c.call('POST', '/clm/csm/NetworkContainer', SimClient.params({ name: 'nw-gold', tenant: 'northwind', tier: 'Gold' }));
    await c.advance(1);
    expect((await c.call('GET', `/clm/csm/task/${gold.body[0].guid}`)).body[0].taskState).toBe('COMPLETED');
    const silver = await c.call('POST', '/clm/csm/NetworkContainer', SimClient.params({ name: 'nw-silver', tenant: 'northwind', tier: 'Silver' }));
    const task = (await c.call('GET', `/clm/csm/task/${silver.body[0].guid}`)).body[0];
    expect(task).toEqual(expect.objectContaining({ taskState: 'FAILED', isError: true }));
    expect(task.errors[0].errorID).toBe('POOL_EXHAUSTED');
    expect((await c.call('POST', '/bna/bca-networks/api/v4.0/vlans', { name: 'nw-dr-extra', tenant: 'northwind' })).status).toBe(202);
    const none = await c.call('POST', '/bna/bca-networks/api/v4.0/vlans', { name: 'nw-dr-extra-2', tenant: 'northwind' });
    expect(none.status).toBe(422);
    expect(none.body.errorCode).toBe('POOL_EXHAUSTED');
  });

  it('a master target takes at most 40 VMDKs with drills and 57 without', async () => {
    const { ps, mtDrills, mtNoDrills, servers } = await unprotected(40);
    const forty = byVmdks(servers, 40);
    const over40 = await c.call('POST', `${im}/protection-plans`, { name: 'pp-a', masterTargetId: mtDrills, processServerId: ps, servers: forty.tooMany });
    expect(over40.status).toBe(422);
    expect(over40.body.error.code).toBe('MT_VMDK_LIMIT');
    expect(over40.body.error.maxVmdks).toBe(40);
    // The same servers fit a master target sized without drills (57).
    const noDrills = await c.call('POST', `${im}/protection-plans`, {
      name: 'pp-b',
      masterTargetId: mtNoDrills,
      processServerId: ps,
      servers: forty.tooMany,
      drillsEnabled: false,
    });
    expect(noDrills.status).toBe(201);
    const rest = servers.map((s: Json) => s.name).filter((n: string) => !forty.tooMany.includes(n));
    const remaining = byVmdks(servers.filter((s: Json) => rest.includes(s.name)), 40);
    expect((await c.call('POST', `${im}/protection-plans`, { name: 'pp-c', masterTargetId: mtDrills, processServerId: ps, servers: remaining.fits })).status).toBe(201);
    const mt = await c.call('GET', `${im}/control-servers/${mtNoDrills}`);
    expect(mt.body.maxVmdks).toBe(57);
  });

  it('a master target serves one protection plan', async () => {
    const { ps, mtDrills, servers } = await unprotected(4);
    expect((await c.call('POST', `${im}/protection-plans`, { name: 'pp-1', masterTargetId: mtDrills, processServerId: ps, servers: [servers[0].name] })).status).toBe(201);
    const second = await c.call('POST', `${im}/protection-plans`, { name: 'pp-2', masterTargetId: mtDrills, processServerId: ps, servers: [servers[1].name] });
    expect(second.status).toBe(422);
    expect(second.body.error.code).toBe('MT_ALREADY_HAS_PLAN');
  });

  it('a process server carries at most 1 TB/day of change rate', async () => {
    const { ps, servers } = await unprotected(120);
    let rate = 0;
    const picked: string[] = [];
    for (const s of servers) {
      picked.push(s.name);
      rate += s.changeRateGbPerDay;
      if (rate > 1024) break;
    }
    expect(rate).toBeGreaterThan(1024);
    const mts: string[] = [];
    for (let i = 0; i < 6; i++) {
      mts.push((await c.call('POST', `${im}/control-servers`, { name: `nw-mt-x${i}`, role: 'mt', drillsEnabled: false })).body.id);
    }
    // Spread the servers over master targets so only the PS limit can bite.
    let refusal: Json = null;
    let i = 0;
    for (let k = 0; k < mts.length && !refusal; k++) {
      const chunk: string[] = [];
      let vmdks = 0;
      while (i < picked.length) {
        const s = servers.find((x: Json) => x.name === picked[i]);
        if (vmdks + s.disks.length > 57) break;
        chunk.push(picked[i]);
        vmdks += s.disks.length;
        i++;
      }
      if (chunk.length === 0) break;
      const r = await c.call('POST', `${im}/protection-plans`, { name: `pp-${k}`, masterTargetId: mts[k], processServerId: ps, servers: chunk, drillsEnabled: false });
      if (r.status !== 201) refusal = r;
    }
    expect(refusal?.status).toBe(422);
    expect(refusal.body.error.code).toBe('PS_CHANGE_RATE_LIMIT');
    const psView = await c.call('GET', `${im}/control-servers/${ps}`);
    expect(psView.body.changeRateGbPerDay).toBeLessThanOrEqual(1024);
  });

  it('a DR site has a fixed number of master-target slots', async () => {
    await c.scenario({ tenants: [{ id: 'northwind', vms: 1, managementVms: 0 }], protected: false, drSite: { vcpu: 100, memoryGb: 400, storageGb: 10000, masterTargetSlots: 1 } });
    expect((await c.call('POST', `${im}/control-servers`, { name: 'nw-mt-1', role: 'mt' })).status).toBe(201);
    const r = await c.call('POST', `${im}/control-servers`, { name: 'nw-mt-2', role: 'mt' });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('MT_SLOTS_EXHAUSTED');
  });

  it('DR compute refuses a power-on when the site is short of vCPU or memory', async () => {
    await c.scenario({ tenants: [{ id: 'northwind', vms: 3, managementVms: 0 }], drSite: { vcpu: 12, memoryGb: 64, storageGb: 100000, masterTargetSlots: 10 } });
    const recovered: string[] = [];
    for (const name of ['nw-web-1', 'nw-app-1', 'nw-db-1']) {
      const r = await c.call('POST', `${im}/servers/${name}/recover`, { recoveryPoint: { type: 'latestTag' } });
      expect(r.status).toBe(202);
      await c.advance(1);
      const job = await c.call('GET', `/inmage/api/v1/jobs/${r.body.job.id}`);
      expect(job.body.state).toBe('Completed');
      recovered.push(job.body.result.vmId);
    }
    // web 2 vCPU/4 GB + app 4/8 fit; db needs 8 vCPU/32 GB with 6 vCPU left.
    expect((await c.call('POST', `/compute/api/vcenter/vm/${recovered[0]}/power/start`)).status).toBe(204);
    expect((await c.call('POST', `/compute/api/vcenter/vm/${recovered[1]}/power/start`)).status).toBe(204);
    const refused = await c.call('POST', `/compute/api/vcenter/vm/${recovered[2]}/power/start`);
    expect(refused.status).toBe(422);
    expect(refused.body.error_type).toBe('UNABLE_TO_ALLOCATE_RESOURCE');
    const cap = await c.call('GET', '/compute/api/sites/dr-1/capacity');
    expect(cap.body.used.vcpu).toBe(6);
    expect((await c.call('POST', `/compute/api/vcenter/vm/${recovered[0]}/power/stop`)).status).toBe(204);
    expect((await c.call('POST', `/compute/api/vcenter/vm/${recovered[1]}/power/stop`)).status).toBe(204);
    expect((await c.call('POST', `/compute/api/vcenter/vm/${recovered[2]}/power/start`)).status).toBe(204);
  });

  it('ASA allows 25 sessions per context, then answers 503', async () => {
    const basic = `Basic ${Buffer.from('admin:pw').toString('base64')}`;
    const tokens: string[] = [];
    for (let i = 0; i < 25; i++) {
      const r = await c.raw('POST', '/asa/api/tokenservices?context=ctx-limit', { headers: { authorization: basic } });
      expect(r.status).toBe(204);
      tokens.push(r.headers.get('x-auth-token') ?? '');
    }
    const over = await c.raw('POST', '/asa/api/tokenservices?context=ctx-limit', { headers: { authorization: basic } });
    expect(over.status).toBe(503);
    expect((await c.raw<Json>('GET', '/asa/api/contexts', { headers: { 'x-auth-token': tokens[0] } })).status).toBe(200);
    expect((await c.raw('DELETE', `/asa/api/tokenservices/${tokens[0]}`, { headers: { authorization: basic } })).status).toBe(204);
    expect((await c.raw('POST', '/asa/api/tokenservices?context=ctx-limit', { headers: { authorization: basic } })).status).toBe(204);
  });
});
