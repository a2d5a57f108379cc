import { startTestApp, type TestApp } from '../support/api';
import { ConfigValidationError, loadConfig } from '../../infra/config';
import { DIALECTS } from '../support/databases';

describe.each(DIALECTS)('platform endpoints and request hygiene (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('reports the database and Temporal as up on /health, without a token', async () => {
    const res = await t.http.get('/health').expect(200);
    expect(res.body).toMatchObject({ status: 'ok', info: { database: { status: 'up' }, temporal: { status: 'up', namespace: 'default' } } });
  });

  it('serves the OpenAPI document at /docs-json and the UI at /docs', async () => {
    const res = await t.http.get('/docs-json').expect(200);
    expect(res.body.openapi).toMatch(/^3\./);
    for (const path of ['/v1/sites', '/v1/sites/{id}', '/v1/tenants', '/v1/tenants/{id}', '/v1/tenants/{id}/vms', '/v1/tenants/{id}/recovery-plans',
      '/v1/recovery-plans/{id}', '/v1/recovery-plans/{id}/preview', '/v1/tenants/{id}/ip-mappings', '/v1/tenants/{id}/management-services', '/v1/tokens', '/v1/audit-events', '/health']) {
      expect(Object.keys(res.body.paths)).toContain(path);
    }
    expect(res.body.components.schemas.CreateVmDto.required).toBeDefined();
    expect(res.body.components.schemas.CreateVmDto.required).toEqual(expect.arrayContaining(['name', 'role', 'os', 'vcpu', 'memoryMb', 'disks', 'primary']));
    await t.http.get('/docs').redirects(1).expect(200).expect('Content-Type', /html/);
  });

  it('exposes Prometheus metrics with default metrics and the HTTP histogram by route template', async () => {
    await t.http.get('/v1/sites').set(t.auth()).expect(200);
    const res = await t.http.get('/metrics').set(t.auth()).expect(200).expect('Content-Type', /text\/plain/);
    expect(res.text).toMatch(/process_cpu_user_seconds_total/);
    expect(res.text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/v1\/sites",status_code="200"\} \d+/);
  });

  it('answers malformed JSON with 400, oversize bodies with 413, unknown routes with 404, never 500', async () => {
    const before = await t.counts();
    const bad = await t.http.post('/v1/sites').set(t.auth()).set('Content-Type', 'application/json').send('{"name": "x",').expect(400);
    expect(bad.body).toMatchObject({ statusCode: 400, error: 'Bad Request', message: expect.stringMatching(/Malformed JSON/) });
    const huge = `{"name":"${'x'.repeat(33 * 1024 * 1024)}"}`;
    const big = await t.http.post('/v1/sites').set(t.auth()).set('Content-Type', 'application/json').send(huge).expect(413);
    expect(big.body.message).toMatch(/32mb/);
    await t.http.get('/v1/nowhere').set(t.auth()).expect(404);
    const arr = await t.http.post('/v1/sites').set(t.auth()).send([{ name: 'x', kind: 'dr' }]);
    expect(arr.status).toBe(400);
    const nul = await t.http.post('/v1/sites').set(t.auth()).set('Content-Type', 'application/json').send('null');
    expect(nul.status).toBe(400);
    expect(await t.counts()).toEqual(before);
  });
});

describe('health when Temporal is unreachable', () => {
  it('answers 503 naming Temporal as down while the database is up', async () => {
    const t = await startTestApp('sqlite', { temporalAddress: '127.0.0.1:1' });
    try {
      const res = await t.http.get('/health').expect(503);
      expect(res.body).toMatchObject({ status: 'error', info: { database: { status: 'up' } }, error: { temporal: { status: 'down' } } });
    } finally {
      await t.close();
    }
  });
});

describe('config', () => {
  it('applies defaults and validates every key at boot, naming the bad ones', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 8080, host: '127.0.0.1', dataDir: './.data', temporalAddress: '127.0.0.1:7233', temporalNamespace: 'default', temporalTaskQueue: 'lifeline', logLevel: 'info' });
    expect(config.mysqlUrl).toBeUndefined();
    expect(loadConfig({ PORT: '9000', MYSQL_URL: 'mysql://u:p@db:3306/lifeline' })).toMatchObject({ port: 9000, mysqlUrl: 'mysql://u:p@db:3306/lifeline' });
    expect(() => loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', MYSQL_URL: 'postgres://x', TEMPORAL_ADDRESS: 'nohost' })).toThrow(ConfigValidationError);
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', LIFELINE_ADMIN_TOKEN: 'short' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    const text = (error as ConfigValidationError).problems.join('\n');
    expect(text).toMatch(/PORT/);
    expect(text).toMatch(/LOG_LEVEL/);
    expect(text).toMatch(/LIFELINE_ADMIN_TOKEN must be at least 16 characters/);
  });
});
