import type { RunningSimulator } from '../../infra/sim/server';
import { SimClient } from './sim-client';

/** The 5,000-VM failover shape: every VM recovered and powered on, with bounded concurrency. */
describe('simulator at benchmark scale', () => {
  let sim: RunningSimulator;
  let c: SimClient;

  beforeAll(async () => {
    ({ sim, client: c } = await SimClient.start({ timeScale: 0 }));
  });
  afterAll(() => sim.close());

  it('seeds 5,000 VMs and serves a recover + power-on of each', async () => {
    const seeded = await c.scenario({ tenants: 50, vmsPerTenant: 97, managementVmsPerTenant: 3, summary: true });
    expect(seeded.status).toBe(201);
    const work: [string, string][] = [];
    for (const t of seeded.body.tenants) for (const name of t.vmNames) work.push([t.id, name]);
    expect(work).toHaveLength(5_000);

    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < work.length) {
        const [tenant, name] = work[next++];
        const rec = await c.call('POST', `/inmage/api/v1/tenants/${tenant}/servers/${name}/recover`, { recoveryPoint: { type: 'latestTag' } });
        expect(rec.status).toBe(202);
        let job = (await c.call('GET', `/inmage/api/v1/jobs/${rec.body.job.id}`)).body;
        expect(job.state).toBe('Completed');
        const on = await c.call('POST', `/compute/api/vcenter/vm/${job.result.vmId}/power/start`);
        expect(on.status).toBe(204);
        job = null;
      }
    };
    await Promise.all(Array.from({ length: 64 }, worker));
    expect(await c.ops({ op: 'inmage.recover', outcome: 'ok' })).toHaveLength(5_000);
    const on = await c.ops({ op: 'compute.powerOn', outcome: 'ok' });
    expect(on).toHaveLength(5_000);
    const last = on[on.length - 1].seq;
    expect(await c.ops({ since: last - 1 })).toHaveLength(1);
  });
});
