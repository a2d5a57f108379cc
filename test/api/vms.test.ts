import { DIALECTS } from '../support/databases';
import { seedEstate, startTestApp, vm, type Estate, type TestApp } from '../support/api';

describe.each(DIALECTS)('protected VMs (%s)', (dialect) => {
  let t: TestApp;
  let e: Estate;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    e = await seedEstate(t);
  });
  afterAll(async () => t?.close());

  const post = (body: unknown, tenantId = e.tenantId) => t.http.post(`/v1/tenants/${tenantId}/vms`).set(t.auth()).send(body as object);

  it('imports VMs and lists them page by page, every field round-tripped', async () => {
    const full = vm('web-1', {
      role: 'workload', recoveryPriority: 5, critical: true, probes: [{ kind: 'http', url: 'http://web-1/health' }, { kind: 'tcp', port: 443 }],
      disks: [{ name: 'os', sizeGb: 40 }, { name: 'data', sizeGb: 500 }],
    });
    const res = await post({ vms: [full, vm('web-2'), vm('mgmt-1', { role: 'management' })] }).expect(201);
    expect(res.body.count).toBe(3);
    expect(res.body.items.map((i: { name: string }) => i.name)).toEqual(['web-1', 'web-2', 'mgmt-1']);

    const page1 = await t.http.get(`/v1/tenants/${e.tenantId}/vms?limit=2`).set(t.auth()).expect(200);
    expect(page1.body).toMatchObject({ total: 3, limit: 2, offset: 0 });
    expect(page1.body.items.map((v: { name: string }) => v.name)).toEqual(['mgmt-1', 'web-1']);
    const page2 = await t.http.get(`/v1/tenants/${e.tenantId}/vms?limit=2&offset=2`).set(t.auth()).expect(200);
    expect(page2.body.items.map((v: { name: string }) => v.name)).toEqual(['web-2']);

    const web1 = page1.body.items[1];
    expect(web1).toMatchObject({
      name: 'web-1', role: 'workload', os: 'rhel-9', vcpu: 2, memoryMb: 4096, disks: full.disks, primary: full.primary,
      dr: null, replicationState: 'unprotected', rpoLagSeconds: null, recoveryPriority: 5, masterTarget: null, critical: true, probes: full.probes,
    });
    const web2 = page2.body.items[0];
    expect(web2).toMatchObject({ dr: null, replicationState: 'unprotected', rpoLagSeconds: null, recoveryPriority: 100, masterTarget: null, critical: false, probes: [] });
    await t.http.get(`/v1/tenants/${e.tenantId}/vms/${web1.id}`).set(t.auth()).expect(200, web1);
  });

  it('refuses the fields the workflows own (replication state and lag, master target, DR identity) and VMs larger than vCenter runs', async () => {
    const before = await t.counts();
    const owned: [Record<string, unknown>, string][] = [
      [{ replicationState: 'differential-sync' }, 'replicationState'],
      [{ rpoLagSeconds: 0 }, 'rpoLagSeconds'],
      [{ masterTarget: 'mt-1' }, 'masterTarget'],
      [{ dr: { hostname: 'x.dr.local', ips: ['172.16.0.9'] } }, 'dr'],
      [{ site: { role: 'dr' } }, 'site'],
    ];
    for (const [field, name] of owned) {
      const res = await post({ vms: [vm('owned', field)] }).expect(400);
      expect(res.body.message).toEqual([`vms.0.property ${name} should not exist`]);
    }
    const sizes: [Record<string, unknown>, RegExp][] = [
      [{ vcpu: 1024 }, /vms\.0\.vcpu must not be greater than 768/],
      [{ memoryMb: 100_000_000 }, /vms\.0\.memoryMb must not be greater than 25165824/],
      [{ disks: Array.from({ length: 65 }, (_, i) => ({ name: `d${i}`, sizeGb: 1 })) }, /vms\.0\.disks must contain no more than 64 elements/],
      [{ disks: [{ name: 'd', sizeGb: 1_000_000 }] }, /vms\.0\.disks\.0\.sizeGb must not be greater than 63488/],
    ];
    for (const [field, message] of sizes) {
      const res = await post({ vms: [vm('huge', field)] }).expect(400);
      expect(res.body.message.join()).toMatch(message);
    }
    expect(await t.counts()).toEqual(before);
    const schema = (await t.http.get('/docs-json').expect(200)).body.components.schemas;
    expect(Object.keys(schema.CreateVmDto.properties)).not.toEqual(expect.arrayContaining(['replicationState']));
    for (const field of ['replicationState', 'rpoLagSeconds', 'masterTarget', 'dr']) expect(schema.VmResponseDto.properties[field].readOnly).toBe(true);
  });

  it('refuses bad VM input with 400 naming the field path, storing nothing', async () => {
    const before = await t.counts();
    const cases: [unknown, RegExp][] = [
      [{}, /vms must be an array/],
      [{ vms: [] }, /vms must contain at least 1 elements/],
      [{ vms: [vm('ok'), vm('bad', { name: 7 })] }, /vms\.1\.name must be a string/],
      [{ vms: [vm('a1', { vcpu: 'four' })] }, /vms\.0\.vcpu must be an integer/],
      [{ vms: [vm('a1', { role: 'database' })] }, /vms\.0\.role must be one of: management, workload/],
      [{ vms: [vm('a1', { colour: 'red' })] }, /vms\.0\.property colour should not exist/],
      [{ vms: [vm('a1', { primary: { hostname: 'h', ips: ['10.0.0.300'] } })] }, /vms\.0\.primary\.each value in ips must be an IP address/],
      [{ vms: [vm('a1', { disks: [{ name: 'd', sizeGb: 0 }] })] }, /vms\.0\.disks\.0\.sizeGb must not be less than 1/],
      [{ vms: [{ name: 'only-a-name' }] }, /vms\.0\.role must be one of/],
      [{ vms: [vm('a1')], extra: true }, /property extra should not exist/],
    ];
    for (const [body, message] of cases) {
      const res = await post(body);
      expect({ status: res.status, body: res.body }).toMatchObject({ status: 400, body: { statusCode: 400, error: 'Bad Request' } });
      expect(res.body.message.join('\n')).toMatch(message);
    }
    expect(await t.counts()).toEqual(before);
  });

  it('refuses duplicate names within the request (422) and against the inventory (409), naming them, all or nothing', async () => {
    const before = await t.counts();
    const inRequest = await post({ vms: [vm('dup-a'), vm('fresh-1'), vm('dup-a')] }).expect(422);
    expect(inRequest.body.message.join()).toMatch(/repeated within the request: dup-a/);
    const existing = await post({ vms: [vm('fresh-2'), vm('web-1'), vm('web-2')] }).expect(409);
    expect(existing.body.message).toMatch(/already exist in the tenant: web-1, web-2/);
    expect(existing.body.items).toEqual(['web-1', 'web-2']);
    expect(await t.counts()).toEqual(before);
  });

  it('imports 5,000 VMs in one request and refuses 5,001 naming the limit', async () => {
    const other = await seedEstate(t, 'bulk');
    const vms = Array.from({ length: 5000 }, (_, i) => vm(`bulk-${String(i).padStart(4, '0')}`));
    const res = await post({ vms }, other.tenantId).expect(201);
    expect(res.body.count).toBe(5000);
    const list = await t.http.get(`/v1/tenants/${other.tenantId}/vms?limit=1`).set(t.auth()).expect(200);
    expect(list.body.total).toBe(5000);

    const before = await t.counts();
    const tooMany = Array.from({ length: 5001 }, (_, i) => vm(`over-${i}`));
    const refused = await post({ vms: tooMany }, other.tenantId).expect(400);
    expect(refused.body.message.join()).toMatch(/vms must contain no more than 5000 elements/);
    expect(await t.counts()).toEqual(before);
  });

  it('refuses a large import whose late row clashes with the inventory, storing none of it', async () => {
    const before = await t.counts();
    const vms = Array.from({ length: 1200 }, (_, i) => vm(`rb-${i}`));
    vms[1100] = vm('web-1');
    await post({ vms }).expect(409);
    expect(await t.counts()).toEqual(before);
  });

  it('lets exactly one of two concurrent imports of the same names win; the other gets 409 naming the field', async () => {
    const before = await t.counts();
    const body = { vms: Array.from({ length: 300 }, (_, i) => vm(`race-${i}`)) };
    const results = await Promise.all([post(body), post(body)]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    const loser = results.find((r) => r.status === 409)!;
    expect(loser.body.statusCode).toBe(409);
    // Caught by the service's check (SQLite serialises writes) or by the unique index (MySQL), both name it.
    expect(JSON.stringify(loser.body)).toMatch(/name|race-/);
    expect((await t.counts()).vms).toBe(before.vms + 300);
  });

  it('answers 404 for an unknown tenant and 400 for bad paging', async () => {
    await post({ vms: [vm('x')] }, '00000000-0000-4000-8000-000000000000').expect(404);
    const paging = await t.http.get(`/v1/tenants/${e.tenantId}/vms?limit=0`).set(t.auth()).expect(400);
    expect(paging.body.message.join()).toMatch(/limit must not be less than 1/);
    const unknown = await t.http.get(`/v1/tenants/${e.tenantId}/vms?sort=name`).set(t.auth()).expect(400);
    expect(unknown.body.message.join()).toMatch(/property sort should not exist/);
  });
});
