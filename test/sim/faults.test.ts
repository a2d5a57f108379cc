import type { RunningSimulator } from '../../infra/sim/server';
import { SimClient } from './sim-client';

describe('simulator fault injection', () => {
  let sim: RunningSimulator;
  let c: SimClient;

  beforeAll(async () => {
    ({ sim, client: c } = await SimClient.start({ seed: 3 }));
  });
  afterAll(() => sim.close());
  beforeEach(async () => {
    await c.reset();
    await c.scenario({ tenants: [{ id: 'northwind', tier: 'Gold', vms: 6, managementVms: 1 }] });
  });

  const powerOff = async (name: string): Promise<string> => {
    const id = await c.vmId('northwind', name);
    expect((await c.call('POST', `/compute/api/vcenter/vm/${id}/power/stop`)).status).toBe(204);
    return id;
  };

  it('rate 1.0, status 503, times 1: the first call fails, the retry with the same key succeeds', async () => {
    const id = await powerOff('nw-web-1');
    const f = await c.call('POST', '/_sim/faults', { system: 'compute', op: 'powerOn', rate: 1.0, times: 1, status: 503, latencyMs: 0, timeout: false, stuck: false });
    expect(f.status).toBe(201);
    const first = await c.call('POST', `/compute/api/vcenter/vm/${id}/power/start`, undefined, { key: 'p1' });
    expect(first.status).toBe(503);
    const second = await c.call('POST', `/compute/api/vcenter/vm/${id}/power/start`, undefined, { key: 'p1' });
    expect(second.status).toBe(204);
    expect((await c.ops({ op: 'compute.powerOn' })).map((o) => [o.outcome, o.status])).toEqual([
      ['fault', 503],
      ['ok', 204],
    ]);
    expect((await c.call('GET', '/_sim/faults')).body.faults).toEqual([]);
  });

  it('fails only the named VM, once', async () => {
    const a = await powerOff('nw-app-1');
    const b = await powerOff('nw-app-2');
    await c.call('POST', '/_sim/faults', { system: 'compute', op: 'powerOn', target: 'nw-app-2', rate: 1, times: 1, status: 500 });
    expect((await c.call('POST', `/compute/api/vcenter/vm/${a}/power/start`)).status).toBe(204);
    expect((await c.call('POST', `/compute/api/vcenter/vm/${b}/power/start`)).status).toBe(500);
    expect((await c.call('POST', `/compute/api/vcenter/vm/${b}/power/start`)).status).toBe(204);
    const log = await c.ops({ op: 'compute.powerOn' });
    expect(log.map((o) => `${o.target}:${o.outcome}`)).toEqual(['nw-app-1:ok', 'nw-app-2:fault', 'nw-app-2:ok']);
  });

  it('adds latency: a slowed call finishes after a later, fast one', async () => {
    const a = await powerOff('nw-app-1');
    const b = await powerOff('nw-app-2');
    await c.call('POST', '/_sim/faults', { system: 'compute', op: 'powerOn', target: 'nw-app-1', rate: 1, latencyMs: 300 });
    const slow = c.call('POST', `/compute/api/vcenter/vm/${a}/power/start`);
    await new Promise((r) => setTimeout(r, 20));
    const fast = await c.call('POST', `/compute/api/vcenter/vm/${b}/power/start`);
    expect(fast.status).toBe(204);
    expect((await slow).status).toBe(204);
    expect((await c.ops({ op: 'compute.powerOn' })).map((o) => o.target)).toEqual(['nw-app-2', 'nw-app-1']);
  });

  it('leaves a CLM job stuck in RUNNING however far the clock moves', async () => {
    await c.call('POST', '/_sim/faults', { system: 'clm', op: 'createContainer', rate: 1, times: 1, stuck: true });
    const res = await c.call('POST', '/clm/csm/NetworkContainer', SimClient.params({ name: 'nw-dr', tenant: 'northwind', tier: 'Silver' }));
    expect(res.status).toBe(200);
    const task = res.body[0];
    await c.advance(24 * 3_600_000);
    const polled = await c.call('GET', `/clm/csm/task/${task.guid}`);
    expect(polled.body[0]).toEqual(expect.objectContaining({ taskState: 'RUNNING', isError: false, isSuccess: false }));
    const other = await c.call('POST', '/clm/csm/NetworkContainer', SimClient.params({ name: 'nw-dr-2', tenant: 'northwind', tier: 'Silver' }));
    await c.advance(1);
    expect((await c.call('GET', `/clm/csm/task/${other.body[0].guid}`)).body[0].taskState).toBe('COMPLETED');
  });

  it('holds a timed-out call and logs it; nothing was done', async () => {
    await c.call('POST', '/_sim/faults', { system: 'bna', op: 'reserveIp', rate: 1, times: 1, timeout: true });
    const ctl = new AbortController();
    const pending = c
      .call('POST', '/bna/bca-networks/api/v4.0/ip_pools/dr-northwind/reservations', { owner: 'nw-db-1' }, { key: 't1', signal: ctl.signal })
      .catch((e: { name: string }) => e);
    await new Promise((r) => setTimeout(r, 100));
    ctl.abort();
    expect(await pending).toEqual(expect.objectContaining({ name: 'AbortError' }));
    const [entry] = await c.ops({ op: 'bna.reserveIp' });
    expect(entry).toEqual(expect.objectContaining({ outcome: 'timeout', idempotencyKey: 't1' }));
    expect((await c.call('GET', '/bna/bca-networks/api/v4.0/ip_pools/dr-northwind')).body.allocated).toBe(0);
  });

  it('lostResponse does the work, fails the answer, and the retry replays it', async () => {
    await c.call('POST', '/_sim/faults', { system: 'bna', op: 'reserveIp', rate: 1, times: 1, status: 502, lostResponse: true });
    const path = '/bna/bca-networks/api/v4.0/ip_pools/dr-northwind/reservations';
    const lost = await c.call('POST', path, { owner: 'nw-db-1' }, { key: 'r1' });
    expect(lost.status).toBe(502);
    const retry = await c.call('POST', path, { owner: 'nw-db-1' }, { key: 'r1' });
    expect(retry.status).toBe(201);
    expect((await c.ops({ op: 'bna.reserveIp' })).map((o) => o.outcome)).toEqual(['ok', 'replayed']);
  });

  it('applies a rate below 1 to only some calls', async () => {
    await c.call('POST', '/_sim/faults', { system: 'dns', op: 'upsertRecord', rate: 0.5, status: 503 });
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      statuses.push((await c.call('PUT', `/mgmt/dns/api/v1/zones/northwind.example.com/records/h${i}/A`, { values: ['10.1.1.1'] })).status);
    }
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(5);
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThan(5);
  });
});
