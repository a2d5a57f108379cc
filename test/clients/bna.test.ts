import { systemErrorKind } from '../../infra/clients/system-error';
import { failure, key, startEstate, type Estate } from './estate-fixture';

describe('BnaClient against the simulator', () => {
  let estate: Estate;
  const bna = () => estate.clients.bna;

  beforeAll(async () => {
    estate = await startEstate();
  });
  afterAll(() => estate.close());
  beforeEach(async () => {
    await estate.control.reset();
    await estate.control.scenario({ tenants: [{ id: 'northwind', vms: 2, managementVms: 1 }] });
  });

  it('reserves and releases DR addresses, once per key', async () => {
    const pools = await bna().listIpPools({ tenant: 'northwind' });
    expect(pools.map((p) => p.id)).toEqual(['dr-northwind']);
    const k = key('reserveIp');
    const ip = await bna().reserveIp('dr-northwind', { owner: 'nw-db-1', purpose: 'dr-data' }, k);
    expect(ip).toMatchObject({ owner: 'nw-db-1', tenant: 'northwind', poolId: 'dr-northwind', alreadyExisted: false });
    expect(ip.address).toMatch(/^10\.\d+\.\d+\.\d+$/);
    expect(ip.gateway).toEqual(expect.any(String));
    expect(ip.prefixLength).toBeGreaterThan(8);

    const replay = await bna().reserveIp('dr-northwind', { owner: 'nw-db-1', purpose: 'dr-data' }, k);
    expect(replay.address).toBe(ip.address);
    expect((await estate.control.opsForKey(k)).map((e) => e.outcome)).toEqual(['ok', 'replayed']);

    // Another workflow step reserving for the same owner gets the address it already holds.
    const again = await bna().reserveIp('dr-northwind', { owner: 'nw-db-1' }, key('reserveIp-rerun'));
    expect(again).toMatchObject({ address: ip.address, gateway: ip.gateway, prefixLength: ip.prefixLength, alreadyExisted: true });
    expect(await estate.control.ops({ system: 'bna', op: 'reserveIp', outcome: 'ok' })).toHaveLength(1);

    expect(await bna().findReservation('dr-northwind', 'nw-db-1')).toMatchObject({ address: ip.address });
    expect(await bna().releaseIp('dr-northwind', ip.address, key('releaseIp'))).toBe(true);
    expect(await bna().releaseIp('dr-northwind', ip.address, key('releaseIp-again'))).toBe(false);
    expect(await bna().findReservation('dr-northwind', 'nw-db-1')).toBeNull();
  });

  it('fails an exhausted pool non-retryably as exhausted', async () => {
    const { pool } = await bna().createIpPool({ name: 'tiny', cidr: '10.250.0.0/30', tenant: 'northwind', purpose: 'test' }, key('pool'));
    expect(pool).toMatchObject({ id: 'tiny', capacity: 1 });
    expect((await bna().createIpPool({ name: 'tiny', cidr: '10.250.0.0/30' }, key('pool-rerun'))).alreadyExisted).toBe(true);
    await bna().reserveIp('tiny', { owner: 'a' }, key('r'));
    const f = await failure(bna().reserveIp('tiny', { owner: 'b' }, key('r')));
    expect(f.nonRetryable).toBe(true);
    expect(systemErrorKind(f)).toBe('exhausted');
    expect(f.message).toMatch(/POOL_EXHAUSTED: IP pool tiny \(10\.250\.0\.0\/30\) has no free address/);
  });

  it('adds VLANs as jobs, treats an existing VLAN as success, and removes it', async () => {
    const req = await bna().addVlan({ name: 'nw-repl', tenant: 'northwind' }, key('addVlan'));
    expect(req.alreadyExisted).toBe(false);
    expect(req.vlan.vlanId).toBeGreaterThanOrEqual(2000);
    const job = await bna().getJob(req.job?.jobId as number);
    expect(job.state).toBe('completed');
    expect((await bna().getVlan(req.vlan.id))?.state).toBe('ACTIVE');

    const dup = await bna().addVlan({ name: 'nw-repl', tenant: 'northwind' }, key('addVlan-rerun'));
    expect(dup).toMatchObject({ alreadyExisted: true, job: null, vlan: { id: req.vlan.id } });
    expect((await bna().listVlans({ tenant: 'northwind' })).map((v) => v.name)).toEqual(['nw-repl']);
    expect((await bna().listVlanPools())[0]).toMatchObject({ site: 'dr-1', allocated: 1 });

    const removal = await bna().removeVlan(req.vlan.id, key('removeVlan'));
    expect((await bna().getJob(removal?.jobId as number)).state).toBe('completed');
    expect(await bna().getVlan(req.vlan.id)).toBeNull();
    expect(await bna().removeVlan(req.vlan.id, key('removeVlan-again'))).toBeNull();
  });

  it('maps faults and bad input, and re-logs in after the token is dropped', async () => {
    await estate.control.fault({ system: 'bna', op: 'reserveIp', status: 429, times: 1 });
    const throttled = await failure(bna().reserveIp('dr-northwind', { owner: 'nw-app-1' }, key('r')));
    expect(throttled.nonRetryable).toBe(false);

    const bad = await failure(bna().reserveIp('dr-northwind', { owner: 'nw-app-1', address: '192.0.2.1' }, key('r')));
    expect(bad.nonRetryable).toBe(true);
    expect(systemErrorKind(bad)).toBe('invalid');
    expect(bad.message).toMatch(/INVALID_ARGUMENT: 192\.0\.2\.1 is not an assignable address/);

    const missing = await failure(bna().reserveIp('no-pool', { owner: 'x' }, key('r')));
    expect(systemErrorKind(missing)).toBe('not-found');

    const token = bna().session.peek() as string;
    await fetch(`${estate.sim.url}/bna/bca-networks/api/token`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    expect((await bna().getIpPool('dr-northwind'))?.id).toBe('dr-northwind');
    expect(bna().session.peek()).not.toBe(token);
  });

  it('refuses a side effect without an idempotency key before calling', async () => {
    const f = await failure(bna().reserveIp('dr-northwind', { owner: 'x' }, ''));
    expect(f.nonRetryable).toBe(true);
    expect(await estate.control.ops({ system: 'bna' })).toEqual([]);
  });
});
