import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { seedDemoEstate, type DemoTenant } from '../../infra/demo/demo-estate';
import { TenantEntity } from '../../infra/persistence/entities';
import { freePort, startDevServer, type DevServer } from '../../infra/temporal/dev-server';
import { startEstate, type Estate } from '../clients/estate-fixture';
import { spawnWorkerProcess } from '../support/worker-spawn';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../support/api';
import { effectsNotOnce, estateEffects } from '../support/estate-effects';


/**
 * A worker killed (SIGKILL) in the middle of a failover and the Temporal server restarted in the middle, with
 * the simulator's idempotency store off as on the real systems: the failover completes, and the estate shows
 * each effect once. This suite runs its own Temporal server (the shared one must not restart under the other
 * suites).
 */
describe('failover survives a killed worker and a restarted Temporal server', () => {
  let estate: Estate;
  let t: TestApp;
  let temporal: DevServer;
  let tenant: DemoTenant;
  let dataDir: string;
  let port: number;
  const workers: ChildProcess[] = [];
  const taskQueue = `durability-${Math.random().toString(36).slice(2, 8)}`;

  async function startWorker(): Promise<ChildProcess> {
    const child = await spawnWorkerProcess({ TEMPORAL_ADDRESS: temporal.address, LIFELINE_TASK_QUEUE: taskQueue, SIM_URL: estate.sim.url, DATA_DIR: t.db.config.dataDir, MYSQL_URL: '' });
    workers.push(child);
    return child;
  }


  beforeAll(async () => {
    port = await freePort();
    const temporalDir = mkdtempSync(path.join(tmpdir(), 'lifeline-durability-'));
    temporal = await startDevServer({ dataDir: temporalDir, port });
    estate = await startEstate({ timeScale: 0.003, idempotency: 'none' });
    t = await startTestApp('sqlite', { temporalTaskQueue: taskQueue, temporalAddress: temporal.address });
    await t.app.listen(0, '127.0.0.1');
    dataDir = temporalDir;
    const apiUrl = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    [tenant] = await seedDemoEstate({ apiUrl, adminToken: ADMIN_TOKEN, simUrl: estate.sim.url, tenants: 1, vmsPerTenant: 12, managementVmsPerTenant: 3, alreadyProtected: true, waveConcurrency: 2 });
    await t.app.get<DataSource>(getDataSourceToken()).manager.update(TenantEntity, { id: tenant.id }, { state: 'protected' });
  });

  afterAll(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await t?.close();
    await estate?.close();
    await temporal?.stop();
  });

  const get = async (id: string) => (await t.http.get(`/v1/operations/${encodeURIComponent(id)}`).set(t.auth())).body;

  it('completes with each effect once on the estate, with idempotency keys ignored', async () => {
    const vms: string[] = (await t.http.get(`/v1/tenants/${tenant.id}/vms?limit=1000`).set(t.auth()).expect(200)).body.items.map((v: { name: string }) => v.name);
    expect(vms).toEqual(expect.arrayContaining(['nw-db-2', 'nw-app-1', 'nw-app-2', 'nw-web-1']));
    // Calls that take effect and lose their answer, so the activity must find out what happened: a recovery,
    // a re-IP, a power-on, an address reservation and the operation's ticket.
    const lost = [
      { system: 'inmage', op: 'recover', target: 'nw-db-2' },
      { system: 'compute', op: 'reconfigureNetwork', target: 'nw-app-1' },
      { system: 'compute', op: 'powerOn', target: 'nw-app-2' },
      { system: 'bna', op: 'reserveIp', target: 'nw-web-1' },
      { system: 'ticketing', op: 'createTicket' },
    ];
    for (const rule of lost) await estate.control.fault({ ...rule, tenant: tenant.name, lostResponse: true, status: 503, times: 1 });

    let worker = await startWorker();
    const { operationId } = (await t.http.post('/v1/operations').set(t.auth()).send({ kind: 'failover', tenantId: tenant.id }).expect(202)).body;

    // Kill the worker once VMs are being recovered.
    for (let i = 0; i < 300 && (await estate.control.ops({ tenant: tenant.name, system: 'inmage', op: 'recover' })).length < 2; i++) await new Promise((r) => setTimeout(r, 100));
    worker.kill('SIGKILL');
    const recoversAtKill = (await estate.control.ops({ tenant: tenant.name, system: 'inmage', op: 'recover' })).length;
    expect(recoversAtKill).toBeGreaterThanOrEqual(2);
    worker = await startWorker();

    // Then restart the Temporal server in the middle of the next waves.
    for (let i = 0; i < 300 && (await estate.control.ops({ tenant: tenant.name, system: 'inmage', op: 'recover' })).length < recoversAtKill + 3; i++) await new Promise((r) => setTimeout(r, 100));
    await temporal.stop();
    temporal = await startDevServer({ dataDir, port });

    let op = await get(operationId);
    for (let i = 0; i < 900 && !['completed', 'failed', 'cancelled'].includes(op.status); i++) {
      await new Promise((r) => setTimeout(r, 200));
      op = await get(operationId);
    }
    expect(op.error ?? null).toBeNull();
    expect(op.status).toBe('completed');
    expect(op.result).toMatchObject({ status: 'failed-over', recovered: 15 });

    // Every lost answer was lost (the rules fire once, then go).
    expect((await estate.control.request<{ faults: unknown[] }>('GET', '/_sim/faults')).body.faults).toEqual([]);
    // Counted on the estate (the simulator ignored idempotency keys throughout): per VM one DR VM, one
    // recovery and one power-on that took effect, no address reserved twice or for nobody, one ticket.
    expect(vms).toHaveLength(15);
    expect(effectsNotOnce(await estateEffects(estate.control, tenant.name), { vms, drVms: 1, powerOns: 1, owners: vms })).toEqual([]);
    const recoveries = (await estate.control.ops({ tenant: tenant.name, op: 'inmage.recover', outcome: 'ok' })).map((e) => e.target);
    expect([...recoveries].sort()).toEqual([...vms].sort());
  });
});
