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
});
