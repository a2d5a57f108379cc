import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { createApp } from '../../api/app';
import type { Dialect } from '../../infra/persistence/data-source';
import { UnitOfWork, type Repositories } from '../../infra/persistence/repositories';
import { createTestDatabase, type TestDatabase } from './databases';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export interface TestApp {
  app: INestApplication;
  http: TestAgent;
  db: TestDatabase;
  /** Authorization header value for a token secret (the bootstrap admin's by default). */
  auth(token?: string): { Authorization: string };
  /** Row counts of every inventory table, to prove a refused request changed nothing. */
  counts(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

/** The app on a fresh database of the dialect (a new MariaDB database or a new SQLite file). */
export async function startTestApp(
  dialect: Dialect,
  overrides: Parameters<typeof createApp>[0] = {},
  opts: Parameters<typeof createApp>[1] = {},
): Promise<TestApp> {
  const db = await createTestDatabase(dialect);
  const app = await createApp({
    ...db.config,
    adminToken: ADMIN_TOKEN,
    logLevel: 'silent',
    temporalAddress: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
    ...overrides,
  }, opts);
  const uow = app.get(UnitOfWork);
  return {
    app,
    db,
    http: request(app.getHttpServer()),
    auth: (token = ADMIN_TOKEN) => ({ Authorization: `Bearer ${token}` }),
    counts: () =>
      uow.run(async (tx: Repositories) => ({
        sites: await tx.sites.count(),
        tenants: await tx.tenants.count(),
        vms: await tx.vms.count(),
        plans: await tx.plans.count(),
        managementServices: await tx.managementServices.count(),
        tokens: await tx.tokens.count(),
        audit: await tx.audit.count(),
      })),
    close: async () => {
      await app.close();
      await db.drop();
    },
  };
}

/** A protected VM body with sensible defaults. */
export function vm(name: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  const n = Math.abs([...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) | 0, 7));
  return {
    name,
    role: 'workload',
    os: 'rhel-9',
    vcpu: 2,
    memoryMb: 4096,
    disks: [{ name: 'disk0', sizeGb: 40 }],
    primary: { hostname: `${name}.corp.local`, ips: [`10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`] },
    ...over,
  };
}

export interface Estate {
  primarySiteId: string;
  drSiteId: string;
  tenantId: string;
}

/** Two sites and a tenant on them, created through the API. */
export async function seedEstate(t: TestApp, name = 'northwind'): Promise<Estate> {
  const primary = await t.http.post('/v1/sites').set(t.auth()).send({ name: `${name}-dc`, kind: 'primary' }).expect(201);
  const dr = await t.http.post('/v1/sites').set(t.auth()).send({ name: `${name}-dr`, kind: 'dr', capacity: { vcpu: 1000, memoryMb: 4_000_000, storageGb: 100_000, masterTargetSlots: 10 } }).expect(201);
  const tenant = await t.http
    .post('/v1/tenants')
    .set(t.auth())
    .send({ name, tier: 'gold', rpoMinutes: 15, rtoMinutes: 240, primarySiteId: primary.body.id, drSiteId: dr.body.id })
    .expect(201);
  return { primarySiteId: primary.body.id, drSiteId: dr.body.id, tenantId: tenant.body.id };
}

/** A token of `role` created by the bootstrap admin; returns its secret. */
export async function tokenFor(t: TestApp, role: string, tenantId?: string): Promise<string> {
  const res = await t.http.post('/v1/tokens').set(t.auth()).send({ name: `${role}-${Math.random().toString(36).slice(2, 8)}`, role, ...(tenantId && { tenantId }) }).expect(201);
  return res.body.token;
}
