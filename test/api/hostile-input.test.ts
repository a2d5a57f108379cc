import { createHash } from 'node:crypto';
import { seedEstate, startTestApp, type TestApp } from '../support/api';

/** Every route that takes a JSON body, from the OpenAPI document, with its path parameters filled. */
async function jsonRoutes(t: TestApp): Promise<{ method: string; path: string }[]> {
  const doc = (await t.http.get('/docs-json').expect(200)).body as { paths: Record<string, Record<string, { requestBody?: unknown }>> };
  const id = '00000000-0000-4000-8000-000000000000';
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops)
      .filter(([method]) => ['post', 'put', 'patch'].includes(method))
      .map(([method]) => ({ method, path: path.replace(/\{[^}]+\}/g, id) })),
  );
}

function nestedArrays(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

function nestedObject(depth: number): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

describe('hostile input (sqlite)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite');
  });
  afterAll(async () => t?.close());

  it('answers 400, never 500, to 100,000 nested arrays on every JSON route, and keeps answering', async () => {
    const routes = await jsonRoutes(t);
    expect(routes.length).toBeGreaterThan(20);
    const body = nestedArrays(100_000);
    const before = await t.counts();
    for (const r of routes) {
      const res = await t.http[r.method as 'post'](r.path).set(t.auth()).set('Content-Type', 'application/json').send(body);
      expect({ route: `${r.method} ${r.path}`, status: res.status }).toEqual({ route: `${r.method} ${r.path}`, status: 400 });
      expect(res.body.message).toMatch(/nested deeper than 32/);
    }
    expect(await t.counts()).toEqual(before);
    await t.http.get('/health').expect(200);
    // Brackets inside strings (escaped quotes too) are text, not nesting.
    await t.http.post('/v1/sites').set(t.auth()).send({ name: `\\"${'[{'.repeat(40)}`, kind: 'primary' }).expect(201);
  });

  it('answers 400 to management-service metadata nested 3,000 levels deep, storing nothing', async () => {
    const e = await seedEstate(t, 'deep');
    const before = await t.counts();
    const res = await t.http.post(`/v1/tenants/${e.tenantId}/management-services`).set(t.auth())
      .send({ kind: 'monitoring', name: 'itm', primaryEndpoint: 'https://itm:3661', restorePriority: 1, metadata: nestedObject(3_000) });
    expect(res.status).toBe(400);
    expect(await t.counts()).toEqual(before);
  });

  it('bounds management-service metadata (64 KiB, 8 levels, stated in the OpenAPI) and audits a large value by its digest', async () => {
    const e = await seedEstate(t, 'bounds');
    const service = `/v1/management-services/${(await t.http.post(`/v1/tenants/${e.tenantId}/management-services`).set(t.auth())
      .send({ kind: 'cmdb', name: 'cmdb', primaryEndpoint: 'https://cmdb:443', restorePriority: 1 }).expect(201)).body.id}`;
    const before = await t.counts();
    const huge = await t.http.patch(service).set(t.auth()).send({ metadata: { blob: 'x'.repeat(20 * 1024 * 1024) } }).expect(400);
    expect(huge.body.message).toEqual(['metadata must be at most 65536 bytes as JSON and nest at most 8 levels']);
    await t.http.patch(service).set(t.auth()).send({ metadata: nestedObject(9) }).expect(400);
    await t.http.post(`/v1/tenants/${e.tenantId}/management-services`).set(t.auth())
      .send({ kind: 'dns', name: 'dns', primaryEndpoint: 'dns:53', restorePriority: 2, metadata: { blob: 'y'.repeat(70_000) } }).expect(400);
    expect(await t.counts()).toEqual(before);
    expect((await t.http.get(service).set(t.auth()).expect(200)).body.metadata).toBeNull();

    await t.http.patch(service).set(t.auth()).send({ metadata: nestedObject(7) }).expect(200);
    const large = { records: Array.from({ length: 500 }, (_, i) => ({ ci: `ci-${i}`, owner: 'ops' })) };
    await t.http.patch(service).set(t.auth()).send({ metadata: large, restorePriority: 3 }).expect(200);
    expect((await t.http.get(service).set(t.auth()).expect(200)).body.metadata).toEqual(large);
    const feed = await t.http.get(`/v1/audit-events?tenantId=${e.tenantId}&limit=100`).set(t.auth()).expect(200);
    const update = feed.body.items.find((a: { action: string; details: { changes: { restorePriority?: number } } }) =>
      a.action === 'management-service.update' && a.details.changes.restorePriority === 3);
    const json = JSON.stringify(large);
    expect(update.details.changes.metadata).toEqual({ sha256: createHash('sha256').update(json).digest('hex'), bytes: Buffer.byteLength(json) });
    expect(JSON.stringify(feed.body).length).toBeLessThan(10_000);

    const schema = (await t.http.get('/docs-json').expect(200)).body.components.schemas;
    for (const dto of ['CreateManagementServiceDto', 'UpdateManagementServiceDto']) {
      expect(schema[dto].properties.metadata).toMatchObject({ 'x-max-bytes': 65536, 'x-max-depth': 8, description: expect.stringMatching(/at most 65536 bytes, nested at most 8 levels/) });
    }
  });

  describe('protocol', () => {
    let e: Awaited<ReturnType<typeof seedEstate>>;
    let serviceId: string;
    beforeAll(async () => {
      e = await seedEstate(t, 'protocol');
      serviceId = (await t.http.post(`/v1/tenants/${e.tenantId}/management-services`).set(t.auth())
        .send({ kind: 'monitoring', name: 'itm', primaryEndpoint: 'https://itm:3661', restorePriority: 1 }).expect(201)).body.id;
    });

    it('answers 415 to a body that is not JSON (text, XML, form), writing nothing and auditing nothing', async () => {
      const before = await t.counts();
      for (const [type, body] of [['text/plain', 'name=x'], ['application/xml', '<service><name>x</name></service>'], ['application/x-www-form-urlencoded', 'name=x']]) {
        const res = await t.http.patch(`/v1/management-services/${serviceId}`).set(t.auth()).set('Content-Type', type).send(body);
        expect({ type, status: res.status }).toEqual({ type, status: 415 });
        expect(res.body).toMatchObject({ statusCode: 415, error: 'Unsupported Media Type', message: expect.stringContaining(type) });
      }
      await t.http.post('/v1/sites').set(t.auth()).set('Content-Type', 'text/plain').send('{"name":"x","kind":"dr"}').expect(415);
      expect(await t.counts()).toEqual(before);
      // A command without a body needs no content type.
      await t.http.get(`/v1/management-services/${serviceId}`).set(t.auth()).expect(200);
    });

    it('refuses __proto__, constructor and prototype keys like any other unknown key (400 naming it), at any level', async () => {
      const before = await t.counts();
      const send = (raw: string) => t.http.patch(`/v1/management-services/${serviceId}`).set(t.auth()).set('Content-Type', 'application/json').send(raw);
      for (const [raw, path] of [
        ['{"__proto__":{"isAdmin":true},"name":"x"}', '__proto__'],
        ['{"constructor":{"prototype":{"x":1}}}', 'constructor'],
        ['{"metadata":{"a":{"__proto__":{"polluted":true}}}}', 'metadata.a.__proto__'],
        ['{"metadata":{"prototype":1}}', 'metadata.prototype'],
      ]) {
        const res = await send(raw).expect(400);
        expect(res.body.message).toEqual([`property ${path} should not exist`]);
      }
      const other = await send('{"isAdmin":true}').expect(400);
      expect(other.body.message.join()).toMatch(/property isAdmin should not exist/);
      expect(await t.counts()).toEqual(before);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('answers 405 to TRACE and OPTIONS', async () => {
      for (const path of ['/v1/sites', `/v1/management-services/${serviceId}`, '/health']) {
        const trace = await t.http.trace(path).set(t.auth());
        expect(trace.status).toBe(405);
        const options = await t.http.options(path).set(t.auth());
        expect(options.status).toBe(405);
        expect(options.body).toMatchObject({ statusCode: 405, error: 'Method Not Allowed' });
      }
    });

    it('refuses query and path numbers that are not plain decimals (0x10, 1e3, 1.0, +5, blanks)', async () => {
      for (const bad of ['0x10', '1e3', '1.0', '+5', '%2010', '0b11', 'Infinity', '']) {
        const res = await t.http.get(`/v1/audit-events?limit=${bad}`).set(t.auth());
        expect({ bad, status: res.status }).toEqual({ bad, status: 400 });
        expect(res.body.message.join()).toMatch(/limit/);
        await t.http.get(`/v1/tenants/${e.tenantId}/vms?offset=${bad}`).set(t.auth()).expect(400);
        await t.http.get(`/v1/tenants/${e.tenantId}/management-metadata/versions/${bad || 'x'}`).set(t.auth()).expect(400);
      }
      const ok = await t.http.get('/v1/audit-events?limit=16&offset=0').set(t.auth()).expect(200);
      expect(ok.body.limit).toBe(16);
    });
  });
});

