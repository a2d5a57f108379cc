import { DrCapacityReservationEntity } from '../../infra/persistence/entities';
import type { TestApp } from '../support/api';
import { DIALECTS } from '../support/databases';
import { ended, startDrEstate, type DrEstate } from '../support/dr-estate';
import { estateDifferences } from '../support/estate-oracle';

interface SimComputeVm { vm: string; name: string; folder: string; site: string; power_state: string; cpu_count: number; memory_size_MiB: number }
interface SimSite { site: string; capacity: { vcpu: number; memoryGb: number } | null; used: { vcpu: number; memoryGb: number } }

/**
 * Two tenants share a DR site whose allocated (configured) capacity holds one of them, though its hardware
 * would hold both: the configured capacity is what Lifeline enforces, across tenants. Of two failovers
 * started at once, one reserves the room and fails over, the other is refused at pre-flight with the
 * numbers; the estate shows the allocation was never exceeded. On both inventory dialects, since the
 * reservation's transaction is what decides the race.
 */
describe.each(DIALECTS)('shared DR capacity across tenants (%s inventory)', (dialect) => {
  let e: DrEstate;
  let t: TestApp;
  let drSiteId: string;
  const need: Record<string, { vcpu: number; memoryMb: number }> = {};

  beforeAll(async () => {
    e = await startDrEstate('dr-capacity', { tenants: 2, vmsPerTenant: 3, managementVmsPerTenant: 1 }, { dialect });
    ({ t } = e);
    drSiteId = (await t.http.get(`/v1/tenants/${e.tenants[0].id}`).set(t.auth()).expect(200)).body.drSiteId;
    for (const tenant of e.tenants) {
      const vms = (await t.http.get(`/v1/tenants/${tenant.id}/vms?limit=1000`).set(t.auth()).expect(200)).body.items as { vcpu: number; memoryMb: number }[];
      need[tenant.name] = { vcpu: vms.reduce((s, v) => s + v.vcpu, 0), memoryMb: vms.reduce((s, v) => s + v.memoryMb, 0) };
    }
  });
  afterAll(async () => e?.close());

  const simState = async () => (await e.estate.control.state()) as { sites: SimSite[]; compute: { vms: SimComputeVm[] } };
  const failover = async (tenantId: string, requestId: string) =>
    (await t.http.post('/v1/operations').set(t.auth()).send({ kind: 'failover', tenantId, requestId, recoveryPoint: { kind: 'latest-common-time' } }).expect(202)).body.operationId as string;

  /**
   * The most vCPU and memory powered on at the DR site at any point, replaying compute's power calls in order
   * (a disaster failover powers nothing on or off at the primary, so each call is about the VM's DR copy).
   */
  async function peakAtDr(): Promise<{ vcpu: number; memoryMb: number }> {
    const vms = new Map((await simState()).compute.vms.filter((v) => v.site === 'dr-1').map((v) => [`${v.folder}|${v.name}`, v]));
    const ops = (await e.estate.control.ops({ system: 'compute' })).filter((o) => o.outcome === 'ok' && (o.op === 'powerOn' || o.op === 'powerOff'));
    let vcpu = 0; let memoryMb = 0; const peak = { vcpu: 0, memoryMb: 0 };
    for (const op of ops.sort((a, b) => a.seq - b.seq)) {
      const vm = vms.get(`${op.tenant}|${op.target}`);
      if (!vm) continue;
      const sign = op.op === 'powerOn' ? 1 : -1;
      vcpu += sign * vm.cpu_count;
      memoryMb += sign * vm.memory_size_MiB;
      peak.vcpu = Math.max(peak.vcpu, vcpu);
      peak.memoryMb = Math.max(peak.memoryMb, memoryMb);
    }
    return peak;
  }

  it('lets one of two concurrent failovers take the allocated room and refuses the other, naming the numbers', async () => {
    const [a, b] = e.tenants;
    const allocated = { vcpu: Math.max(need[a.name].vcpu, need[b.name].vcpu), memoryMb: Math.max(need[a.name].memoryMb, need[b.name].memoryMb) };
    const patched = await t.http.patch(`/v1/sites/${drSiteId}`).set(t.auth()).send({ capacity: allocated }).expect(200);
    expect(patched.body).toMatchObject({ capacity: allocated, capacityEnforced: 'configured', usage: { used: { vcpu: 0, memoryMb: 0 }, free: allocated } });
    // The hardware would hold both: only the configured capacity stands in the way.
    const hardware = (await simState()).sites.find((s) => s.site === 'dr-1')!;
    expect(hardware.capacity!.vcpu).toBeGreaterThanOrEqual(need[a.name].vcpu + need[b.name].vcpu);

    const ids = await Promise.all([failover(a.id, 'race'), failover(b.id, 'race')]);
    const ops = await Promise.all(ids.map((id) => e.until(id, ended)));
    const won = ops.findIndex((o) => o.status === 'completed');
    expect(won).toBeGreaterThanOrEqual(0);
    const lost = 1 - won;
    const [winner, loser] = [e.tenants[won], e.tenants[lost]];
    expect(ops[won].result).toMatchObject({ status: 'failed-over' });
    expect(ops[lost].status).toBe('failed');
    const gb = (mb: number) => Math.ceil(mb / 1024);
    expect(ops[lost].error).toContain(
      `DR site dr-1 lacks capacity: needs ${need[loser.name].vcpu} vCPU / ${gb(need[loser.name].memoryMb)} GB; configured ${allocated.vcpu} vCPU / ${gb(allocated.memoryMb)} GB, `
      + `in use ${need[winner.name].vcpu} vCPU / ${gb(need[winner.name].memoryMb)} GB (${winner.name} ${need[winner.name].vcpu} vCPU`,
    );
    expect((await t.http.get(`/v1/tenants/${loser.id}`).set(t.auth()).expect(200)).body).toMatchObject({ state: 'protected', activeOperationId: null });

    // The estate: the refused tenant never powered on at the DR site, and the allocation was never exceeded.
    const state = await simState();
    expect(state.compute.vms.filter((v) => v.folder === loser.name && v.site === 'dr-1')).toEqual([]);
    const peak = await peakAtDr();
    expect(peak.vcpu).toBeLessThanOrEqual(allocated.vcpu);
    expect(peak.memoryMb).toBeLessThanOrEqual(allocated.memoryMb);
    expect(peak.vcpu).toBe(need[winner.name].vcpu);

    // Nothing stays reserved once the operations end; the winner's VMs count from their records.
    expect(await e.dataSource.getRepository(DrCapacityReservationEntity).count()).toBe(0);
    const site = (await t.http.get(`/v1/sites/${drSiteId}`).set(t.auth()).expect(200)).body;
    expect(site.usage).toEqual({
      used: need[winner.name],
      free: { vcpu: allocated.vcpu - need[winner.name].vcpu, memoryMb: allocated.memoryMb - need[winner.name].memoryMb },
      tenants: [{ tenantId: winner.id, tenant: winner.name, operationId: null, vms: winner.vms, ...need[winner.name] }],
    });
    // Compute's report is shown beside it, not enforced: the hardware as the simulator holds it.
    expect(site.compute).toMatchObject({ down: false, capacity: { vcpu: hardware.capacity!.vcpu, memoryMb: hardware.capacity!.memoryGb * 1024 } });
    expect(site.warnings).toEqual([]);

    for (const tenant of e.tenants) expect({ tenant: tenant.name, differences: await estateDifferences(e.dataSource, e.estate.control, tenant.id) }).toEqual({ tenant: tenant.name, differences: [] });
  });

  it('refuses at pre-flight by the configured capacity while compute has room, and fails over once the provider raises it', async () => {
    // The tenant refused above, still protected at its primary.
    const states = await Promise.all(e.tenants.map(async (x) => ({ x, state: (await t.http.get(`/v1/tenants/${x.id}`).set(t.auth())).body.state as string })));
    const waiting = states.find((s) => s.state === 'protected')!.x;
    const dr = (await simState()).sites.find((s) => s.site === 'dr-1')!;
    expect(dr.capacity!.vcpu - dr.used.vcpu).toBeGreaterThanOrEqual(need[waiting.name].vcpu);

    const refused = await e.until(await failover(waiting.id, 'again'), ended);
    expect(refused.status).toBe('failed');
    expect(refused.error).toMatch(/^pre-flight refused the failover, nothing was started: DR site dr-1 lacks capacity: needs \d+ vCPU/);
    const preflight = refused.steps.find((s: { name: string }) => s.name.startsWith('pre-flight'));
    expect(preflight.detail.capacity).toMatchObject({ fits: false, reserved: false, neededVcpu: need[waiting.name].vcpu });
    expect((await simState()).compute.vms.filter((v) => v.folder === waiting.name && v.site === 'dr-1')).toEqual([]);

    const site = (await t.http.get(`/v1/sites/${drSiteId}`).set(t.auth()).expect(200)).body;
    const raised = { vcpu: site.capacity.vcpu + need[waiting.name].vcpu, memoryMb: site.capacity.memoryMb + need[waiting.name].memoryMb };
    await t.http.patch(`/v1/sites/${drSiteId}`).set(t.auth()).send({ capacity: raised }).expect(200);
    const done = await e.until(await failover(waiting.id, 'raised'), ended);
    expect(done.result).toMatchObject({ status: 'failed-over' });
    const peak = await peakAtDr();
    expect(peak.vcpu).toBeLessThanOrEqual(raised.vcpu);
    expect(peak.memoryMb).toBeLessThanOrEqual(raised.memoryMb);
    expect((await t.http.get(`/v1/sites/${drSiteId}`).set(t.auth()).expect(200)).body.usage.free).toEqual({ vcpu: 0, memoryMb: 0 });
    for (const tenant of e.tenants) expect({ tenant: tenant.name, differences: await estateDifferences(e.dataSource, e.estate.control, tenant.id) }).toEqual({ tenant: tenant.name, differences: [] });
  });
});
