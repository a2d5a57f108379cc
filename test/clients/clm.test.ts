import { systemErrorKind } from '../../infra/clients/system-error';
import { failure, key, startEstate, type Estate } from './estate-fixture';

describe('ClmClient against the simulator', () => {
  let estate: Estate;
  const clm = () => estate.clients.clm;

  beforeAll(async () => {
    estate = await startEstate();
  });
  afterAll(() => estate.close());
  beforeEach(async () => {
    await estate.control.reset();
    await estate.control.scenario({ tenants: [{ id: 'northwind', tier: 'Gold', vms: 2, managementVms: 1 }], approvalRequired: true });
  });

  it('requests a container that waits for approval, then provisions it with VLANs once approved', async () => {
    const k = key('requestNetworkContainer');
    const req = await clm().requestNetworkContainer({ name: 'nw-dr', tenant: 'northwind', tier: 'Gold' }, k);
    expect(req.alreadyExisted).toBe(false);
    expect(req.container).toMatchObject({ name: 'nw-dr', tenant: 'northwind', tier: 'Gold', state: 'PENDING_APPROVAL' });
    expect(req.task.state).toBe('waiting-approval');
    expect(req.task.changeRequestGuid).toEqual(expect.any(String));

    const pending = await clm().listChangeRequests({ tenant: 'northwind', state: 'PENDING' });
    expect(pending.map((c) => c.guid)).toEqual([req.task.changeRequestGuid]);

    const approval = key('approve');
    const change = await clm().approveChangeRequest(req.task.changeRequestGuid as string, approval, 'ops-lead');
    expect(change).toMatchObject({ state: 'APPROVED', decidedBy: 'ops-lead' });
    // Approving twice (another key) is already the desired state: success.
    expect((await clm().approveChangeRequest(change.guid, key('approve-again'))).state).toBe('APPROVED');

    const task = await clm().getTask(req.task.guid);
    expect(task.state).toBe('completed');
    expect(task.resourceGuid).toBe(req.container.guid);
    const container = await clm().getNetworkContainer('nw-dr');
    expect(container?.state).toBe('ACTIVE');
    expect(container?.vlans.map((v) => v.role)).toEqual(['web', 'app', 'db']);
    expect(container?.services.map((s) => s.type)).toEqual(expect.arrayContaining(['perimeter-firewall', 'load-balancer']));
  });

  it('replays a repeated request and treats an existing container as success', async () => {
    const k = key('requestNetworkContainer');
    const spec = { name: 'nw-dr', tenant: 'northwind', tier: 'Silver' as const, requiresApproval: false };
    const first = await clm().requestNetworkContainer(spec, k);
    const again = await clm().requestNetworkContainer(spec, k);
    expect(again.task.guid).toBe(first.task.guid);
    const entries = await estate.control.opsForKey(k);
    expect(entries.filter((e) => e.outcome === 'ok')).toHaveLength(1);
    expect(entries.map((e) => e.outcome)).toEqual(['ok', 'replayed']);

    const other = await clm().requestNetworkContainer(spec, key('requestNetworkContainer-rerun'));
    expect(other.alreadyExisted).toBe(true);
    expect(other.container.guid).toBe(first.container.guid);
    expect(other.task.guid).toBe(first.task.guid);
    expect(await estate.control.ops({ system: 'clm', op: 'createContainer', outcome: 'ok' })).toHaveLength(1);
  });

  async function activeContainer(tier: 'Gold' | 'Copper' = 'Gold'): Promise<string> {
    const req = await clm().requestNetworkContainer({ name: `nw-${tier}`, tenant: 'northwind', tier, requiresApproval: false }, key('container'));
    expect((await clm().getTask(req.task.guid)).state).toBe('completed');
    return req.container.guid;
  }

  it('creates network paths and VIPs, treats duplicates as success, and undoes them', async () => {
    const container = await activeContainer();
    const path = await clm().createNetworkPath({ container, name: 'web-to-app', source: '172.16.0.0/24', destination: '172.16.1.0/24', port: '8443' }, key('path'));
    if (path.alreadyExisted) throw new Error('expected a new path');
    const done = await clm().getTask(path.task.guid);
    expect(done.state).toBe('completed');
    const created = await clm().getNetworkPath(done.resourceGuid as string);
    expect(created).toMatchObject({ name: 'web-to-app', port: '8443', action: 'permit', state: 'ACTIVE' });

    const dup = await clm().createNetworkPath({ container, name: 'web-to-app', source: '172.16.0.0/24', destination: '172.16.1.0/24' }, key('path-rerun'));
    expect(dup).toMatchObject({ alreadyExisted: true, resource: { guid: created?.guid } });

    const vip = await clm().createLoadBalancerVip({ container: 'nw-Gold', name: 'web-vip', virtualIp: '172.16.0.100', port: 443, members: ['172.16.0.11'] }, key('vip'));
    if (vip.alreadyExisted) throw new Error('expected a new VIP');
    const vipGuid = (await clm().getTask(vip.task.guid)).resourceGuid as string;
    await clm().setLoadBalancerMembers(vipGuid, ['172.16.0.21', '172.16.0.22'], key('vip-members'));
    expect(await clm().getLoadBalancerVip(vipGuid)).toMatchObject({ virtualIp: '172.16.0.100', port: 443, members: ['172.16.0.21', '172.16.0.22'], state: 'ACTIVE' });
    const vipDup = await clm().createLoadBalancerVip({ container, name: 'web-vip-2', virtualIp: '172.16.0.100', port: 443 }, key('vip-rerun'));
    expect(vipDup.alreadyExisted).toBe(true);

    const del = await clm().deleteLoadBalancerVip(vipGuid, key('vip-undo'));
    expect(del).not.toBeNull();
    expect((await clm().getTask(del?.guid as string)).state).toBe('completed');
    expect(await clm().getLoadBalancerVip(vipGuid)).toBeNull();
    expect(await clm().deleteLoadBalancerVip(vipGuid, key('vip-undo-again'))).toBeNull();
    expect(await clm().deleteNetworkPath(created?.guid as string, key('path-undo'))).not.toBeNull();

    const gone = await clm().deleteNetworkContainer(container, key('container-undo'));
    expect((await clm().getTask(gone?.guid as string)).state).toBe('completed');
    expect(await clm().getNetworkContainer(container)).toBeNull();
    expect(await clm().deleteNetworkContainer(container, key('container-undo-again'))).toBeNull();
  });

  it('refuses a path in a container without a firewall service, non-retryably with CLM\'s message', async () => {
    const silver = await clm().requestNetworkContainer({ name: 'nw-silver', tenant: 'northwind', tier: 'Silver', requiresApproval: false }, key('c'));
    await clm().getTask(silver.task.guid);
    const f = await failure(clm().createNetworkPath({ container: 'nw-silver', name: 'p', source: '10.0.0.0/24', destination: '10.0.1.0/24' }, key('path')));
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toMatch(/^clm\.createNetworkPath \(422\): NO_FIREWALL_SERVICE: a Silver container has no firewall service/);
  });

  it('provisions InMage control servers as service offering instances', async () => {
    const sub = await clm().provisionServiceOffering({ tenant: 'northwind', offering: 'mt-windows', hostnamePrefix: 'nw-mt-dr', quantity: 2 }, key('soi'));
    if (sub.alreadyExisted) throw new Error('expected a new instance');
    const task = await clm().getTask(sub.task.guid);
    expect(task.state).toBe('completed');
    expect(task.results.map((r) => r.hostname)).toEqual(['nw-mt-dr-1', 'nw-mt-dr-2']);
    const soi = await clm().getServiceOfferingInstance(task.resourceGuid as string);
    expect(soi).toMatchObject({ role: 'mt', state: 'ACTIVE', controlServerId: expect.stringMatching(/^mt-/) });
    const mts = await estate.clients.inmage.listControlServers('northwind', 'mt');
    expect(mts.map((m) => m.name)).toEqual(expect.arrayContaining(['nw-mt-dr-1', 'nw-mt-dr-2']));

    const again = await clm().provisionServiceOffering({ tenant: 'northwind', offering: 'mt-windows', hostnamePrefix: 'nw-mt-dr', quantity: 2 }, key('soi-rerun'));
    expect(again).toMatchObject({ alreadyExisted: true, resource: { guid: soi?.guid } });

    const undo = await clm().decommissionServiceOffering(soi?.guid as string, key('soi-undo'));
    expect((await clm().getTask(undo?.guid as string)).state).toBe('completed');
    expect(await clm().getServiceOfferingInstance(soi?.guid as string)).toBeNull();
    expect((await clm().listServiceOfferings()).map((o) => o.guid)).toEqual(expect.arrayContaining(['so-inmage-cx', 'so-container-gold']));
  });

  it('reports a failed task with its CLM error, capacity shortfalls as exhausted', async () => {
    await estate.control.reset();
    await estate.control.scenario({ tenants: [{ id: 'northwind', tier: 'Gold', vms: 1, managementVms: 0 }], vlanPoolSize: 2, approvalRequired: false });
    const req = await clm().requestNetworkContainer({ name: 'nw-dr', tenant: 'northwind', tier: 'Gold' }, key('c'));
    const task = await clm().getTask(req.task.guid);
    expect(task.state).toBe('failed');
    expect(task.errors[0].code).toBe('POOL_EXHAUSTED');
    const f = clm().taskFailure(task);
    expect(f.nonRetryable).toBe(true);
    expect(systemErrorKind(f)).toBe('exhausted');
  });

  it('maps injected faults: 503 retryable, 404 final with the system message', async () => {
    await estate.control.fault({ system: 'clm', op: 'createContainer', status: 503, times: 1 });
    const k = key('c');
    const busy = await failure(clm().requestNetworkContainer({ name: 'nw-dr', tenant: 'northwind', tier: 'Copper' }, k));
    expect(busy.nonRetryable).toBe(false);
    expect(systemErrorKind(busy)).toBe('transient');
    // The retry with the same key does the work once.
    await clm().requestNetworkContainer({ name: 'nw-dr', tenant: 'northwind', tier: 'Copper' }, k);
    expect((await estate.control.opsForKey(k)).map((e) => e.outcome)).toEqual(['fault', 'ok']);

    const missing = await failure(clm().getTask('no-such-task'));
    expect(missing.nonRetryable).toBe(true);
    expect(systemErrorKind(missing)).toBe('not-found');
    expect(missing.message).toBe('clm.getTask (404): NOT_FOUND: Task no-such-task not found');
  });

  it('logs in once, and again after the session is dropped', async () => {
    await clm().listNetworkContainers();
    const before = clm().session.peek();
    expect(before).toEqual(expect.any(String));
    await Promise.all(Array.from({ length: 20 }, () => clm().listNetworkContainers({ tenant: 'northwind' })));
    expect(clm().session.peek()).toBe(before);

    // Log the token out behind the client's back, as a CLM restart would.
    await fetch(`${estate.sim.url}/clm/csm/logout`, { method: 'POST', headers: { 'authentication-token': before as string } });
    expect(await clm().listNetworkContainers()).toEqual([]);
    expect(clm().session.peek()).not.toBe(before);
  });
});
