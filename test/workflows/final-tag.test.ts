import type { DemoTenant } from '../../infra/demo/demo-estate';
import type { FailbackResult, FailoverResult } from '../../workflows/contracts';
import { ended, startDrEstate, type DrEstate } from '../support/dr-estate';

interface InmageState {
  jobs: { type: string; server: string | null; state: string; createdAt: number; result: { recoveryPoint?: { type: string; tag: string | null; time: string } } | null }[];
  servers: { name: string; userTags: { name: string; time: number }[] }[];
}

/**
 * No data loss where none is promised: a planned migration and a failback each quiesce, issue a final tag,
 * wait until every pair has replicated it, and recover every VM to it. The witness is InMage's own records:
 * the tags it holds per VM and the point each recovery job used.
 */
describe('planned migration and failback recover every VM to its own final tag', () => {
  let e: DrEstate;
  let tenant: DemoTenant;

  beforeAll(async () => {
    e = await startDrEstate('final-tag', { tenants: 1, vmsPerTenant: 4, managementVmsPerTenant: 2, waveConcurrency: 2 });
    [tenant] = e.tenants;
  });
  afterAll(async () => e?.close());

  const inmage = async () => ((await e.estate.control.state(tenant.name)) as { inmage: InmageState }).inmage;
  const start = async (body: Record<string, unknown>) => (await e.t.http.post('/v1/operations').set(e.t.auth()).send(body).expect(202)).body.operationId as string;

  /** Per VM, InMage's latest recovery job since `since`, and the user tag it names, as InMage holds it. */
  const recoveries = async (since: number) => {
    const im = await inmage();
    const out = new Map<string, { point: { type: string; tag: string | null; time: string }; tag: { name: string; time: number } | undefined; latestTag: { name: string; time: number } }>();
    for (const job of im.jobs.filter((j) => j.type === 'recover' && j.state === 'Completed' && j.createdAt >= since)) {
      const server = im.servers.find((s) => s.name === job.server)!;
      const point = job.result!.recoveryPoint!;
      const latestTag = [...server.userTags].sort((a, b) => b.time - a.time)[0];
      out.set(job.server!, { point, tag: server.userTags.find((t) => t.name === point.tag), latestTag });
    }
    return out;
  };
  const simNow = async () => Date.parse(((await e.estate.control.state(tenant.name)) as { now: string }).now);

  it('a planned migration recovers each VM to its final tag, reported with zero data loss', async () => {
    const since = await simNow();
    const id = await start({ kind: 'failover', tenantId: tenant.id, mode: 'planned' });
    const op = await e.until(id, ended);
    expect(op.error ?? null).toBeNull();
    const result = op.result as FailoverResult;
    expect(result.status).toBe('failed-over');

    const jobs = await recoveries(since);
    expect(jobs.size).toBe(6);
    for (const [vm, r] of jobs) {
      // The tag InMage recovered to is the VM's final tag (its newest), at the very time InMage holds it.
      expect({ vm, type: r.point.type, tag: r.point.tag }).toEqual({ vm, type: 'tag', tag: r.latestTag.name });
      expect(r.latestTag.name).toMatch(/^planned-failover-/);
      expect(Date.parse(r.point.time)).toBe(r.latestTag.time);
      expect(result.recoveryPoints?.[vm]).toEqual({ kind: 'tag', tag: r.latestTag.name, at: new Date(r.latestTag.time).toISOString(), dataLossSeconds: 0 });
    }
    expect(result.dataLossSeconds).toBe(0);
  });

  it('a failback recovers each VM at the primary to its final tag, reported with zero data loss', async () => {
    const since = await simNow();
    const id = await start({ kind: 'failback', tenantId: tenant.id, statusPollSeconds: 1 });
    await e.until(id, (op) => String(op.waitingFor).includes('maintenance window') || ended(op));
    await e.t.http.post(`/v1/operations/${encodeURIComponent(id)}/approve`).set(e.t.auth()).send({}).expect(200);
    const op = await e.until(id, ended);
    expect(op.error ?? null).toBeNull();
    const result = op.result as FailbackResult;
    expect(result.status).toBe('failed-back');

    const jobs = await recoveries(since);
    expect(jobs.size).toBe(6);
    for (const [vm, r] of jobs) {
      expect({ vm, type: r.point.type, tag: r.point.tag }).toEqual({ vm, type: 'tag', tag: r.latestTag.name });
      expect(r.latestTag.name).toMatch(/^failback-/);
      expect(Date.parse(r.point.time)).toBe(r.latestTag.time);
      expect(result.recoveryPoints?.[vm]).toEqual({ kind: 'tag', tag: r.latestTag.name, at: new Date(r.latestTag.time).toISOString(), dataLossSeconds: 0 });
    }
    expect(result.dataLossSeconds).toBe(0);
  });
});
