import type { RunningSimulator } from '../../infra/sim/server';
import { SimClient } from './sim-client';

describe('simulator management services: DR server listings, backup schedules, dropping event sources', () => {
  let sim: RunningSimulator;
  let c: SimClient;

  beforeAll(async () => {
    ({ sim, client: c } = await SimClient.start());
  });
  afterAll(() => sim.close());
  beforeEach(async () => {
    await c.reset();
    await c.scenario({ tenants: [{ id: 'northwind', tier: 'Gold', vms: 3, managementVms: 3 }] });
  });

  it('every service with provider-side servers lists them by site', async () => {
    const expected: Record<string, string> = {
      monitoring: 'dr-1-mon-1', backup: 'dr-1-tsm-1', patch: 'dr-1-tem-1', ldap: 'dr-1-ad-1', 'event-policy': 'dr-1-evt-1', dns: 'dr-1-dns-1',
    };
    for (const [service, name] of Object.entries(expected)) {
      const res = await c.call('GET', `/mgmt/${service}/api/v1/servers`);
      expect([service, res.status]).toEqual([service, 200]);
      expect(res.body.items).toEqual([expect.objectContaining({ service, name, site: 'dr-1' })]);
      expect((await c.call('GET', `/mgmt/${service}/api/v1/servers?site=elsewhere`)).body.items).toEqual([]);
    }
  });

  it('schedules a node backup at the server the node is registered with: once per key, 409 for a second one, refused for an unknown node', async () => {
    const schedules = '/mgmt/backup/api/v1/schedules';
    const [node] = (await c.call('GET', '/mgmt/backup/api/v1/nodes?tenant=northwind&server=nw-db-1')).body.items;
    const body = { tenant: 'northwind', node: node.nodeName, server: 'nw-db-1', kind: 'storage-pool', startAt: '2026-01-01T00:00:00Z' };

    expect((await c.call('POST', schedules, body, { key: null })).body.error.code).toBe('IDEMPOTENCY_KEY_REQUIRED');
    const first = await c.call('POST', schedules, body, { key: 'sched-1' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ tenant: 'northwind', node: node.nodeName, server: 'nw-db-1', backupServer: node.backupServer, kind: 'storage-pool', status: 'SCHEDULED', startAt: '2026-01-01T00:00:00.000Z' });
    expect((await c.call('POST', schedules, body, { key: 'sched-1' })).body).toEqual(first.body);
    const dup = await c.call('POST', schedules, body, { key: 'sched-2' });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('ALREADY_EXISTS');
    expect(dup.body.error.existing.id).toBe(first.body.id);
    const log = (await c.ops({ op: 'backup.scheduleBackup' })).filter((o) => o.idempotencyKey === 'sched-1' || o.idempotencyKey === 'sched-2');
    expect(log.map((o) => [o.outcome, o.idempotencyKey, o.tenant, o.target])).toEqual([
      ['ok', 'sched-1', 'northwind', 'nw-db-1'],
      ['replayed', 'sched-1', 'northwind', 'nw-db-1'],
      ['error', 'sched-2', 'northwind', 'nw-db-1'],
    ]);

    // Re-registered with another server: a schedule of its own there.
    await c.call('PATCH', `/mgmt/backup/api/v1/nodes/${node.id}`, { backupServer: 'dr-1-tsm-1' }, { key: 'move' });
    expect((await c.call('POST', schedules, body, { key: 'sched-3' })).body).toMatchObject({ backupServer: 'dr-1-tsm-1' });
    const listed = (await c.call('GET', `${schedules}?tenant=northwind`)).body;
    expect(listed.items.map((s: { backupServer: string }) => s.backupServer)).toEqual([node.backupServer, 'dr-1-tsm-1']);
    expect((await c.call('GET', `${schedules}?tenant=northwind&backupServer=dr-1-tsm-1`)).body.total).toBe(1);
    expect((await c.call('GET', `${schedules}?tenant=contoso`)).body.total).toBe(0);

    expect((await c.call('POST', schedules, { ...body, node: 'nope' }, { key: 'sched-4' })).body.error.code).toBe('NODE_NOT_REGISTERED');
    expect((await c.call('POST', schedules, { ...body, tenant: 'contoso' }, { key: 'sched-5' })).status).toBe(422);
    expect((await c.call('POST', schedules, { ...body, kind: 'full' }, { key: 'sched-6' })).status).toBe(400);
    expect((await c.call('POST', schedules, { ...body, startAt: 'soon' }, { key: 'sched-7' })).status).toBe(400);
    expect((await c.call('POST', schedules, { ...body, server: 'nw-web-1' }, { key: 'sched-8' })).status).toBe(400);
  });

  it('deletes a tenant\'s events by source (the drop policy), only the named sources and only that tenant\'s', async () => {
    const events = '/mgmt/event-policy/api/v1/events';
    await c.call('POST', events, { tenant: 'northwind', source: '10.1.0.21', eventId: 'A' }, { key: 'e1' });
    await c.call('POST', events, { tenant: 'northwind', source: '10.1.0.21', eventId: 'B' }, { key: 'e2' });
    await c.call('POST', events, { tenant: 'northwind', source: '10.1.0.22', eventId: 'C' }, { key: 'e3' });
    await c.call('POST', events, { tenant: 'contoso', source: '10.1.0.21', eventId: 'D' }, { key: 'e4' });
    const before = (await c.call('GET', `${events}?tenant=northwind`)).body.items.filter((e: { source: string }) => e.source !== '10.1.0.21').length;

    const path = `${events}/delete-by-source`;
    expect((await c.call('POST', path, { tenant: 'northwind', sources: ['10.1.0.21'] }, { key: null })).status).toBe(400);
    expect((await c.call('POST', path, { tenant: 'northwind', sources: ['not-an-ip'] }, { key: 'd0' })).status).toBe(400);
    const first = await c.call('POST', path, { tenant: 'northwind', sources: ['10.1.0.21'] }, { key: 'd1' });
    expect(first.body).toEqual({ deleted: 2 });
    expect((await c.call('POST', path, { tenant: 'northwind', sources: ['10.1.0.21'] }, { key: 'd1' })).body).toEqual({ deleted: 2 });
    const left = (await c.call('GET', `${events}?tenant=northwind`)).body.items;
    expect(left.filter((e: { source: string }) => e.source === '10.1.0.21')).toEqual([]);
    expect(left).toHaveLength(before);
    expect((await c.call('GET', `${events}?tenant=contoso&source=10.1.0.21`)).body.total).toBe(1);
    expect((await c.ops({ op: 'event-policy.deleteEventsBySource', outcome: 'ok' })).map((o) => o.idempotencyKey)).toEqual(['d1']);
  });
});
