import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { SystemHttpClient } from '../../infra/clients/http-client';
import { systemErrorKind } from '../../infra/clients/system-error';

describe('SystemHttpClient', () => {
  let server: http.Server;
  let baseUrl: string;
  const seen: { url?: string; key?: string; body?: string }[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ url: req.url, key: req.headers['idempotency-key'] as string | undefined, body });
        const reply = (status: number, payload: unknown) => {
          res.statusCode = status;
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify(payload));
        };
        if (req.url?.startsWith('/api/ok')) return reply(201, { id: 'ip-1' });
        if (req.url === '/api/busy') return reply(503, { message: 'maintenance' });
        if (req.url === '/api/throttled') return reply(429, { message: 'slow down' });
        if (req.url === '/api/bad') return reply(400, { messages: [{ details: 'hostname is required' }] });
        if (req.url === '/api/missing') return reply(404, { message: 'no such pool' });
        if (req.url === '/api/slow') return void setTimeout(() => reply(200, {}), 2_000);
        if (req.url === '/api/full') return reply(422, { errorCode: 'POOL_EXHAUSTED', message: 'no free address' });
        if (req.url === '/api/form') return reply(200, { type: req.headers['content-type'], body });
        reply(500, 'plain failure');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  const client = () =>
    new SystemHttpClient('bna', { baseUrl, timeoutMs: 500 }, (b) => (b as { messages?: { details: string }[] })?.messages?.[0]?.details);

  async function failure(p: Promise<unknown>): Promise<ApplicationFailure> {
    try {
      await p;
    } catch (err) {
      if (err instanceof ApplicationFailure) return err;
      throw err;
    }
    throw new Error('expected a failure');
  }

  it('sends the idempotency key and JSON body, and returns the parsed answer', async () => {
    const res = await client().call<{ id: string }>({ op: 'reserveIp', method: 'POST', path: '/ok', query: { pool: 'mgmt' }, body: { vm: 'nw-db-1' }, idempotencyKey: 'wf-1:reserveIp:nw-db-1' });
    expect(res).toMatchObject({ status: 201, body: { id: 'ip-1' } });
    expect(seen.at(-1)).toEqual({ url: '/api/ok?pool=mgmt', key: 'wf-1:reserveIp:nw-db-1', body: '{"vm":"nw-db-1"}' });
  });

  it('classifies 5xx, 429, timeouts and refused connections as retryable', async () => {
    for (const path of ['/busy', '/throttled', '/other', '/slow']) {
      const f = await failure(client().call({ op: 'reserveIp', method: 'POST', path }));
      expect(f.nonRetryable).toBe(false);
      expect(systemErrorKind(f)).toBe('transient');
    }
    const refused = new SystemHttpClient('bna', { baseUrl: 'http://127.0.0.1:1/api', timeoutMs: 500 });
    const f = await failure(refused.call({ op: 'reserveIp', method: 'POST', path: '/ok' }));
    expect(f.nonRetryable).toBe(false);
    expect(f.message).toMatch(/^bna\.reserveIp: /);
  });

  it('makes bad input and not-found final, with the system message', async () => {
    const bad = await failure(client().call({ op: 'reserveIp', method: 'POST', path: '/bad' }));
    expect(bad.nonRetryable).toBe(true);
    expect(bad.message).toBe('bna.reserveIp (400): hostname is required');
    const missing = await failure(client().call({ op: 'releaseIp', method: 'DELETE', path: '/missing' }));
    expect(missing.nonRetryable).toBe(true);
    expect(systemErrorKind(missing)).toBe('not-found');
  });

  it('treats accepted statuses as answers', async () => {
    const res = await client().call({ op: 'getPool', method: 'GET', path: '/missing', accept: [404] });
    expect(res.status).toBe(404);
  });

  it('lets a system refine the kind of an error answer (capacity vs bad input)', async () => {
    const classify = (status: number, body: unknown) => (status === 422 && (body as { errorCode?: string }).errorCode === 'POOL_EXHAUSTED' ? 'exhausted' as const : undefined);
    const c = new SystemHttpClient('bna', { baseUrl, timeoutMs: 500 }, undefined, classify);
    const f = await failure(c.call({ op: 'reserveIp', method: 'POST', path: '/full' }));
    expect(f.nonRetryable).toBe(true);
    expect(systemErrorKind(f)).toBe('exhausted');
    expect(f.message).toBe('bna.reserveIp (422): no free address');
    expect(systemErrorKind(await failure(c.call({ op: 'reserveIp', method: 'POST', path: '/bad' })))).toBe('invalid');
  });

  it('sends form-encoded bodies for token requests', async () => {
    const res = await client().call<{ type: string; body: string }>({ op: 'login', method: 'POST', path: '/form', form: { grant_type: 'password', username: 'a b' } });
    expect(res.body).toEqual({ type: 'application/x-www-form-urlencoded', body: 'grant_type=password&username=a+b' });
  });
});
