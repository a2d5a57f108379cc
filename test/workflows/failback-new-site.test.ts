import type { DemoTenant } from '../../infra/demo/demo-estate';
import type { FailbackResult, OnboardingResult } from '../../workflows/contracts';
import type { Estate } from '../clients/estate-fixture';
import type { TestApp } from '../support/api';
import { recordHistory } from '../support/histories';
import { ended, startDrEstate, type DrEstate, type OperationBody, type SimState } from '../support/dr-estate';
import { estateDifferences } from '../support/estate-oracle';

type NewSiteState = Omit<SimState, 'inmage'> & {
  tenants: { id: string; primarySite: string }[];
  inmage: Omit<SimState['inmage'], 'plans'> & { plans: { direction: string; sourceSite: string; name: string }[] };
  asa: { contexts: { tunnels: { peer: string }[] }[] };
  mgmt: { cis: { site: string }[]; assets: { location: string }[] };
};

/**
 * The primary site lost for good ("smoking hole") and the provider builds the tenant a new one under another
 * name: the failback brings every VM up there with its own identity, then the onboarding workflow (a child,
 * keeping the DR container) protects the tenant from the new site, and nothing stays at the DR site.
 */
describe('failback to a new primary site (smoking hole)', () => {
  let e: DrEstate;
  let estate: Estate;
  let t: TestApp;
  let tenant: DemoTenant;

  beforeAll(async () => {
    e = await startDrEstate('failback-new-site', { tenants: 1, vmsPerTenant: 12, managementVmsPerTenant: 3, waveConcurrency: 2 }, { onboard: true });
    ({ estate, t } = e);
    [tenant] = e.tenants;
  });
  afterAll(async () => e?.close());

  const waitFor = (operationId: string, done: (op: OperationBody) => boolean) => e.until(operationId, done);
  const state = async () => (await estate.control.state(tenant.name)) as NewSiteState;

  it('recovers every VM at the new site and protects the tenant from it through an onboarding child', async () => {
    const before = (await state()).compute.vms.filter((v) => v.origin === 'primary');
    expect(before).toHaveLength(15);
    const lostSite = before[0].site;
    await estate.control.request('POST', `/_sim/sites/${lostSite}/fail`);
    const fo = await t.http.post('/v1/operations').set(t.auth()).send({ kind: 'failover', tenantId: tenant.id, requestId: 'fo-1', recoveryPoint: { kind: 'latest-common-time' } }).expect(202);
    expect((await waitFor(fo.body.operationId, ended)).status).toBe('completed');

    // The provider builds a new site for the tenant, in the estate and in the inventory.
    const newSite = `${tenant.name}-dc2`;
    await estate.control.request('POST', `/_sim/tenants/${tenant.name}/primary-site`, { site: newSite });
    const newSiteId = (await t.http.post('/v1/sites').set(t.auth()).send({ name: newSite, kind: 'primary' }).expect(201)).body.id as string;
    // A partial failback to a new site is refused before anything starts: the tenant stays failed over.
    const partial = await t.http.post('/v1/operations').set(t.auth())
      .send({ kind: 'failback', tenantId: tenant.id, requestId: 'fb-partial', primarySiteId: newSiteId, vms: [before.find((v) => v.name.includes('-db-'))!.name] }).expect(422);
    expect(partial.body.message.join(' ')).toMatch(/^vms: .*moves every VM at the DR site/);
    expect((await t.http.get(`/v1/tenants/${tenant.id}`).set(t.auth()).expect(200)).body).toMatchObject({ state: 'failed-over', primarySiteId: tenant.primarySiteId });

    const started = Date.now();
    const fb = await t.http.post('/v1/operations').set(t.auth()).send({
      kind: 'failback', tenantId: tenant.id, requestId: 'fb-1', primarySiteId: newSiteId, vpnPeer: '198.51.100.20',
      maintenanceWindowStart: new Date().toISOString(), statusPollSeconds: 1,
    }).expect(202);
    const id = fb.body.operationId as string;
    const op = await waitFor(id, ended);
    process.stdout.write(`new-site failback: ${((Date.now() - started) / 1000).toFixed(1)} s end to end\n`);
    expect(op.error ?? null).toBeNull();
    expect(op.result as FailbackResult).toMatchObject({ status: 'failed-back', failedBack: 15, reprotected: 15, failed: [], blocked: [] });

    // The onboarding child is part of the operation, and ran as an operation of its own.
    const step = op.steps.find((s) => String(s.name).startsWith(`forward protection from ${newSite}`));
    expect(step).toMatchObject({ status: 'completed' });
    const childId = op.progress.forwardProtection.workflowId as string;
    const child = await e.get(childId);
    expect(child).toMatchObject({ kind: 'onboarding', status: 'completed' });
    expect(child.result as OnboardingResult).toMatchObject({ protectedVms: 15 });
    expect(child.steps.map((s) => s.name)).toEqual(expect.arrayContaining(['existing DR container', 're-point the IPsec tunnel to the new site', "retire the lost site's protection"]));
    expect(child.steps.map((s) => s.name)).not.toContain('pre-provision DR container');

    const tenantNow = (await t.http.get(`/v1/tenants/${tenant.id}`).set(t.auth()).expect(200)).body;
    expect(tenantNow).toMatchObject({ state: 'protected', primarySiteId: newSiteId });

    const s = await state();
    expect(s.tenants[0].primarySite).toBe(newSite);
    // Every VM runs at the new site with its original identity; nothing at the lost site or the DR site.
    const atNew = s.compute.vms.filter((v) => v.site === newSite);
    expect(atNew.map((v) => v.name).sort()).toEqual(before.map((v) => v.name).sort());
    for (const vm of atNew) {
      const original = before.find((b) => b.name === vm.name)!;
      expect(vm.power_state).toBe('POWERED_ON');
      expect(vm.hostname).toBe(original.hostname);
      expect(vm.nics.map((n) => n.ip_address)).toEqual(original.nics.map((n) => n.ip_address));
    }
    expect(s.compute.vms.filter((v) => v.site === 'dr-1')).toEqual([]);
    // The estate as the inventory and the captured metadata say (the container keeps its VIP, set-aside and mapped addresses).
    expect(await estateDifferences(e.dataSource, estate.control, tenant.id)).toEqual([]);
    // Every CMDB CI and asset names the new site: the lost one is gone, the DR site no longer runs them.
    expect(new Set(s.mgmt.cis.map((c) => c.site))).toEqual(new Set([newSite]));
    expect(new Set(s.mgmt.assets.map((a) => a.location))).toEqual(new Set([newSite]));
    // Forward protection from the new site only, every volume in Differential Sync; no failback leftovers.
    expect(s.inmage.plans.map((p) => [p.direction, p.sourceSite])).toEqual(s.inmage.plans.map(() => ['forward', newSite]));
    expect(s.inmage.pairs.length).toBeGreaterThan(15);
    expect(s.inmage.pairs.filter((p) => p.direction !== 'forward' || p.state !== 'Differential Sync')).toEqual([]);
    expect(s.inmage.controlServers.filter((c) => c.name.includes('-fb-'))).toEqual([]);
    // The IPsec path names the new site's peer only.
    expect(s.asa.contexts.flatMap((c) => c.tunnels.map((x) => x.peer))).toEqual(['198.51.100.20']);

    // The inventory's protection records name the new site's master targets.
    const vms = (await t.http.get(`/v1/tenants/${tenant.id}/vms?limit=100`).set(t.auth()).expect(200)).body.items as { replicationState: string; masterTarget: string }[];
    expect(vms).toHaveLength(15);
    for (const vm of vms) {
      expect(vm.replicationState).toBe('differential-sync');
      expect(vm.masterTarget).toMatch(new RegExp(`^${tenant.name}-${newSite}-mt-`));
    }

    await recordHistory(e.tw.client.workflow.getHandle(id), 'failback-new-site');
  });
});
