import type { TestApp } from '../support/api';
import { ended, startDrEstate, type DrEstate } from '../support/dr-estate';
import { captureMetadata, estateDifferences } from '../support/estate-oracle';

/**
 * The tenant's IP mapping decides where its workload VMs live at the DR site. Three tenants, each mapped
 * differently (a /16 rule and an override; two /24 rules and an override into the tenant's DR data
 * pool; a /25 rule and two overrides), are onboarded, failed over and failed back; after each step the estate oracle, which
 * reads only the inventory and the captured metadata, finds the estate as they say.
 */
describe('IP mappings through onboarding, failover and failback', () => {
  let e: DrEstate;
  let t: TestApp;

  const mappings: Record<string, (vms: { name: string; ip: string }[]) => { subnets: { primaryCidr: string; drCidr: string }[]; overrides: { vm: string; primaryIp: string; drIp: string }[] }> = {
    northwind: (vms) => ({
      subnets: [{ primaryCidr: '10.1.0.0/16', drCidr: '172.20.0.0/16' }],
      overrides: [{ vm: vms[1].name, primaryIp: vms[1].ip, drIp: '172.20.9.9' }],
    }),
    contoso: (vms) => ({
      subnets: [
        { primaryCidr: '10.2.1.0/24', drCidr: '192.168.100.0/24' },
        { primaryCidr: '10.2.2.0/24', drCidr: '192.168.101.0/24' },
      ],
      overrides: [{ vm: vms[0].name, primaryIp: vms[0].ip, drIp: '10.129.0.20' }],
    }),
    fabrikam: (vms) => ({
      subnets: [{ primaryCidr: '10.3.1.0/25', drCidr: '10.200.7.0/25' }],
      overrides: [
        { vm: vms[2].name, primaryIp: vms[2].ip, drIp: '10.200.7.100' },
        { vm: vms[4].name, primaryIp: vms[4].ip, drIp: '10.200.7.101' },
      ],
    }),
  };

  beforeAll(async () => {
    e = await startDrEstate('ip-mappings', { tenants: 3, vmsPerTenant: 6, managementVmsPerTenant: 3, waveConcurrency: 3 }, {
      onboard: true,
      prepare: async (app, tenants) => {
        for (const tenant of tenants) {
          const vms = (await app.http.get(`/v1/tenants/${tenant.id}/vms?limit=100`).set(app.auth()).expect(200)).body.items as { name: string; role: string; primary: { ips: string[] } }[];
          // The simulator numbers a tenant's hosts from 10.x.1.10, management VMs first.
          const host = (ip: string) => Number(ip.split('.')[3]);
          const work = vms.filter((v) => v.role === 'workload').map((v) => ({ name: v.name, ip: v.primary.ips[0] })).sort((a, b) => host(a.ip) - host(b.ip));
          await app.http.put(`/v1/tenants/${tenant.id}/ip-mappings`).set(app.auth()).send(mappings[tenant.name](work)).expect(200);
        }
      },
    });
    ({ t } = e);
  });
  afterAll(async () => e?.close());

  const differences = async () => {
    const out: Record<string, string[]> = {};
    for (const tenant of e.tenants) out[tenant.name] = await estateDifferences(e.dataSource, e.estate.control, tenant.id);
    return out;
  };
  const none = () => Object.fromEntries(e.tenants.map((x) => [x.name, []]));

  it('onboards each tenant with its mapped addresses reserved, and the oracle finds the estate as protected', async () => {
    for (const tenant of e.tenants) await captureMetadata(t.http, t.auth(), tenant.id);
    expect(await differences()).toEqual(none());
  });

  it('fails every tenant over onto its mapped addresses; the oracle finds no difference', async () => {
    const ids: string[] = [];
    for (const tenant of e.tenants) {
      ids.push((await t.http.post('/v1/operations').set(t.auth()).send({ kind: 'failover', tenantId: tenant.id, requestId: 'fo-1', recoveryPoint: { kind: 'latest-common-time' } }).expect(202)).body.operationId);
    }
    for (const id of ids) {
      const op = await e.until(id, ended);
      expect({ id, status: op.status, error: op.error ?? null }).toEqual({ id, status: 'completed', error: null });
    }
    expect(await differences()).toEqual(none());
  });

  it('fails every tenant back; the oracle finds no difference', async () => {
    const ids: string[] = [];
    for (const tenant of e.tenants) {
      ids.push((await t.http.post('/v1/operations').set(t.auth()).send({
        kind: 'failback', tenantId: tenant.id, requestId: 'fb-1', maintenanceWindowStart: new Date().toISOString(), statusPollSeconds: 1,
      }).expect(202)).body.operationId);
    }
    for (const id of ids) {
      const op = await e.until(id, ended);
      expect({ id, status: op.status, error: op.error ?? null }).toEqual({ id, status: 'completed', error: null });
    }
    expect(await differences()).toEqual(none());
  });

  it('refuses a failover, naming the VMs, when the mapping leaves a VM without an address or puts two on one', async () => {
    const tenant = e.tenants.find((x) => x.name === 'northwind')!;
    const vms = (await t.http.get(`/v1/tenants/${tenant.id}/vms?limit=100`).set(t.auth()).expect(200)).body.items as { name: string; role: string; primary: { ips: string[] } }[];
    const host = (v: { primary: { ips: string[] } }) => Number(v.primary.ips[0].split('.')[3]);
    const work = vms.filter((v) => v.role === 'workload').sort((a, b) => host(a) - host(b));
    // Workload hosts are .13 to .18: a /28 rule covers .13 to .15; .16 is put onto .13's DR address; .17 and .18 get nothing.
    const [onRule, , , doubled, ...unmapped] = work;
    await t.http.put(`/v1/tenants/${tenant.id}/ip-mappings`).set(t.auth()).send({
      subnets: [{ primaryCidr: '10.1.1.0/28', drCidr: '172.30.1.0/28' }],
      overrides: [{ vm: doubled.name, primaryIp: doubled.primary.ips[0], drIp: `172.30.1.${host(onRule)}` }],
    }).expect(200);
    const id = (await t.http.post('/v1/operations').set(t.auth()).send({ kind: 'failover', tenantId: tenant.id, requestId: 'fo-refused', recoveryPoint: { kind: 'latest-common-time' } }).expect(202)).body.operationId as string;
    const op = await e.until(id, ended);
    expect(op.status).toBe('failed');
    expect(op.error).toContain('pre-flight refused');
    expect(op.error).toContain(`${onRule.name}: ${onRule.primary.ips[0]} maps to 172.30.1.${host(onRule)}, as does ${doubled.name}`);
    expect(op.error).toContain(`${doubled.name}: ${doubled.primary.ips[0]} maps to 172.30.1.${host(onRule)}, as does ${onRule.name}`);
    for (const vm of unmapped) expect(op.error).toContain(`${vm.name}: ${vm.primary.ips[0]} has neither a per-VM override nor a subnet rule`);
    expect((await t.http.get(`/v1/tenants/${tenant.id}`).set(t.auth()).expect(200)).body.state).toBe('protected');
    const s = (await e.estate.control.state(tenant.name)) as { compute: { vms: { site: string }[] } };
    expect(s.compute.vms.filter((v) => v.site === 'dr-1')).toEqual([]);
  });
});
