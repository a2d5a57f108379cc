import { startTestApp, tokenFor, type TestApp } from '../support/api';

interface Operation {
  parameters?: { in: string; name: string }[];
  requestBody?: unknown;
  responses: Record<string, unknown>;
  security?: unknown[];
}

/**
 * The OpenAPI document matches the API: every route documents the answers its shape allows, and every
 * answer the API gives to a probe of each route (no token, a role that may not, unknown ids, an empty or
 * non-JSON body) is documented for that route.
 */
describe('the OpenAPI document matches the API (sqlite)', () => {
  let t: TestApp;
  let operations: { method: string; path: string; op: Operation }[];
  let schemas: Record<string, { properties?: Record<string, { minLength?: number; description?: string }>; additionalProperties?: unknown }>;
  beforeAll(async () => {
    t = await startTestApp('sqlite', { authFailureLimit: 10_000 });
    const doc = (await t.http.get('/docs-json').expect(200)).body;
    schemas = doc.components.schemas;
    operations = Object.entries(doc.paths as Record<string, Record<string, Operation>>).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ method, path, op })));
  });
  afterAll(async () => t?.close());

  it('documents 400, 401, 403, 404, 413 and 415 on every route where they apply, and a success answer', () => {
    const missing: string[] = [];
    for (const { method, path, op } of operations.filter((o) => o.path.startsWith('/v1/'))) {
      const expected = new Set<number>([401]);
      if (op.security?.length) [403, 429].forEach((c) => expected.add(c));
      if (op.parameters?.length || op.requestBody) expected.add(400);
      if (path.includes('{')) expected.add(404);
      if (op.requestBody) [413, 415].forEach((c) => expected.add(c));
      if (method !== 'get') [400, 409, 422].forEach((c) => expected.add(c));
      for (const code of expected) if (!op.responses[code]) missing.push(`${method} ${path} ${code}`);
      if (!Object.keys(op.responses).some((c) => /^2\d\d$/.test(c))) missing.push(`${method} ${path} 2xx`);
    }
    expect(missing).toEqual([]);
    expect(operations.length).toBeGreaterThan(40);
  });

  it('states the rules: unknown fields refused, strings not empty, role and tenantId together', () => {
    for (const name of ['CreateSiteDto', 'CreateTenantDto', 'CreateVmDto', 'ImportVmsDto', 'CreateTokenDto', 'CreateManagementServiceDto', 'DiskDto']) {
      expect({ name, additionalProperties: schemas[name].additionalProperties }).toEqual({ name, additionalProperties: false });
    }
    expect(schemas.CreateSiteDto.properties?.name.minLength).toBe(1);
    expect(schemas.CreateVmDto.properties?.os.minLength).toBe(1);
    expect(schemas.CreateTokenDto.properties?.tenantId.description).toMatch(/Role and tenantId go together/);
  });

  it('documents every answer the API gives to probes of each route', async () => {
    const trigger = await tokenFor(t, 'trigger');
    const id = '00000000-0000-4000-8000-000000000000';
    const undocumented: string[] = [];
    const check = (method: string, path: string, op: Operation, probe: string, status: number) => {
      if (status >= 500 || !op.responses[status]) undocumented.push(`${method} ${path} (${probe}): ${status}`);
    };
    for (const { method, path, op } of operations) {
      const send = (url: string) => t.http[method as 'get'](url);
      const withIds = path.replace(/\{[^}]+\}/g, id);
      const withBadIds = path.replace(/\{[^}]+\}/g, 'not-an-id');
      check(method, path, op, 'no token', (await send(withIds)).status);
      check(method, path, op, 'trigger', (await send(withIds).set(t.auth(trigger))).status);
      check(method, path, op, 'unknown ids', (await (op.requestBody ? send(withIds).set(t.auth()).send({}) : send(withIds).set(t.auth()))).status);
      if (path.includes('{')) check(method, path, op, 'bad ids', (await send(withBadIds).set(t.auth())).status);
      if (op.requestBody) {
        check(method, path, op, 'text body', (await send(withIds).set(t.auth()).set('Content-Type', 'text/plain').send('x')).status);
        check(method, path, op, 'unknown field', (await send(withIds).set(t.auth()).send({ surely: 'unknown' })).status);
      }
    }
    expect(undocumented).toEqual([]);
  });
});
