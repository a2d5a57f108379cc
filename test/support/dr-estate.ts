import type { AddressInfo } from 'node:net';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { ActivityDeps } from '../../activities';
import { seedDemoEstate, type DemoOptions, type DemoTenant } from '../../infra/demo/demo-estate';
import type { EstateClients } from '../../infra/clients';
import type { LifelineConfig } from '../../infra/config';
import type { Dialect } from '../../infra/persistence/data-source';
import { TenantEntity } from '../../infra/persistence/entities';
import { startEstate, type CallTimeouts, type Estate } from '../clients/estate-fixture';
import { ADMIN_TOKEN, startTestApp, type TestApp } from './api';
import { startTestWorker, type TestWorker } from './worker';

/** An operation as `GET /v1/operations/{id}` answers it (the fields the tests read). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type OperationBody = { status: string; outcome: string | null; phase: string; waitingFor: string | null; error: string | null; result: any; progress: any; steps: any[] };

/**
 * A DR provider's estate for workflow tests: the simulator, the API on its own inventory (SQLite unless the
 * suite asks for MariaDB, so the activities' transactions run on both), a worker on
 * the suite's task queue, and the demo tenants entered through the API, already protected (as after an
 * onboarding, which has tests of its own).
 */
export interface DrEstate {
  estate: Estate;
  t: TestApp;
  tw: TestWorker;
  tenants: DemoTenant[];
  dataSource: DataSource;
  apiUrl: string;
  get(operationId: string): Promise<OperationBody>;
  /** Polls the operation until `done` holds (or fails the test with where it stood after `limitMs`, 3 minutes by default). */
  until(operationId: string, done: (op: OperationBody) => boolean, limitMs?: number): Promise<OperationBody>;
  close(): Promise<void>;
}

/** The parts of `GET /_sim/state` the failback and resume suites read. */
export interface SimVm { name: string; site: string; origin: string; power_state: string; hostname: string; nics: { ip_address: string }[] }
export interface SimState {
  compute: { vms: SimVm[] };
  bna: { pools: { purpose?: string; reservations: unknown[] }[] };
  inmage: { plans: { direction: string }[]; pairs: { direction: string; state: string; server: string }[]; controlServers: { name: string }[]; drillSnapshots: unknown[] };
}

export const ended = (op: OperationBody) => ['completed', 'failed', 'cancelled'].includes(op.status);

/** A VM's protection record as the inventory answers it (`GET /v1/tenants/{id}/vms`). */
export interface VmRecord { name: string; replicationState: string; rpoLagSeconds: number | null; masterTarget: string | null; dr: { hostname: string | null; ips: string[] } | null }

export async function protectionRecords(t: TestApp, tenantId: string): Promise<VmRecord[]> {
  return (await t.http.get(`/v1/tenants/${tenantId}/vms?limit=1000`).set(t.auth()).expect(200)).body.items;
}

/** Forward protection recorded for every VM: Differential Sync on one of InMage's master targets, no DR data address. */
export function expectForwardProtectionRecorded(records: VmRecord[], masterTargets: string[], drDataIps: string[]): void {
  for (const vm of records) {
    expect({ vm: vm.name, state: vm.replicationState }).toEqual({ vm: vm.name, state: 'differential-sync' });
    expect(masterTargets).toContain(vm.masterTarget);
    expect((vm.dr?.ips ?? []).filter((ip) => drDataIps.includes(ip))).toEqual([]);
  }
}

export async function startDrEstate(
  name: string,
  demo: Omit<DemoOptions, 'apiUrl' | 'adminToken' | 'simUrl'>,
  opts: {
    timeScale?: number; onboard?: boolean; callTimeouts?: CallTimeouts; dialect?: Dialect; prepare?: (t: TestApp, tenants: DemoTenant[]) => Promise<void>;
    /** The API's configuration beyond the suite's task queue (e.g. declaration webhook secrets). */
    app?: Partial<LifelineConfig>;
    /** The worker's clients, from the simulator's (e.g. with DNS and the directory on real servers). */
    clients?: (sim: EstateClients) => EstateClients;
    /** The worker's protection watch pace (short in tests). */
    protectionWatch?: ActivityDeps['protectionWatch'];
  } = {},
): Promise<DrEstate> {
  const taskQueue = `${name}-${Math.random().toString(36).slice(2, 8)}`;
  const estate = await startEstate({ timeScale: opts.timeScale ?? 0.0005 }, opts.callTimeouts);
  const t = await startTestApp(opts.dialect ?? 'sqlite', { ...opts.app, temporalTaskQueue: taskQueue });
  await t.app.listen(0, '127.0.0.1');
  const apiUrl = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
  const dataSource = t.app.get<DataSource>(getDataSourceToken());
  const tw = await startTestWorker(
    { dataSource, clients: opts.clients ? opts.clients(estate.clients) : estate.clients, estateEndpoints: [], ...(opts.protectionWatch ? { protectionWatch: opts.protectionWatch } : {}) },
    name,
    { taskQueue },
  );
  const tenants = await seedDemoEstate({ apiUrl, adminToken: ADMIN_TOKEN, simUrl: estate.sim.url, alreadyProtected: !opts.onboard, ...demo });
  const get = async (id: string): Promise<OperationBody> => (await t.http.get(`/v1/operations/${encodeURIComponent(id)}`).set(t.auth())).body;
  const until = async (id: string, done: (op: OperationBody) => boolean, limitMs = 180_000): Promise<OperationBody> => {
    for (let i = 0; i < limitMs / 200; i++) {
      const op = await get(id);
      if (done(op)) return op;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`operation ${id} never got there: ${JSON.stringify(await get(id)).slice(0, 2000)}`);
  };
  await opts.prepare?.(t, tenants);
  for (const tenant of tenants) {
    if (!opts.onboard) {
      await dataSource.manager.update(TenantEntity, { id: tenant.id }, { state: 'protected' });
      continue;
    }
    // Onboarded for real, so the inventory holds the DR container and control plane a later step keeps.
    const id = (await t.http.post('/v1/operations').set(t.auth()).send({ kind: 'onboarding', tenantId: tenant.id, statusPollSeconds: 1 }).expect(202)).body.operationId as string;
    const awaitsApproval = (o: OperationBody) => String(o.waitingFor ?? '').includes('approval');
    let op = await until(id, (o) => ended(o) || awaitsApproval(o));
    if (awaitsApproval(op)) {
      await t.http.post(`/v1/operations/${encodeURIComponent(id)}/approve`).set(t.auth()).send({}).expect(200);
      op = await until(id, ended);
    }
    if (op.status !== 'completed') throw new Error(`onboarding of ${tenant.name} ended ${op.status}: ${op.error}`);
  }

  return {
    estate, t, tw, tenants, dataSource, apiUrl, get, until,
    async close() {
      await tw.stop();
      await t.close();
      await estate.close();
    },
  };
}
