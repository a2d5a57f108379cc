import type { RunningSimulator } from '../../infra/sim/server';
import { SimClient } from './sim-client';

describe('simulator idempotency and "already exists"', () => {
  let sim: RunningSimulator;
  let c: SimClient;

  beforeAll(async () => {
    ({ sim, client: c } = await SimClient.start());
  });
  afterAll(() => sim.close());
  beforeEach(async () => {
    await c.reset();
    await c.scenario({ tenants: [{ id: 'northwind', tier: 'Gold', vms: 4, managementVms: 1 }] });
  });

  const okPerKey = async (key: string): Promise<number> => (await c.ops({ outcome: 'ok' })).filter((o) => o.idempotencyKey === key).length;

  it('replays the original answer for a repeated Idempotency-Key and does the work once', async () => {
    const path = '/bna/bca-networks/api/v4.0/ip_pools/dr-northwind/reservations';
    const first = await c.call('POST', path, { owner: 'nw-db-1' }, { key: 'reserve-nw-db-1' });
    const again = await c.call('POST', path, { owner: 'nw-db-1' }, { key: 'reserve-nw-db-1' });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(await okPerKey('reserve-nw-db-1')).toBe(1);
    const log = await c.ops({ op: 'bna.reserveIp' });
    expect(log.map((o) => o.outcome)).toEqual(['ok', 'replayed']);
    const pool = await c.call('GET', '/bna/bca-networks/api/v4.0/ip_pools/dr-northwind');
    expect(pool.body.allocated).toBe(1);
  });

  it('coalesces a duplicate that arrives while the first call is still running', async () => {
    await c.call('PUT', '/_sim/latency', { timeScale: 1, ops: { 'compute.powerOn': 150, 'compute.powerOff': 0 } });
    const id = await c.vmId('northwind', 'nw-db-1');
    await c.call('POST', `/compute/api/vcenter/vm/${id}/power/stop`);
    const [a, b] = await Promise.all([
      c.call('POST', `/compute/api/vcenter/vm/${id}/power/start`, undefined, { key: 'on-1' }),
      c.call('POST', `/compute/api/vcenter/vm/${id}/power/start`, undefined, { key: 'on-1' }),
    ]);
    expect([a.status, b.status]).toEqual([204, 204]);
    expect(await okPerKey('on-1')).toBe(1);
  });

  it('treats raising an event as a side effect: key required, replayed once, logged', async () => {
    const events = '/mgmt/event-policy/api/v1/events';
    const body = { tenant: 'northwind', source: '10.1.0.21', eventId: 'DISK_FULL', severity: 'CRITICAL' };
    const noKey = await c.call('POST', events, body, { key: null });
    expect(noKey.status).toBe(400);
    expect(noKey.body.error.code).toBe('IDEMPOTENCY_KEY_REQUIRED');
    const before = (await c.call('GET', `${events}?tenant=northwind`)).body.total;
    const first = await c.call('POST', events, body, { key: 'event-1' });
    const again = await c.call('POST', events, body, { key: 'event-1' });
    expect(first.status).toBe(201);
    expect(first.body).toEqual(expect.objectContaining({ tenant: 'northwind', source: '10.1.0.21', eventId: 'DISK_FULL', severity: 'CRITICAL' }));
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect((await c.call('GET', `${events}?tenant=northwind`)).body.total).toBe(before + 1);
    const log = await c.ops({ op: 'event-policy.createEvent' });
    expect(log.map((o) => [o.outcome, o.idempotencyKey, o.tenant, o.target])).toEqual([
      ['error', null, null, null],
      ['ok', 'event-1', 'northwind', '10.1.0.21'],
      ['replayed', 'event-1', 'northwind', '10.1.0.21'],
    ]);
    expect((await c.call('POST', events, { tenant: 'northwind' })).status).toBe(400);
  });

  it('refuses side-effecting calls without a key and keys reused for another request', async () => {
    const noKey = await c.call('PUT', '/mgmt/dns/api/v1/zones/northwind.example.com/records/x/A', { values: ['10.1.1.1'] }, { key: null });
    expect(noKey.status).toBe(400);
    expect(noKey.body.error.code).toBe('IDEMPOTENCY_KEY_REQUIRED');
    await c.call('PUT', '/mgmt/dns/api/v1/zones/northwind.example.com/records/a/A', { values: ['10.1.1.1'] }, { key: 'k1' });
    const reused = await c.call('PUT', '/mgmt/dns/api/v1/zones/northwind.example.com/records/b/A', { values: ['10.1.1.2'] }, { key: 'k1' });
    expect(reused.status).toBe(422);
    expect(reused.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('answers a recognisable "already exists" for a create with a different key', async () => {
    const pool = '/bna/bca-networks/api/v4.0/ip_pools/dr-northwind/reservations';
    const first = await c.call('POST', pool, { owner: 'nw-app-1' });
    const dupe = await c.call('POST', pool, { owner: 'nw-app-1' });
    expect(dupe.status).toBe(409);
    expect(dupe.body).toEqual(expect.objectContaining({ errorCode: 'ALREADY_EXISTS', address: first.body.address }));

    const ctx = { name: 'nw-vpn', tenant: 'northwind', interfaces: [{ name: 'outside', vlan: 2001 }] };
    expect((await c.call('POST', '/asa/api/contexts', ctx)).status).toBe(201);
    const asaDupe = await c.call('POST', '/asa/api/contexts', ctx);
    expect(asaDupe.status).toBe(409);
    expect(asaDupe.body.messages[0].code).toBe('DUPLICATE');
    expect(asaDupe.headers.get('location')).toMatch(/\/asa\/api\/contexts\/nw-vpn$/);

    const container = SimClient.params({ name: 'nw-dr-gold', tenant: 'northwind', tier: 'Gold' });
    const created = await c.call('POST', '/clm/csm/NetworkContainer', container);
    expect(created.status).toBe(200);
    const clmDupe = await c.call('POST', '/clm/csm/NetworkContainer', container);
    expect(clmDupe.status).toBe(409);
    expect(clmDupe.body[0]).toEqual(expect.objectContaining({ cloudClass: 'com.bmc.cloud.model.beans.CloudError', errorID: 'ALREADY_EXISTS' }));
    expect(clmDupe.body[0].existingGuid).toBeTruthy();

    const agent = { tenant: 'northwind', server: 'nw-db-1', serverIp: '10.128.0.9', agentType: 'NT', monitoringServer: 'dr-1-mon-1' };
    const agentDupe = await c.call('POST', '/mgmt/monitoring/api/v1/agents', agent);
    expect(agentDupe.status).toBe(409);
    expect(agentDupe.body.error.code).toBe('ALREADY_EXISTS');

    const vm = await c.vmId('northwind', 'nw-db-1');
    const on = await c.call('POST', `/compute/api/vcenter/vm/${vm}/power/start`);
    expect(on.status).toBe(409);
    expect(on.body.error_type).toBe('ALREADY_IN_DESIRED_STATE');
  });

  it('logs failed calls with their outcome and status', async () => {
    await c.call('DELETE', '/bna/bca-networks/api/v4.0/ip_pools/dr-northwind/reservations/10.128.0.77');
    const [entry] = await c.ops({ op: 'bna.releaseIp' });
    expect(entry).toEqual(expect.objectContaining({ outcome: 'error', status: 404, tenant: 'northwind' }));
  });
});

describe('simulator idempotency mode "none": keys ignored, as the real products ignore them', () => {
  let sim: RunningSimulator;
  let c: SimClient;

  beforeAll(async () => {
    ({ sim, client: c } = await SimClient.start());
  });
  afterAll(() => sim.close());
  beforeEach(async () => {
    await c.reset();
    await c.scenario({ tenants: [{ id: 'northwind', tier: 'Gold', vms: 4, managementVms: 1 }] });
    expect((await c.call('PUT', '/_sim/idempotency', { mode: 'none' })).body).toEqual({ mode: 'none' });
  });

  it('is set and read through the control API, refuses another mode naming the field, and reset returns to store', async () => {
    expect((await c.call('GET', '/_sim/idempotency')).body).toEqual({ mode: 'none' });
    expect((await c.call('GET', '/_sim')).body.idempotency).toBe('none');
    const bad = await c.call('PUT', '/_sim/idempotency', { mode: 'sometimes' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toEqual(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/^mode /) }));
    expect((await c.call('PUT', '/_sim/idempotency', 'store')).status).toBe(400);
    expect((await c.call('GET', '/_sim/idempotency')).body).toEqual({ mode: 'none' });
    await c.reset();
    expect((await c.call('GET', '/_sim/idempotency')).body).toEqual({ mode: 'store' });
  });

  it('runs a repeated key again: a reservation answers BNA\'s own "already exists", a second create of a keyless record makes a second one', async () => {
    const path = '/bna/bca-networks/api/v4.0/ip_pools/dr-northwind/reservations';
    const first = await c.call('POST', path, { owner: 'nw-db-1' }, { key: 'reserve-nw-db-1' });
    const again = await c.call('POST', path, { owner: 'nw-db-1' }, { key: 'reserve-nw-db-1' });
    expect(first.status).toBe(201);
    expect(again.status).toBe(409);
    expect(again.body).toEqual(expect.objectContaining({ errorCode: 'ALREADY_EXISTS', address: first.body.address }));
    expect((await c.ops({ op: 'bna.reserveIp' })).map((o) => [o.outcome, o.idempotencyKey])).toEqual([
      ['ok', 'reserve-nw-db-1'],
      ['error', 'reserve-nw-db-1'],
    ]);
    expect((await c.call('GET', '/bna/bca-networks/api/v4.0/ip_pools/dr-northwind')).body.allocated).toBe(1);

    const tickets = '/mgmt/ticketing/api/v1/tickets';
    const ticket = { tenant: 'northwind', summary: 'DR beginning', severity: 1 };
    expect((await c.call('POST', tickets, ticket, { key: 'ticket-1' })).status).toBe(201);
    expect((await c.call('POST', tickets, ticket, { key: 'ticket-1' })).status).toBe(201);
    expect((await c.call('GET', `${tickets}?tenant=northwind`)).body.total).toBe(2);
  });

  it('answers the product\'s own "already exists" for CLM containers, ASA contexts and tunnels, InMage recoveries', async () => {
    const container = SimClient.params({ name: 'nw-dr-gold', tenant: 'northwind', tier: 'Gold', requiresApproval: false });
    expect((await c.call('POST', '/clm/csm/NetworkContainer', container, { key: 'k-container' })).status).toBe(200);
    const clmAgain = await c.call('POST', '/clm/csm/NetworkContainer', container, { key: 'k-container' });
    expect([clmAgain.status, clmAgain.body[0].errorID]).toEqual([409, 'ALREADY_EXISTS']);

    const ctx = { name: 'nw-vpn', tenant: 'northwind', interfaces: [{ name: 'outside', vlan: 2001 }] };
    expect((await c.call('POST', '/asa/api/contexts', ctx, { key: 'k-ctx' })).status).toBe(201);
    const ctxAgain = await c.call('POST', '/asa/api/contexts', ctx, { key: 'k-ctx' });
    expect([ctxAgain.status, ctxAgain.body.messages[0].code]).toEqual([409, 'DUPLICATE']);
    const tunnel = { peer: '198.51.100.7', localNetwork: '10.128.0.0/24', remoteNetwork: '10.1.0.0/24' };
    const entries = '/asa/api/contexts/nw-vpn/vpn/cryptomaps/outside/entries';
    expect((await c.call('POST', entries, tunnel, { key: 'k-tunnel' })).status).toBe(201);
    expect((await c.call('POST', entries, tunnel, { key: 'k-tunnel' })).status).toBe(409);
    expect((await c.call('GET', entries)).body.items).toHaveLength(1);

    const recover = '/inmage/api/v1/tenants/northwind/servers/nw-db-1/recover';
    const body = { recoveryPoint: { type: 'latestTime' } };
    expect((await c.call('POST', recover, body, { key: 'k-recover' })).status).toBe(202);
    await c.advance(60 * 60_000);
    const recoverAgain = await c.call('POST', recover, body, { key: 'k-recover' });
    expect([recoverAgain.status, recoverAgain.body.error.code]).toEqual([409, 'ALREADY_EXISTS']);
    const drCopies = (await c.call('GET', '/compute/api/vcenter/vm?folders=northwind&names=nw-db-1&sites=dr-1')).body;
    expect(drCopies).toHaveLength(1);
  });

  it('answers vCenter\'s invalid-state error to a repeated power-on or power-off, and joins no call in flight', async () => {
    const id = await c.vmId('northwind', 'nw-db-1');
    await c.call('POST', `/compute/api/vcenter/vm/${id}/power/stop`, undefined, { key: 'off-1' });
    const offAgain = await c.call('POST', `/compute/api/vcenter/vm/${id}/power/stop`, undefined, { key: 'off-1' });
    expect([offAgain.status, offAgain.body.error_type]).toEqual([409, 'ALREADY_IN_DESIRED_STATE']);

    await c.call('PUT', '/_sim/latency', { timeScale: 1, ops: { 'compute.powerOn': 150 } });
    const [a, b] = await Promise.all([
      c.call('POST', `/compute/api/vcenter/vm/${id}/power/start`, undefined, { key: 'on-1' }),
      c.call('POST', `/compute/api/vcenter/vm/${id}/power/start`, undefined, { key: 'on-1' }),
    ]);
    expect([a.status, b.status].sort()).toEqual([204, 409]);
    expect([a, b].find((r) => r.status === 409)?.body.error_type).toBe('ALREADY_IN_DESIRED_STATE');
    expect((await c.ops({ op: 'compute.powerOn' })).map((o) => o.outcome).sort()).toEqual(['error', 'ok']);
  });

  it('still refuses a side effect without a key (Lifeline must send one) and logs the key of each repeat', async () => {
    const noKey = await c.call('PUT', '/mgmt/dns/api/v1/zones/northwind.example.com/records/x/A', { values: ['10.1.1.1'] }, { key: null });
    expect(noKey.status).toBe(400);
    await c.call('PUT', '/mgmt/dns/api/v1/zones/northwind.example.com/records/a/A', { values: ['10.1.1.1'] }, { key: 'k1' });
    const reused = await c.call('PUT', '/mgmt/dns/api/v1/zones/northwind.example.com/records/b/A', { values: ['10.1.1.2'] }, { key: 'k1' });
    expect(reused.status).toBe(201);
    expect((await c.ops({ op: 'dns.upsertRecord', outcome: 'ok' })).map((o) => o.idempotencyKey)).toEqual(['k1', 'k1']);
  });
});
