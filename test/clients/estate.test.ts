import { createEstateClients, estateConfigFromSimulator } from '../../infra/clients';
import { BnaClient } from '../../infra/clients/bna';
import { ComputeClient } from '../../infra/clients/compute';
import { SystemHttpClient } from '../../infra/clients/http-client';
import { systemErrorKind } from '../../infra/clients/system-error';
import { failure, key, startEstate, type Estate } from './estate-fixture';

describe('the estate clients', () => {
  let estate: Estate;

  beforeAll(async () => {
    estate = await startEstate();
  });
  afterAll(() => estate.close());
  beforeEach(async () => {
    await estate.control.reset();
    await estate.control.scenario({ tenants: [{ id: 'northwind', vms: 1, managementVms: 0 }] });
  });

  it('maps every system to its simulator mount with the default credentials', () => {
    const config = estateConfigFromSimulator('http://127.0.0.1:8480/');
    expect(config.clm.baseUrl).toBe('http://127.0.0.1:8480/clm');
    expect(config.bna.baseUrl).toBe('http://127.0.0.1:8480/bna/bca-networks/api');
    expect(config.eventPolicy.baseUrl).toBe('http://127.0.0.1:8480/mgmt/event-policy');
    expect(config.ldap).toMatchObject({ baseUrl: 'http://127.0.0.1:8480/mgmt/ldap', username: 'lifeline', password: 'secret' });
    expect(Object.keys(config)).toHaveLength(15);
  });

  it('close() logs out of the sessions it holds', async () => {
    const clients = createEstateClients(estateConfigFromSimulator(estate.sim.url));
    await clients.asa.listSecurityContexts();
    await clients.clm.listNetworkContainers();
    const asaToken = clients.asa.session.peek() as string;
    const clmToken = clients.clm.session.peek() as string;
    await clients.close();
    const asa = await fetch(`${estate.sim.url}/asa/api/contexts`, { headers: { 'x-auth-token': asaToken } });
    expect(asa.status).toBe(401);
    const clm = await fetch(`${estate.sim.url}/clm/csm/NetworkContainer/x`, { headers: { 'authentication-token': clmToken } });
    expect(clm.status).toBe(401);
  });

  it('a lost response is retryable, and the retry with the same key is a replay, not a second reservation', async () => {
    await estate.control.fault({ system: 'bna', op: 'reserveIp', status: 502, lostResponse: true, times: 1 });
    const k = key('reserveIp');
    const lost = await failure(estate.clients.bna.reserveIp('dr-northwind', { owner: 'nw-web-1' }, k));
    expect(lost.nonRetryable).toBe(false);
    const ip = await estate.clients.bna.reserveIp('dr-northwind', { owner: 'nw-web-1' }, k);
    expect(ip.alreadyExisted).toBe(false);
    const entries = await estate.control.opsForKey(k);
    expect(entries.map((e) => e.outcome)).toEqual(['ok', 'replayed']);
  });

  it('a request the system never answers fails retryably after the configured timeout', async () => {
    const slow = new ComputeClient({ ...estateConfigFromSimulator(estate.sim.url).compute, timeoutMs: 300 });
    try {
      await estate.control.fault({ system: 'compute', op: 'getCapacity', timeout: true, times: 1 });
      const f = await failure(slow.getCapacity('dr-1'));
      expect(f.nonRetryable).toBe(false);
      expect(systemErrorKind(f)).toBe('transient');
      expect(f.message).toBe('compute.getCapacity: no answer within 300 ms');
      expect((await slow.getCapacity('dr-1')).site).toBe('dr-1');
    } finally {
      await slow.close();
    }
  });

  it('wrong credentials are final', async () => {
    const bna = new BnaClient({ ...estateConfigFromSimulator(estate.sim.url).bna, password: '' });
    try {
      const f = await failure(bna.listIpPools());
      expect(f.nonRetryable).toBe(true);
      expect(systemErrorKind(f)).toBe('unauthorized');
      expect(f.message).toBe('bna.login (401): UNAUTHORIZED: invalid username or password');
    } finally {
      await bna.close();
    }
  });

  it('shares one login among concurrent calls', async () => {
    const compute = new ComputeClient(estateConfigFromSimulator(estate.sim.url).compute);
    const calls = jest.spyOn(SystemHttpClient.prototype, 'call');
    try {
      await Promise.all(Array.from({ length: 50 }, () => compute.getCapacity('dr-1')));
      const ops = calls.mock.calls.map(([req]) => req.op);
      expect(ops.filter((op) => op === 'createSession')).toHaveLength(1);
      expect(ops.filter((op) => op === 'getCapacity')).toHaveLength(50);
    } finally {
      calls.mockRestore();
      await compute.close();
    }
  });
});
