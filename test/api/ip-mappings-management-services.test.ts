import { DIALECTS } from '../support/databases';
import { seedEstate, startTestApp, tokenFor, vm, type Estate, type TestApp } from '../support/api';

describe.each(DIALECTS)('IP mappings and management services (%s)', (dialect) => {
  let t: TestApp;
  let e: Estate;
  const mappings = () => `/v1/tenants/${e.tenantId}/ip-mappings`;

  beforeAll(async () => {
    t = await startTestApp(dialect);
    e = await seedEstate(t);
    await t.http.post(`/v1/tenants/${e.tenantId}/vms`).set(t.auth())
      .send({ vms: [vm('db-1', { primary: { hostname: 'db-1', ips: ['10.1.0.11', '10.1.0.12'] } }), vm('app-1', { primary: { hostname: 'app-1', ips: ['10.2.0.5'] } })] })
      .expect(201);
  });
  afterAll(async () => t?.close());

  it('stores subnet rules and per-VM overrides, replacing them as a whole', async () => {
    const empty = await t.http.get(mappings()).set(t.auth()).expect(200);
    expect(empty.body).toEqual({ tenantId: e.tenantId, subnets: [], overrides: [] });
    const body = {
      subnets: [{ primaryCidr: '10.1.0.0/24', drCidr: '172.16.1.0/24' }, { primaryCidr: '10.2.0.0/16', drCidr: '172.17.0.0/16' }],
      overrides: [{ vm: 'db-1', primaryIp: '10.1.0.11', drIp: '172.16.9.11' }],
    };
    const put = await t.http.put(mappings()).set(t.auth()).send(body).expect(200);
    expect(put.body.subnets.map((s: { primaryCidr: string; drCidr: string }) => [s.primaryCidr, s.drCidr])).toEqual([['10.1.0.0/24', '172.16.1.0/24'], ['10.2.0.0/16', '172.17.0.0/16']]);
    expect(put.body.overrides).toEqual([expect.objectContaining({ vm: 'db-1', primaryIp: '10.1.0.11', drIp: '172.16.9.11' })]);
    await t.http.get(mappings()).set(t.auth()).expect(200, put.body);
    const replaced = await t.http.put(mappings()).set(t.auth()).send({ subnets: [{ primaryCidr: '10.9.0.0/24', drCidr: '172.19.0.0/24' }] }).expect(200);
    expect(replaced.body.subnets).toHaveLength(1);
    expect(replaced.body.overrides).toEqual([]);
  });

  it('rejects malformed and overlapping rules and bad overrides, naming them, changing nothing', async () => {
    const current = (await t.http.get(mappings()).set(t.auth()).expect(200)).body;
    const before = await t.counts();
    const syntax = await t.http.put(mappings()).set(t.auth()).send({ subnets: [{ primaryCidr: '10.1.0.0', drCidr: '172.16.1.0/24' }] }).expect(400);
    expect(syntax.body.message.join()).toMatch(/subnets\.0\.primaryCidr must be an IPv4 CIDR/);
    const ip = await t.http.put(mappings()).set(t.auth()).send({ subnets: [], overrides: [{ vm: 'db-1', primaryIp: '10.1.0.11', drIp: 'nope' }] }).expect(400);
    expect(ip.body.message.join()).toMatch(/overrides\.0\.drIp must be an IPv4 address/);

    const semantic = await t.http.put(mappings()).set(t.auth()).send({
      subnets: [
        { primaryCidr: '10.1.0.0/24', drCidr: '172.16.1.0/24' },
        { primaryCidr: '10.1.0.128/25', drCidr: '172.16.2.0/25' },
        { primaryCidr: '10.3.0.0/24', drCidr: '172.16.1.0/24' },
        { primaryCidr: '10.4.0.1/24', drCidr: '172.18.0.0/24' },
        { primaryCidr: '10.5.0.0/24', drCidr: '172.20.0.0/16' },
      ],
      overrides: [
        { vm: 'ghost', primaryIp: '10.1.0.1', drIp: '172.30.0.1' },
        { vm: 'app-1', primaryIp: '10.2.0.99', drIp: '172.30.0.2' },
      ],
    }).expect(422);
    const text = semantic.body.message.join('\n');
    expect(text).toMatch(/subnets\.0 \(10\.1\.0\.0\/24\) and subnets\.1 \(10\.1\.0\.128\/25\) overlap on the primary side/);
    expect(text).toMatch(/subnets\.0 \(172\.16\.1\.0\/24\) and subnets\.2 \(172\.16\.1\.0\/24\) overlap on the DR side/);
    expect(text).toMatch(/subnets\.3\.primaryCidr 10\.4\.0\.1\/24 is not a network address/);
    expect(text).toMatch(/subnets\.4: 10\.5\.0\.0\/24 and 172\.20\.0\.0\/16 differ in size/);
    expect(text).toMatch(/overrides\.0\.vm ghost is not a VM of this tenant/);
    expect(text).toMatch(/overrides\.1\.primaryIp 10\.2\.0\.99 is not a primary IP of app-1/);
    expect(await t.counts()).toEqual(before);
    await t.http.get(mappings()).set(t.auth()).expect(200, current);
  });

  it('keeps tenant and provider-shared management services, in restore order', async () => {
    const shared = await t.http.post('/v1/management-services').set(t.auth())
      .send({ kind: 'event-policy', name: 'netcool', primaryEndpoint: 'https://netcool.pod:443', drEndpoint: 'https://netcool.dr:443', restorePriority: 1 }).expect(201);
    expect(shared.body).toMatchObject({ scope: 'shared', tenantId: null });
    const own = await t.http.post(`/v1/tenants/${e.tenantId}/management-services`).set(t.auth())
      .send({ kind: 'backup', name: 'tsm', primaryEndpoint: 'tsm.corp:1500', restorePriority: 5, metadata: { nodes: ['db-1', 'app-1'] } }).expect(201);
    expect(own.body).toMatchObject({ scope: 'tenant', tenantId: e.tenantId, kind: 'backup', drEndpoint: null, metadata: { nodes: ['db-1', 'app-1'] } });

    const list = await t.http.get(`/v1/tenants/${e.tenantId}/management-services`).set(t.auth()).expect(200);
    expect(list.body.map((s: { name: string }) => s.name)).toEqual(['netcool', 'tsm']);
    const sharedList = await t.http.get('/v1/management-services').set(t.auth()).expect(200);
    expect(sharedList.body.map((s: { name: string }) => s.name)).toEqual(['netcool']);

    const patched = await t.http.patch(`/v1/management-services/${own.body.id}`).set(t.auth()).send({ drEndpoint: 'tsm.dr:1500', restorePriority: 0 }).expect(200);
    expect(patched.body).toMatchObject({ drEndpoint: 'tsm.dr:1500', restorePriority: 0 });
    const dup = await t.http.post(`/v1/tenants/${e.tenantId}/management-services`).set(t.auth())
      .send({ kind: 'backup', name: 'tsm', primaryEndpoint: 'x:1', restorePriority: 1 }).expect(409);
    expect(dup.body.message).toMatch(/tsm/);
    const kind = await t.http.post('/v1/management-services').set(t.auth()).send({ kind: 'email', name: 'x', primaryEndpoint: 'x:1', restorePriority: 1 }).expect(400);
    expect(kind.body.message.join()).toMatch(/kind must be one of: monitoring, event-policy, firewall, backup/);

    // A tenant admin reads the shared services but only changes its own tenant's.
    const tenantAdmin = await tokenFor(t, 'tenant-admin', e.tenantId);
    await t.http.get(`/v1/management-services/${shared.body.id}`).set(t.auth(tenantAdmin)).expect(200);
    await t.http.patch(`/v1/management-services/${shared.body.id}`).set(t.auth(tenantAdmin)).send({ restorePriority: 9 }).expect(403);
    await t.http.post('/v1/management-services').set(t.auth(tenantAdmin)).send({ kind: 'dns', name: 'y', primaryEndpoint: 'y:53', restorePriority: 1 }).expect(403);
    await t.http.delete(`/v1/management-services/${own.body.id}`).set(t.auth(tenantAdmin)).expect(204);
    await t.http.get(`/v1/management-services/${own.body.id}`).set(t.auth()).expect(404);
  });
});
