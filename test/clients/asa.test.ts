import { systemErrorKind } from '../../infra/clients/system-error';
import { failure, key, startEstate, type Estate } from './estate-fixture';

describe('AsaClient against the simulator', () => {
  let estate: Estate;
  const asa = () => estate.clients.asa;

  beforeAll(async () => {
    estate = await startEstate();
  });
  afterAll(() => estate.close());
  beforeEach(async () => {
    await estate.control.reset();
    await estate.control.scenario({ tenants: [{ id: 'northwind', vms: 1, managementVms: 0 }] });
  });

  it('creates a security context once; a duplicate is success', async () => {
    const k = key('createSecurityContext');
    const spec = { name: 'northwind', tenant: 'northwind', interfaces: [{ name: 'outside', vlan: 2001, ip: '203.0.113.2/29' }] };
    const { context, alreadyExisted } = await asa().createSecurityContext(spec, k);
    expect(alreadyExisted).toBe(false);
    expect(context).toMatchObject({ name: 'northwind', tenant: 'northwind', interfaces: [{ name: 'outside', vlan: 2001 }] });
    await asa().createSecurityContext(spec, k);
    expect((await estate.control.opsForKey(k)).map((e) => e.outcome)).toEqual(['ok', 'replayed']);
    const dup = await asa().createSecurityContext(spec, key('createSecurityContext-rerun'));
    expect(dup).toMatchObject({ alreadyExisted: true, context: { name: 'northwind' } });
    expect((await asa().listSecurityContexts()).map((c) => c.name)).toEqual(['northwind']);
    await asa().saveConfig('northwind', key('writemem'));
    expect((await asa().getSecurityContext('northwind'))?.savedAt).toEqual(expect.any(String));
  });

  it('manages network objects and access rules, re-addressing them', async () => {
    await asa().createSecurityContext({ name: 'nw' }, key('ctx'));
    const obj = await asa().createNetworkObject('nw', { name: 'nw-db-1', host: { kind: 'IPv4Address', value: '10.1.1.10' } }, key('obj'));
    expect(obj.object).toMatchObject({ objectId: 'nw-db-1', host: { value: '10.1.1.10' } });
    const objDup = await asa().createNetworkObject('nw', { name: 'nw-db-1', host: { kind: 'IPv4Address', value: '10.1.1.10' } }, key('obj-rerun'));
    expect(objDup.alreadyExisted).toBe(true);
    await asa().updateNetworkObject('nw', 'nw-db-1', { host: { kind: 'IPv4Address', value: '10.129.0.10' } }, key('obj-readdress'));
    expect((await asa().getNetworkObject('nw', 'nw-db-1'))?.host.value).toBe('10.129.0.10');

    const spec = {
      sourceAddress: { kind: 'IPv4Network', value: '10.1.0.0/16' },
      destinationAddress: { kind: 'objectRef#NetworkObj', value: 'nw-db-1' },
      destinationService: { kind: 'TcpUdpService', value: 'tcp/1433' },
    };
    const rule = await asa().createAccessRule('nw', 'inside', spec, key('rule'));
    expect(rule.rule.objectId).toMatch(/^\d+$/);
    const ruleDup = await asa().createAccessRule('nw', 'inside', spec, key('rule-rerun'));
    expect(ruleDup).toMatchObject({ alreadyExisted: true, rule: { objectId: rule.rule.objectId } });
    const moved = await asa().updateAccessRule('nw', 'inside', rule.rule.objectId, { sourceAddress: { kind: 'IPv4Network', value: '10.129.0.0/16' } }, key('rule-edit'));
    expect(moved.objectId).not.toBe(rule.rule.objectId);
    expect((await asa().listAccessRules('nw', 'inside')).map((r) => r.objectId)).toEqual([moved.objectId]);
    expect(await asa().deleteAccessRule('nw', 'inside', moved.objectId, key('rule-undo'))).toBe(true);
    expect(await asa().deleteAccessRule('nw', 'inside', moved.objectId, key('rule-undo-again'))).toBe(false);
    expect(await asa().deleteNetworkObject('nw', 'nw-db-1', key('obj-undo'))).toBe(true);
  });

  it('pages through more than 100 network objects', async () => {
    await asa().createSecurityContext({ name: 'big' }, key('ctx'));
    await Promise.all(
      Array.from({ length: 130 }, (_, i) => asa().createNetworkObject('big', { name: `h${i}`, host: { kind: 'IPv4Address', value: `10.2.${Math.floor(i / 200)}.${(i % 200) + 1}` } }, key(`obj-${i}`))),
    );
    expect(await asa().listNetworkObjects('big')).toHaveLength(130);
  });

  it('configures a site-to-site IPsec tunnel and reports it UP; duplicates are success', async () => {
    await asa().createSecurityContext({ name: 'northwind', tenant: 'northwind' }, key('ctx'));
    const spec = { interface: 'outside', peer: '198.51.100.7', localNetwork: '10.129.0.0/16', remoteNetwork: '10.1.0.0/16' };
    const { tunnel } = await asa().configureIpsecTunnel('northwind', spec, key('tunnel'));
    expect(tunnel).toMatchObject({ peer: '198.51.100.7', sequence: 10, ikeVersion: 2 });
    const dup = await asa().configureIpsecTunnel('northwind', spec, key('tunnel-rerun'));
    expect(dup).toMatchObject({ alreadyExisted: true, tunnel: { sequence: 10, peer: '198.51.100.7' } });
    expect(await asa().getIpsecTunnel('northwind', 'outside', 10)).toMatchObject({ sequence: 10, peer: '198.51.100.7' });
    expect(await asa().getIpsecTunnel('northwind', 'outside', 99)).toBeNull();
    const [status] = await asa().getTunnelStatus('northwind', '198.51.100.7');
    expect(status).toMatchObject({ status: 'UP', peer: '198.51.100.7' });

    await estate.control.request('POST', '/_sim/sites/northwind-dc/fail');
    expect((await asa().getTunnelStatus('northwind'))[0]).toMatchObject({ status: 'DOWN', reason: 'peer unreachable' });

    expect(await asa().removeIpsecTunnel('northwind', 'outside', 10, key('tunnel-undo'))).toBe(true);
    expect(await asa().listIpsecTunnels('northwind', 'outside')).toEqual([]);
    expect(systemErrorKind(await failure(asa().listIpsecTunnels('no-such-context', 'outside')))).toBe('not-found');
    expect(await asa().deleteSecurityContext('northwind', key('ctx-undo'))).toBe(true);
    expect(await asa().deleteSecurityContext('northwind', key('ctx-undo-again'))).toBe(false);
  });

  it('gets a new token after the old one expires, and maps ASA error bodies', async () => {
    await asa().listSecurityContexts();
    const token = asa().session.peek();
    await estate.control.advance(31 * 60_000);
    expect(await asa().listSecurityContexts()).toEqual([]);
    expect(asa().session.peek()).not.toBe(token);

    const bad = await failure(asa().createSecurityContext({ name: 'no spaces allowed' }, key('ctx')));
    expect(bad.nonRetryable).toBe(true);
    expect(bad.message).toBe('asa.createContext (400): context name: 1-32 letters, digits, _ . - (name)');
    const missing = await failure(asa().createNetworkObject('nope', { name: 'x', host: { kind: 'IPv4Address', value: '10.0.0.1' } }, key('o')));
    expect(systemErrorKind(missing)).toBe('not-found');
  });

  it('fails non-retryably when the system keeps answering 401 after a fresh login', async () => {
    await estate.control.fault({ system: 'asa', op: 'listContexts', status: 401, times: 2 });
    const f = await failure(asa().listSecurityContexts());
    expect(f.nonRetryable).toBe(true);
    expect(systemErrorKind(f)).toBe('unauthorized');
    expect(await asa().listSecurityContexts()).toEqual([]);
  });
});
