import 'reflect-metadata';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import pino from 'pino';
import { createApp } from '../api/app';
import { newTokenSecret } from '../api/auth/token-secret';
import { buildActivityDeps } from './activity-deps';
import { loadConfig } from './config';
import { createDataSource } from './persistence/data-source';
import { ensureTemporal } from './temporal/ensure-temporal';
import { freePort } from './temporal/dev-server';
import { watchProtectedTenants } from './temporal/protection-watches';
import { createLifelineWorker } from './temporal/worker';
import { Runtime } from '@temporalio/worker';
import { seedDemoEstate, type DemoTenant } from './demo/demo-estate';
import { startSimulator } from './sim/server';

/**
 * `npm start`: the whole stack on embedded defaults in one process tree: Temporal (the embedded dev server
 * unless TEMPORAL_ADDRESS is set), the simulated provider estate (unless SIM_URL points at one), the worker,
 * and the API on SQLite (or MySQL with MYSQL_URL); an empty inventory gets the demo scenario.
 * Ctrl-C stops everything in reverse order.
 */
async function main(): Promise<void> {
  const base = loadConfig();
  // This process stops the worker itself, in order, so the SDK must not react to signals on its own.
  Runtime.install({ shutdownSignals: [] });
  const log = pino({ level: base.logLevel, name: 'lifeline' });
  const dataDir = path.resolve(base.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const adminToken = base.adminToken ?? persistentAdminToken(dataDir);

  const temporal = await ensureTemporal({
    address: process.env.TEMPORAL_ADDRESS,
    namespace: base.temporalNamespace,
    dataDir: path.join(dataDir, 'temporal'),
    port: (await portIsFree(7233)) ? 7233 : await freePort(),
    uiPort: (await portIsFree(8233)) ? 8233 : await freePort(),
  });
  const sim = base.simUrl
    ? undefined
    : await startSimulator({ port: (await portIsFree(8480)) ? 8480 : 0, timeScale: base.simTimeScale });
  const config = { ...base, temporalAddress: temporal.address, adminToken, simUrl: base.simUrl ?? sim?.url };

  const app = await createApp(config, { shutdownHooks: false });
  const dataSource = await createDataSource(config, { migrationsRun: false });
  await dataSource.initialize();
  const deps = buildActivityDeps(config, dataSource);
  const { worker, connection } = await createLifelineWorker({
    address: temporal.address,
    namespace: config.temporalNamespace,
    taskQueue: config.temporalTaskQueue,
    deps,
  });
  const workerRun = worker.run();
  await watchProtectedTenants({ address: temporal.address, namespace: config.temporalNamespace, taskQueue: config.temporalTaskQueue, dataSource });
  await app.listen(config.port, config.host);

  const api = `http://${config.host}:${config.port}`;
  let demo: DemoTenant[] = [];
  if (config.demo && config.simUrl && (await dataSource.query('SELECT COUNT(*) AS n FROM tenants'))[0].n == 0) {
    demo = await seedDemoEstate({ apiUrl: api, adminToken, simUrl: config.simUrl, tenants: 3, vmsPerTenant: 12, managementVmsPerTenant: 3 });
  }
  console.log(
    [
      '',
      'Lifeline is running.',
      `  API            ${api}/v1`,
      `  OpenAPI        ${api}/docs`,
      `  Health         ${api}/health`,
      `  Temporal       ${temporal.address}${temporal.embedded?.uiUrl ? `   UI ${temporal.embedded.uiUrl}` : ''}`,
      `  Inventory      ${config.mysqlUrl ? 'MySQL' : `SQLite ${path.join(dataDir, 'lifeline.sqlite')}`}`,
      `  Estate         ${config.simUrl}${sim ? ` (simulated, time scale ${config.simTimeScale})` : ''}`,
      ...(demo.length ? ['', `  Demo tenants   ${demo.map((t) => `${t.name} (${t.vms} VMs)`).join(', ')}`] : []),
      `  Admin token    ${adminToken}`,
      '',
      `  curl -H "Authorization: Bearer ${adminToken}" ${api}/v1/tenants`,
      '',
      'Ctrl-C stops everything.',
    ].join('\n'),
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    await app.close();
    worker.shutdown();
    await workerRun;
    await connection.close();
    await deps.clients.close();
    await dataSource.destroy();
    await sim?.close();
    await temporal.embedded?.stop();
    log.info('stopped');
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

/** The embedded stack keeps its bootstrap admin token across restarts, readable only by its owner. */
function persistentAdminToken(dataDir: string): string {
  const file = path.join(dataDir, 'admin-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const token = newTokenSecret();
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

async function portIsFree(port: number): Promise<boolean> {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
