import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import { key, startEstate, type Estate } from '../clients/estate-fixture';
import { openTestInventory, type TestInventory } from '../support/inventory';

const TIME_SCALE = 0.001;
/** Each delete's task or job runs about 2 s: the repeat arrives while the first is under way. */
const DELETE_MS = 2_000 / TIME_SCALE;

/**
 * An undo sent twice (a retried attempt, a second operation's undo), with the simulator's idempotency store off
 * as the real CLM and BNA keep none: the repeat of a delete already under way is answered 409 "already being
 * deleted" and starts no second task or job; both undos end once the object is gone.
 */
describe('repeated deletes of CLM paths, VIPs, control servers and BNA VLANs', () => {
  let estate: Estate;
  let inventory: TestInventory;
  let activities: ReturnType<typeof createActivities>;

  beforeAll(async () => {
    estate = await startEstate({ timeScale: TIME_SCALE, idempotency: 'none' });
    inventory = await openTestInventory('sqlite');
    activities = createActivities({ dataSource: inventory.dataSource, clients: estate.clients, estateEndpoints: [] });
  });
  afterAll(async () => {
    await inventory?.close();
    await estate?.close();
  });

  /** Two runs of one activity at once, each in its own activity context. */
  const twice = <I, R>(fn: (input: I) => Promise<R>, input: I): Promise<[R, R]> =>
    Promise.all([new MockActivityEnvironment().run(fn, input) as Promise<R>, new MockActivityEnvironment().run(fn, input) as Promise<R>]);

  const deletes = async (system: string, op: string) => {
    const ops = await estate.control.ops({ system, op, tenant: 'northwind' });
    return { ok: ops.filter((o) => o.outcome === 'ok').length, underWay: ops.filter((o) => o.status === 409 && o.detail === 'ALREADY_IN_DESIRED_STATE').length };
  };

  it('starts one deletion each and ends both undos when the objects are gone', async () => {
    await estate.control.scenario({ tenants: [{ id: 'northwind', tier: 'Gold', vms: 2, managementVms: 0 }], protected: false });
    const run = <I, R>(fn: (input: I) => Promise<R>, input: I): Promise<R> => new MockActivityEnvironment().run(fn, input) as Promise<R>;
    const sub = await run(activities.requestNetworkContainer, { name: 'northwind-dr', tenant: 'northwind', tier: 'Gold', site: 'dr-1', idempotencyKey: key('container') });
    const container = await run(activities.awaitNetworkContainer, { guid: sub.guid, taskGuid: sub.taskGuid });
    const subnet = container.vlans.find((v) => v.subnet)?.subnet as string;
    const paths = await run(activities.createNetworkPaths, { container: sub.guid, paths: [{ name: 'nw-from-primary', source: '10.1.0.0/24', destination: subnet }], keyPrefix: key('path') });
    const vips = await run(activities.createLoadBalancerVips, { container: sub.guid, vips: [{ name: 'nw-https', virtualIp: '10.128.0.100', port: 443 }], keyPrefix: key('vip') });
    expect([paths.done.length, vips.done.length]).toEqual([1, 1]);
    const server = await run(activities.provisionControlServer, { tenant: 'northwind', offering: 'mt-linux', hostname: 'nw-mt-9', drillsEnabled: true, idempotencyKey: key('soi') });
    const vlan = await run(activities.addDrVlan, { name: 'northwind-inmage', tenant: 'northwind', site: 'dr-1', idempotencyKey: key('vlan') });

    const slow = ['clm.deleteNetworkPath', 'clm.deleteLoadBalancerPool', 'clm.decommissionServiceOffering', 'bna.deleteVlan'];
    expect((await estate.control.request('PUT', '/_sim/latency', { ops: Object.fromEntries(slow.map((op) => [op, DELETE_MS])) })).status).toBe(200);

    await twice(activities.removeContainerPathsAndVips, { container: sub.guid, keyPrefix: key('undo:paths-vips') });
    await twice(activities.decommissionControlServer, { clmGuid: server.clmGuid, idempotencyKey: key('undo:soi') });
    await twice(activities.removeDrVlan, { bnaId: vlan.bnaId, idempotencyKey: key('undo:vlan') });

    expect(await deletes('clm', 'deleteNetworkPath')).toEqual({ ok: 1, underWay: 1 });
    expect(await deletes('clm', 'deleteLoadBalancerPool')).toEqual({ ok: 1, underWay: 1 });
    expect(await deletes('clm', 'decommissionServiceOffering')).toEqual({ ok: 1, underWay: 1 });
    expect(await deletes('bna', 'deleteVlan')).toEqual({ ok: 1, underWay: 1 });
    const state = (await estate.control.state('northwind')) as { clm: { networkPaths: unknown[]; loadBalancerPools: unknown[]; serviceOfferingInstances: { hostname: string }[] }; bna: { vlans: { name: string }[] } };
    expect([state.clm.networkPaths, state.clm.loadBalancerPools]).toEqual([[], []]);
    expect(state.clm.serviceOfferingInstances.map((s) => s.hostname)).not.toContain('nw-mt-9');
    expect(state.bna.vlans.map((v) => v.name)).not.toContain('northwind-inmage');
  });
});
