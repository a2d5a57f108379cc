import { Writable } from 'node:stream';
import { hashToken } from '../../api/auth/token-secret';
import { seedEstate, startTestApp, tokenFor, type TestApp } from '../support/api';

/** Collects the request log's lines. */
class LogLines extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
}

describe('defences (sqlite)', () => {
  let t: TestApp;
  const log = new LogLines();
  beforeAll(async () => {
    t = await startTestApp('sqlite', { logLevel: 'info' }, { logStream: log });
  });
  afterAll(async () => t?.close());

  it('sends helmet security headers and no X-Powered-By, on answers and on errors', async () => {
    for (const res of [await t.http.get('/v1/sites').set(t.auth()).expect(200), await t.http.get('/v1/sites').expect(401), await t.http.get('/health')]) {
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    }
  });

  it("answers a new token's secret with Cache-Control: no-store", async () => {
    const res = await t.http.post('/v1/tokens').set(t.auth()).send({ name: 'ci', role: 'provider-operator' }).expect(201);
    expect(res.body.token).toMatch(/^ll_/);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('logs requests with every query value redacted (a token in ?access_token= never reaches the log)', async () => {
    const secret = 'll_leaked-secret-in-the-query-0123456789';
    await t.http.get(`/v1/audit-events?access_token=${secret}&limit=5`).set(t.auth()).expect(400);
    await t.http.get('/v1/audit-events?limit=5').set(t.auth()).expect(200);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const text = log.lines.join('\n');
    expect(text).not.toContain(secret);
    expect(text).not.toContain('test-admin-token');
    const urls = log.lines.map((l) => JSON.parse(l) as { req?: { url?: string } }).map((l) => l.req?.url).filter(Boolean);
    expect(urls).toEqual(expect.arrayContaining(['/v1/audit-events?access_token=[redacted]&limit=[redacted]', '/v1/audit-events?limit=[redacted]']));
  });

  it('records denied attempts (401, 403, 404 on another tenant) in the security log with the token, rate-limited, writing no row', async () => {
    const mine = await seedEstate(t, 'mine');
    const theirs = await seedEstate(t, 'theirs');
    const admin = (await t.http.post('/v1/tokens').set(t.auth()).send({ name: 'mine-admin', role: 'tenant-admin', tenantId: mine.tenantId }).expect(201)).body;
    const operator = (await t.http.post('/v1/tokens').set(t.auth()).send({ name: 'ops', role: 'provider-operator' }).expect(201)).body;
    const before = await t.counts();
    const seen = log.lines.length;

    await t.http.get(`/v1/tenants/${theirs.tenantId}`).set(t.auth(admin.token)).expect(404);
    await t.http.get(`/v1/tenants/${mine.tenantId}`).set(t.auth(admin.token)).expect(200);
    await t.http.get('/v1/tenants/00000000-0000-4000-8000-000000000000').set(t.auth()).expect(404); // a provider's miss: not a denial
    await t.http.post('/v1/tokens').set(t.auth(operator.token)).send({ name: 'x', role: 'trigger' }).expect(403);
    await t.http.get('/v1/sites').set(t.auth('ll_a-guessed-secret')).expect(401);
    for (let i = 0; i < 25; i++) await t.http.get('/v1/tokens').set(t.auth(operator.token)).expect(403);
    expect(await t.counts()).toEqual(before);

    await new Promise((resolve) => setTimeout(resolve, 50));
    const denied = log.lines.slice(seen).map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.security === 'access.denied');
    expect(denied[0]).toMatchObject({
      status: 404, route: 'GET /v1/tenants/:id', path: `/v1/tenants/${theirs.tenantId}`, tokenId: admin.id, tokenName: 'mine-admin', role: 'tenant-admin',
      tenantId: mine.tenantId, address: expect.stringMatching(/127\.0\.0\.1/), context: 'Security',
    });
    expect(denied[1]).toMatchObject({ status: 403, route: 'POST /v1/tokens', tokenId: operator.id, role: 'provider-operator' });
    expect(denied[2]).toMatchObject({ status: 401, tokenId: null, secretFingerprint: `sha256:${hashToken('ll_a-guessed-secret').slice(0, 16)}` });
    // The operator was denied 26 times this minute: 10 recorded.
    expect(denied.filter((d) => d.tokenId === operator.id)).toHaveLength(10);
    expect(denied).toHaveLength(12);
  });

  it('asks a provider token for /metrics (unless METRICS_PUBLIC)', async () => {
    await t.http.get('/metrics').expect(401);
    const tenantAdmin = await tokenFor(t, 'trigger');
    await t.http.get('/metrics').set(t.auth(tenantAdmin)).expect(403);
    await t.http.get('/metrics').set(t.auth(await tokenFor(t, 'provider-operator'))).expect(200);
    const open = await startTestApp('sqlite', { metricsPublic: true });
    try {
      await open.http.get('/metrics').expect(200);
      await open.http.get('/v1/sites').expect(401);
    } finally {
      await open.close();
    }
  });
});

describe('failed authentication is rate limited (sqlite)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite', { authFailureLimit: 10, authFailureWindowSeconds: 3600 });
  });
  afterAll(async () => t?.close());

  it('answers 429 with Retry-After once an address has failed the limit, without checking its tokens', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 350; i++) {
      const res = await t.http.get('/v1/sites').set(t.auth(`ll_guess-${i}`));
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual(Array(340).fill(429));
    const refused = await t.http.get('/v1/sites').set(t.auth());
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(3000);
    expect(refused.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
    // Public routes stay open.
    await t.http.get('/health').expect(200);
  });
});
