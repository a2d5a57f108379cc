import type { DemoTenant } from '../../infra/demo/demo-estate';
import { ProtectedVmEntity, TenantEntity } from '../../infra/persistence/entities';
import { startProtectionWatches } from '../../infra/temporal/protection-watches';
import { protectionWatchQuery, workflowIds } from '../../workflows/contracts';
import { recordHistory } from '../support/histories';
import { startDrEstate, type DrEstate } from '../support/dr-estate';

interface SimTicket { id: string; tenant: string; summary: string; severity: number; server?: string; status: string; correlationId?: string; resolution?: string }
interface Breach { id: string; vm: string; kind: string; clearedAt: string | null; ticket: string | null; peakLagSeconds: number | null; resolution: string | null }
interface Protection {
  watch: string;
  rpoSeconds: number;
  sampledAt: string | null;
  worst: { vm: string; lagSeconds: number } | null;
  vms: { vm: string; state: string; lagSeconds: number | null; overRpo: boolean }[];
  readiness: Record<string, unknown> | null;
  openBreaches: Breach[];
  history: { samples: { at: string }[]; breaches: Breach[] };
}

/**
 * The protection watch on the real Temporal server and the simulator: a VM whose replication the simulator
 * freezes breaches the tenant's RPO after the grace period, which opens exactly one ticket (in the ticketing
 * system's own state and in the simulator's log of side effects), shown by the API and the metrics, and closed
 * when the lag recovers. The worker's watch continues as new every few samples (a low history limit), so each
 * breach outlives a run of its watch.
 */
