import { systemErrorKind } from '../../infra/clients/system-error';
import { failure, key, startEstate, type Estate } from './estate-fixture';

describe('ComputeClient against the simulator', () => {
  let estate: Estate;
  const compute = () => estate.clients.compute;

  beforeAll(async () => {
    estate = await startEstate();
  });
  afterAll(() => estate.close());
  beforeEach(async () => {
    await estate.control.reset();
  });

  it('reads capacity, finds VMs, powers them off and on once, reports heartbeats', async () => {
    await estate.control.scenario({ tenants: [{ id: 'northwind', vms: 2, managementVms: 1 }] });
    const cap = await compute().getCapacity('dr-1');
    expect(cap).toMatchObject({ site: 'dr-1', kind: 'dr', down: false });
    expect(cap.capacity?.vcpu).toBeGreaterThan(0);
    expect(cap.free?.vcpu).toBe((cap.capacity?.vcpu ?? 0) - cap.used.vcpu);
    expect((await compute().listSites()).map((s) => s.site)).toEqual(expect.arrayContaining(['dr-1', 'northwind-dc']));

    const vm = await compute().findVm('northwind', 'nw-web-1', 'northwind-dc');
    expect(vm).toMatchObject({ name: 'nw-web-1', powerState: 'POWERED_ON', folder: 'northwind' });
    expect(await compute().findVm('northwind', 'nw-web-1', 'dr-1')).toBeNull();
    const id = vm?.vm as string;
    expect(await compute().getHeartbeat(id)).toBe('GREEN');
    expect((await compute().getGuestIdentity(id)).hostName).toBe('nw-web-1');

    const off = key('powerOff');
    expect(await compute().powerOff(id, off)).toEqual({ alreadyInState: false });
    expect(await compute().powerOff(id, off)).toEqual({ alreadyInState: false });
    expect((await estate.control.opsForKey(off)).map((e) => e.outcome)).toEqual(['ok', 'replayed']);
    expect(await compute().powerOff(id, key('powerOff-rerun'))).toEqual({ alreadyInState: true });
    expect(await compute().getHeartbeat(id)).toBe('GRAY');

    await compute().reconfigureNetwork(id, { nics: [{ ip: '10.200.0.20', prefixLength: 24, gateway: '10.200.0.1' }], hostname: 'nw-web-1-dr' }, key('reip'));
    expect(await compute().powerOn(id, key('powerOn'))).toEqual({ alreadyInState: false });
    expect(await compute().powerOn(id, key('powerOn-rerun'))).toEqual({ alreadyInState: true });
    expect(await compute().getPowerState(id)).toBe('POWERED_ON');
    expect(await compute().getVm(id)).toMatchObject({ hostname: 'nw-web-1-dr', nics: [{ ip: '10.200.0.20' }], heartbeat: 'GREEN' });
    expect(await estate.control.ops({ system: 'compute', op: 'powerOn', outcome: 'ok' })).toHaveLength(1);
  });

  it('fails a power-on beyond the DR site capacity non-retryably as exhausted', async () => {
    await estate.control.scenario({ tenants: [{ id: 'northwind', vms: 3, managementVms: 0 }], drSite: { vcpu: 4, memoryGb: 64 } });
    const inmage = estate.clients.inmage;
    const sub = await inmage.recoverVm('northwind', 'nw-db-1', {}, key('recover'));
    const job = await inmage.getJob(sub.job?.id as string);
    const f = await failure(compute().powerOn(job.result?.vmId as string, key('powerOn')));
    expect(f.nonRetryable).toBe(true);
    expect(systemErrorKind(f)).toBe('exhausted');
    expect(f.message).toMatch(/^compute\.powerOn \(422\): UNABLE_TO_ALLOCATE_RESOURCE: insufficient capacity at dr-1/);
    expect(await compute().deleteVm(job.result?.vmId as string, key('delete'))).toBe(true);
    expect(await compute().deleteVm(job.result?.vmId as string, key('delete-again'))).toBe(false);
  });

  it('logs in again after the session is dropped; a down site is retryable', async () => {
    await estate.control.scenario({ tenants: [{ id: 'northwind', vms: 1, managementVms: 0 }] });
    await compute().listSites();
    const sid = compute().session.peek() as string;
    await fetch(`${estate.sim.url}/compute/api/session`, { method: 'DELETE', headers: { 'vmware-api-session-id': sid } });
    const vm = await compute().findVm('northwind', 'nw-web-1', 'northwind-dc');
    expect(compute().session.peek()).not.toBe(sid);

    await compute().powerOff(vm?.vm as string, key('off'));
    await estate.control.request('POST', '/_sim/sites/northwind-dc/fail');
    const down = await failure(compute().powerOn(vm?.vm as string, key('on')));
    expect(down.nonRetryable).toBe(false);
    expect(down.message).toMatch(/site northwind-dc is unreachable/);
  });
});
