import type { DemoTenant } from '../../infra/demo/demo-estate';
import { RecoveryPlanGroupEntity } from '../../infra/persistence/entities';
import type { TestApp } from '../support/api';
import { ended, startDrEstate, type DrEstate, type OperationBody } from '../support/dr-estate';

interface SimTicket { id: string; tenant: string; summary: string; severity: number; status: string; correlationId?: string; resolution?: string }

/**
 * Every notification an operation opens is updated and closed by its end, whatever the end: refused by
 * pre-flight, aborted by an operator, or completed. The witness is the ticketing system's own state.
 */
describe('operation tickets are closed by the end of the operation', () => {
  let e: DrEstate;
  let t: TestApp;
  let tenants: DemoTenant[];

  beforeAll(async () => {
    e = await startDrEstate('operation-tickets', { tenants: 2, vmsPerTenant: 4, managementVmsPerTenant: 1, waveConcurrency: 2 });
    ({ t, tenants } = e);
  });
  afterAll(async () => e?.close());

  const tickets = async (tenant: DemoTenant) => ((await e.estate.control.state(tenant.name)) as { mgmt: { tickets: SimTicket[] } }).mgmt.tickets;
  const start = async (body: Record<string, unknown>) => (await t.http.post('/v1/operations').set(t.auth()).send(body).expect(202)).body.operationId as string;
  const command = (id: string, path: string) => t.http.post(`/v1/operations/${encodeURIComponent(id)}/${path}`).set(t.auth()).send({});
  const waiting = (what: RegExp) => (op: OperationBody) => (op.status === 'waiting' && what.test(String(op.waitingFor))) || ended(op);

  it('a failover refused by pre-flight leaves its "DR beginning" ticket closed with the refusal', async () => {
    const tenant = tenants[0];
    // No VM holds a point from 2001: pre-flight refuses after the beginning was announced.
    const id = await start({ kind: 'failover', tenantId: tenant.id, requestId: 'refused', recoveryPoint: { kind: 'time', at: '2001-01-01T00:00:00Z' } });
    const op = await e.until(id, ended);
    expect(op.status).toBe('failed');
    expect(op.error).toMatch(/pre-flight refused/);
    const mine = (await tickets(tenant)).filter((x) => x.correlationId === id);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ status: 'closed', severity: 1 });
    expect(mine[0].summary).toMatch(/^DR beginning/);
    expect(mine[0].resolution).toMatch(/pre-flight refused/);
    expect((await tickets(tenant)).filter((x) => x.status !== 'closed')).toEqual([]);
  });

  it('an aborted failover, and an aborted failback, leave no ticket open', async () => {
    const tenant = tenants[1];
    const preview = (await t.http.get(`/v1/recovery-plans/${tenant.planId}/preview`).set(t.auth()).expect(200)).body.schedule as { stages: { group: string }[] };
    const lastWave = preview.stages[preview.stages.length - 1].group;
    await e.dataSource.manager.update(RecoveryPlanGroupEntity, { planId: tenant.planId, name: lastWave }, { approvalRequired: true });
    const aborted = await start({ kind: 'failover', tenantId: tenant.id, requestId: 'aborted' });
    await e.until(aborted, waiting(new RegExp(`approval before wave ${lastWave}`)));
    await command(aborted, 'abort').expect(200);
    expect((await e.until(aborted, ended)).status).toBe('cancelled');
    const abortedTickets = (await tickets(tenant)).filter((x) => x.correlationId === aborted);
    expect(abortedTickets.map((x) => x.status)).toEqual(['closed']);
    expect(abortedTickets[0].resolution).toMatch(/^DR aborted/);

    // The VMs recovered before the abort come back; that failback is aborted at its maintenance window.
    const fb = await start({ kind: 'failback', tenantId: tenant.id, requestId: 'fb-aborted', statusPollSeconds: 1 });
    await e.until(fb, waiting(/approval of the maintenance window/));
    await command(fb, 'abort').expect(200);
    expect((await e.until(fb, ended)).status).not.toBe('completed');
    const fbTickets = (await tickets(tenant)).filter((x) => x.correlationId === fb);
    expect(fbTickets.map((x) => x.status)).toEqual(['closed']);
    expect(fbTickets[0].resolution).toMatch(/before the DR VMs stopped/);
    expect((await tickets(tenant)).filter((x) => x.status !== 'closed')).toEqual([]);
  });

  it('a completed failover opens one ticket and closes it with the outcome', async () => {
    const tenant = tenants[0];
    const id = await start({ kind: 'failover', tenantId: tenant.id, requestId: 'completed' });
    const op = await e.until(id, ended);
    expect(op.status).toBe('completed');
    const mine = (await tickets(tenant)).filter((x) => x.correlationId === id);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ status: 'closed', severity: 3 });
    expect(mine[0].resolution).toMatch(/^DR complete for .*: \d+ VMs recovered, 0 failed/);
    expect((await tickets(tenant)).filter((x) => x.status !== 'closed')).toEqual([]);
  });
});