describe('protection watch', () => {
  let e: DrEstate;
  let tenant: DemoTenant;
  const watchId = () => workflowIds.protectionWatch(tenant.id);

  beforeAll(async () => {
    e = await startDrEstate('protection-watch', { tenants: 1, vmsPerTenant: 3, managementVmsPerTenant: 1 }, {
      protectionWatch: { sampleSeconds: 0.3, graceSeconds: 2, historySamples: 25, historySoftLimit: 60 },
    });
    [tenant] = e.tenants;
    // As onboarding records them: every VM in Differential Sync.
    await e.dataSource.manager.update(ProtectedVmEntity, { tenantId: tenant.id }, { replicationState: 'differential-sync' });
    await startProtectionWatches(e.tw.client, e.dataSource, e.tw.taskQueue);
  });
  afterAll(async () => e?.close());

  const protection = async (): Promise<Protection> => (await e.t.http.get(`/v1/tenants/${tenant.id}/protection`).set(e.t.auth()).expect(200)).body;
  const tickets = async (): Promise<SimTicket[]> =>
    ((await e.estate.control.state(tenant.name)) as { mgmt: { tickets: SimTicket[] } }).mgmt.tickets.filter((x) => x.correlationId?.startsWith('breach:'));
  const createdTickets = async () => (await e.estate.control.ops({ system: 'ticketing', op: 'createTicket', tenant: tenant.name })).filter((o) => o.outcome === 'ok');
  const replication = async (vm: string, action: 'freeze' | 'resync' | 'resume', body: Record<string, unknown> = {}) => {
    const res = await fetch(`${e.estate.sim.url}/_sim/tenants/${tenant.name}/vms/${vm}/replication/${action}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
  };
  const metric = async (name: string, labels: string): Promise<number | null> => {
    const text = (await e.t.http.get('/metrics').set(e.t.auth()).expect(200)).text;
    const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
    return line ? Number(line.split(' ').pop()) : null;
  };
  const watchRuns = async () => (await e.tw.client.workflow.getHandle(watchId()).query(protectionWatchQuery)).runs;
  const until = async <T>(what: string, read: () => Promise<T>, done: (v: T) => boolean, limitMs = 60_000): Promise<T> => {
    const deadline = Date.now() + limitMs;
    for (;;) {
      const v = await read();
      if (done(v)) return v;
      if (Date.now() > deadline) throw new Error(`${what} never happened: ${JSON.stringify(v).slice(0, 1500)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  it('samples every VM: lag within the RPO, no breach, readiness read', async () => {
    const p = await until('a sample', protection, (x) => x.sampledAt !== null);
    expect(p.watch).toBe('running');
    expect(p.rpoSeconds).toBe(15 * 60);
    expect(p.vms).toHaveLength(tenant.vms);
    for (const v of p.vms) expect({ vm: v.vm, state: v.state, overRpo: v.overRpo }).toEqual({ vm: v.vm, state: 'Differential Sync', overRpo: false });
    expect(p.worst?.lagSeconds).toBe(Math.max(...p.vms.map((v) => v.lagSeconds as number)));
    expect(p.readiness).toMatchObject({ agentsMissing: [], noRetentionWindow: [] });
    expect(p.openBreaches).toEqual([]);
    expect(await tickets()).toEqual([]);
    // Starting the watches again (another worker starting) finds this one running.
    const first = await e.tw.client.workflow.getHandle(watchId()).describe();
    await startProtectionWatches(e.tw.client, e.dataSource, e.tw.taskQueue);
    expect((await e.tw.client.workflow.getHandle(watchId()).describe()).runId).toBe(first.runId);
  });

  it('a frozen pair opens one breach ticket after the grace period, kept across runs of the watch, and closes it when the lag recovers', async () => {
    const vm = (await protection()).vms[1].vm;
    await replication(vm, 'freeze', { sinceSeconds: 1000 });
    const frozenAt = Date.now();

    const breached = await until('a breach', protection, (p) => p.openBreaches.length > 0);
    expect(Date.now() - frozenAt).toBeGreaterThanOrEqual(2000);
    expect(breached.openBreaches).toHaveLength(1);
    expect(breached.openBreaches[0]).toMatchObject({ vm, kind: 'rpo-lag', clearedAt: null });
    expect(breached.worst?.vm).toBe(vm);
    expect(breached.vms.find((v) => v.vm === vm)).toMatchObject({ overRpo: true });

    // Many samples and at least one continue-as-new later, still one ticket for the breach.
    const runs = await watchRuns();
    await until('the watch continuing as new', watchRuns, (r) => r >= runs + 1);
    const open = await tickets();
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ server: vm, status: 'open', correlationId: breached.openBreaches[0].id });
    expect(open[0].summary).toMatch(new RegExp(`RPO breach for ${tenant.name}: ${vm} lag \\d+ s over the RPO of 900 s`));
    expect(await createdTickets()).toHaveLength(1);

    const lag = await metric('lifeline_rpo_lag_seconds', `tenant="${tenant.name}",vm="${vm}"`);
    expect(lag).toBeGreaterThan(900);
    expect(await metric('lifeline_rpo_breaches_open', `tenant="${tenant.name}"`)).toBe(1);

    await replication(vm, 'resume');
    const recovered = await until('the breach clearing', protection, (p) => p.openBreaches.length === 0);
    expect(recovered.vms.find((v) => v.vm === vm)).toMatchObject({ overRpo: false });
    const closed = await until('the ticket closing', tickets, (t) => t.every((x) => x.status === 'closed'));
    expect(closed).toHaveLength(1);
    expect(closed[0].resolution).toBe(`${vm} back within the RPO of 900 s`);
    expect(recovered.history.breaches[0]).toMatchObject({ id: breached.openBreaches[0].id, ticket: closed[0].id });
    expect(recovered.history.breaches[0].clearedAt).not.toBeNull();
    expect(await createdTickets()).toHaveLength(1);
    expect(await metric('lifeline_rpo_breaches_open', `tenant="${tenant.name}"`)).toBe(0);
    // The history is the inventory's, bounded by the configured number of samples, whatever the runs.
    expect(recovered.history.samples.length).toBeLessThanOrEqual(25);
    expect(recovered.history.samples.length).toBeGreaterThan(5);
  });

  it('a pair leaving Differential Sync opens a breach at once, closed when it is back in sync', async () => {
    const vm = (await protection()).vms[2].vm;
    const before = (await createdTickets()).length;
    await replication(vm, 'resync');
    const breached = await until('a pair-state breach', protection, (p) => p.openBreaches.some((b) => b.kind === 'pair-state'));
    expect(breached.openBreaches).toEqual([expect.objectContaining({ vm, kind: 'pair-state' })]);
    expect(breached.vms.find((v) => v.vm === vm)?.state).toBe('Resyncing (Step I)');
    await until('its ticket', tickets, (t) => t.some((x) => x.correlationId === breached.openBreaches[0].id));

    await replication(vm, 'resume');
    await until('the breach clearing', protection, (p) => p.openBreaches.length === 0);
    const mine = (await tickets()).filter((x) => x.correlationId === breached.openBreaches[0].id);
    expect(mine).toEqual([expect.objectContaining({ status: 'closed', resolution: `${vm} back in Differential Sync` })]);
    expect(await createdTickets()).toHaveLength(before + 1);
  });

  it('ends when the tenant leaves protected, closing the breaches still open', async () => {
    const vm = (await protection()).vms[0].vm;
    await replication(vm, 'freeze', { sinceSeconds: 1000 });
    const breached = await until('a breach', protection, (p) => p.openBreaches.length > 0);
    await e.dataSource.manager.update(TenantEntity, { id: tenant.id }, { state: 'failing-over' });
    const handle = e.tw.client.workflow.getHandle(watchId());
    const result = await handle.result();
    expect(result).toMatchObject({ stoppedAt: 'failing-over', closedAtStop: [breached.openBreaches[0].id] });
    expect((await tickets()).filter((x) => x.status !== 'closed')).toEqual([]);
    const p = await protection();
    expect(p.watch).toBe('stopped');
    expect(p.openBreaches).toEqual([]);
    expect(await metric('lifeline_rpo_breaches_open', `tenant="${tenant.name}"`)).toBeNull();
    await recordHistory(handle, 'protection-watch-stop');
  });
});
