import { estateOf } from '../support/estate-snapshot';
import { ended, startDrEstate, type DrEstate, type OperationBody } from '../support/dr-estate';

interface ReprotectState {
  tenants: { primarySite: string }[];
  asa: unknown;
  clm: { serviceOfferingInstances: { hostname: string }[] };
  inmage: { controlServers: { name: string }[]; plans: { name: string; sourceSite: string }[] };
}

/**
 * A smoking-hole failback whose forward protection from the new site fails (InMage refuses the readiness check)
 * after the IPsec path was re-pointed and the new site's control plane ordered: the onboarding child undoes, each
 * undo registered before its step, what it built. The path names the lost site's peer again, exactly as before,
 * and no control server, agent or plan of the new site is left.
 */
describe('smoking-hole reprotect that fails is undone', () => {
  let e: DrEstate;

  beforeAll(async () => {
    e = await startDrEstate('reprotect-undo', { tenants: 1, vmsPerTenant: 3, managementVmsPerTenant: 1, waveConcurrency: 2 }, { onboard: true });
  });
  afterAll(async () => e?.close());

  it('leaves the IPsec path and the new site as the reprotect found them', async () => {
    const { t, estate } = e;
    const [tenant] = e.tenants;
    const state = async () => (await estate.control.state(tenant.name)) as ReprotectState;
    const lostSite = (await state()).tenants[0].primarySite;
    await estate.control.request('POST', `/_sim/sites/${lostSite}/fail`);
    const fo = await t.http.post('/v1/operations').set(t.auth()).send({ kind: 'failover', tenantId: tenant.id, requestId: 'fo-1', recoveryPoint: { kind: 'latest-common-time' } }).expect(202);
    expect((await e.until(fo.body.operationId, ended)).status).toBe('completed');

    const newSite = `${tenant.name}-dc2`;
    await estate.control.request('POST', `/_sim/tenants/${tenant.name}/primary-site`, { site: newSite });
    const newSiteId = (await t.http.post('/v1/sites').set(t.auth()).send({ name: newSite, kind: 'primary' }).expect(201)).body.id as string;
    const asaBefore = (estateOf(await state()) as ReprotectState).asa;
    // Only the reprotect checks readiness from here on; InMage refuses it.
    await estate.control.fault({ system: 'inmage', op: 'readinessCheck', tenant: tenant.name, status: 422 });

    const fb = await t.http.post('/v1/operations').set(t.auth()).send({
      kind: 'failback', tenantId: tenant.id, requestId: 'fb-1', primarySiteId: newSiteId, vpnPeer: '198.51.100.20',
      maintenanceWindowStart: new Date().toISOString(), statusPollSeconds: 1,
    }).expect(202);
    const op = await e.until(fb.body.operationId as string, ended);
    expect(op.status).toBe('failed');
    const child: OperationBody = await e.get(op.progress.forwardProtection.workflowId as string);
    expect(child.status).toBe('failed');
    const undos = child.steps.filter((s) => String(s.name).startsWith('undo: '));
    expect(undos.map((s) => s.name)).toEqual(expect.arrayContaining(['undo: IPsec tunnel to the new site', 'undo: IPsec tunnel to the lost site']));
    expect(undos.filter((s) => s.status !== 'compensated')).toEqual([]);

    const s = await state();
    expect((estateOf(s) as ReprotectState).asa).toEqual(asaBefore);
    const ofNewSite = (name: string) => name.startsWith(`${tenant.name}-${newSite}`);
    expect(s.clm.serviceOfferingInstances.map((x) => x.hostname).filter(ofNewSite)).toEqual([]);
    expect(s.inmage.controlServers.map((x) => x.name).filter(ofNewSite)).toEqual([]);
    expect(s.inmage.plans.filter((p) => p.sourceSite === newSite)).toEqual([]);
  });
});
