/**
 * `npm run bench:failover [-- 100 1000 5000] [--time-scale 0.02] [--wave-cap 20] [--skip-zero]`
 *
 * A whole primary site fails over (one site, many tenants of 100 VMs each) on the simulator with its latency
 * model. Prints, per size: the makespan of the recovery waves, the plan compiler's critical-path bound for
 * the same latencies and caps, their ratio, the end-to-end makespan (pre-flight, fix-up and validation
 * included), the orchestration overhead per VM with latencies at zero, the peak RSS of the worker process,
 * and the largest history of any workflow execution.
 *
 * The worker runs in its own process with the production flags (WORKER_NODE_FLAGS; BENCH_WORKER_NODE_OPTIONS
 * overrides them). BENCH_DEBUG=1 prints per-VM step medians and writes per-VM timings to a JSON file;
 * LIFELINE_MEMORY_LOG=<file> makes the worker log process.memoryUsage() every 2 s.
 */
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { getDataSourceToken } from '@nestjs/typeorm';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { DataSource } from 'typeorm';
import { createApp } from '../../api/app';
import { forecastSchedule } from '../../domain/forecast';
import type { ExecutionSchedule } from '../../domain/recovery-plan';
import { seedDemoEstate } from '../../infra/demo/demo-estate';
import { TenantEntity } from '../../infra/persistence/entities';
import { freePort, startDevServer } from '../../infra/temporal/dev-server';
import { WORKER_NODE_FLAGS, workflowsPath } from '../../infra/temporal/worker';

const VMS_PER_TENANT = 100;
const MANAGEMENT_PER_TENANT = 4;

/** The simulator's real-world step times (infra/sim/latency.ts), in seconds. */
const STEP_SECONDS = { recover: 300, start: 30 + 45 + 120, publish: 2 + 15 };
const ADMIN = 'bench-admin-token-0123456789abcdef';

interface Run {
  vms: number;
  tenants: number;
  wavesSeconds: number;
  endToEndSeconds: number;
  boundSeconds: number;
  estimateSeconds: number;
  workerPeakRssMiB: number;
  largestHistory: number;
  executions: number;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function startSim(timeScale: number): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-r', './test/support/swc-register.js', 'infra/sim/main.ts'], {
    cwd: path.join(__dirname, '..', '..'),
    env: { ...process.env, SIM_PORT: String(port), SIM_TIME_SCALE: String(timeScale) },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${url}/_sim`)).ok) return { url, child };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error('the simulator did not start');
}

async function startWorkerProcess(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...(process.env.BENCH_WORKER_NODE_OPTIONS?.split(' ').filter(Boolean) ?? WORKER_NODE_FLAGS), '-r', './test/support/swc-register.js', 'test/support/worker-process.ts'], {
    cwd: path.join(__dirname, '..', '..'),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('worker ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the worker exited (${code})`)));
  });
  return child;
}

/** The process's high-water resident set (VmHWM), in MiB. */
function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

async function runOnce(temporalAddress: string, vms: number, timeScale: number, waveCap: number, bundlePath: string): Promise<Run> {
  const tenants = Math.max(1, Math.round(vms / VMS_PER_TENANT));
  const sim = await startSim(timeScale);
  const taskQueue = `bench-${vms}-${Date.now()}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'lifeline-bench-'));
  const app = await createApp(
    { dataDir, mysqlUrl: undefined, adminToken: ADMIN, temporalAddress, temporalTaskQueue: taskQueue, logLevel: 'silent' },
    { shutdownHooks: false },
  );
  await app.listen(0, '127.0.0.1');
  const apiUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  const dataSource = app.get<DataSource>(getDataSourceToken());
  // The worker runs in a process of its own, so its memory is measured apart from the API and the bench.
  const worker = await startWorkerProcess({
    TEMPORAL_ADDRESS: temporalAddress, LIFELINE_TASK_QUEUE: taskQueue, SIM_URL: sim.url, DATA_DIR: dataDir, MYSQL_URL: '', LIFELINE_WORKFLOW_BUNDLE: bundlePath,
    LIFELINE_WORKER_TUNING: JSON.stringify({
      maxConcurrentActivityTaskExecutions: 2_000, maxConcurrentWorkflowTaskExecutions: 200, maxCachedWorkflows: 1_000,
      maxConcurrentActivityTaskPolls: 20, maxConcurrentWorkflowTaskPolls: 20,
    }),
  });
  const auth = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
  try {
    const seeded = await seedDemoEstate({
      apiUrl, adminToken: ADMIN, simUrl: sim.url, tenants, vmsPerTenant: VMS_PER_TENANT - MANAGEMENT_PER_TENANT, managementVmsPerTenant: MANAGEMENT_PER_TENANT,
      alreadyProtected: true, sharedPrimarySite: 'pod-1', waveConcurrency: waveCap,
    });
    for (const t of seeded) await dataSource.manager.update(TenantEntity, { id: t.id }, { state: 'protected' });
    const perSiteCap = waveCap * tenants;

    const started = await fetch(`${apiUrl}/v1/operations/site-failover/${seeded[0].primarySiteId}`, { method: 'POST', headers: auth, body: JSON.stringify({ perSiteCap }) });
    const { operationId } = (await started.json()) as { operationId: string };
    let op: { status: string; startedAt: string; closedAt: string | null; error?: string; result?: { tenants: { status: string }[] } };
    for (;;) {
      op = (await (await fetch(`${apiUrl}/v1/operations/${encodeURIComponent(operationId)}`, { headers: auth })).json()) as typeof op;
      if (['completed', 'failed', 'cancelled'].includes(op.status)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    if (op.status !== 'completed' || op.result?.tenants.some((t) => t.status !== 'failed-over')) {
      throw new Error(`site failover of ${vms} VMs ended ${op.status}: ${JSON.stringify(op.result ?? op.error).slice(0, 1000)}`);
    }

    // The waves' span on the simulator clock: first recover call to the last firewall re-address.
    const log = (await (await fetch(`${sim.url}/_sim/ops?limit=1000000`)).json()) as { ops: { system: string; op: string; startedAt: string; finishedAt: string; outcome: string }[] };
    const recovers = log.ops.filter((e) => e.system === 'inmage' && e.op === 'recover' && e.outcome === 'ok').map((e) => Date.parse(e.startedAt));
    const publishes = log.ops.filter((e) => e.system === 'firewall' && e.op === 'readdress' && e.outcome === 'ok').map((e) => Date.parse(e.finishedAt));
    const wavesSeconds = (Math.max(...publishes) - Math.min(...recovers)) / 1000;
    if (process.env.BENCH_DEBUG) {
      const per = new Map<string, { start?: number; recovered?: number; on?: number; end?: number }>();
      const full = (await (await fetch(`${sim.url}/_sim/ops?limit=1000000`)).json()) as { ops: { system: string; op: string; target: string; startedAt: string; finishedAt: string; outcome: string }[] };
      for (const e of full.ops) {
        if (e.outcome !== 'ok') continue;
        const vm = e.target?.split('.')[0];
        const r = per.get(vm) ?? {};
        if (e.op === 'recover') r.start = Date.parse(e.startedAt);
        if (e.op === 'reconfigureNetwork') r.recovered = Date.parse(e.startedAt);
        if (e.op === 'powerOn') r.on = Date.parse(e.finishedAt);
        if (e.op === 'upsertRecord' && e.system === 'dns') r.end = Date.parse(e.startedAt);
        per.set(vm, r);
      }
      writeFileSync(process.env.BENCH_DEBUG_FILE ?? path.join(tmpdir(), `lifeline-bench-${vms}-vms.json`), JSON.stringify([...per.entries()].map(([vm, r]) => ({ vm, ...r }))));
      const med = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      const rows = [...per.values()].filter((r) => r.start && r.end && r.recovered && r.on);
      console.log(`per VM (median ms): recover ${med(rows.map((r) => r.recovered! - r.start!))}, reIp+powerOn ${med(rows.map((r) => r.on! - r.recovered!))}, boot+health ${med(rows.map((r) => r.end! - r.on!))}, total ${med(rows.map((r) => r.end! - r.start!))}`);
    }

    // The compiler's bound for the same latencies and caps: each tenant's waves with its share of the site.
    let boundSeconds = 0;
    let estimateSeconds = 0;
    for (const t of seeded) {
      const preview = (await (await fetch(`${apiUrl}/v1/recovery-plans/${t.planId}/preview`, { headers: auth })).json()) as { schedule: ExecutionSchedule };
      const schedule = { ...preview.schedule, caps: { ...preview.schedule.caps, perSite: Math.max(1, Math.floor((perSiteCap * t.vms) / vms)) } };
      const f = forecastSchedule({ schedule, durations: { recover: STEP_SECONDS.recover * timeScale, start: STEP_SECONDS.start * timeScale, publish: STEP_SECONDS.publish * timeScale } });
      boundSeconds = Math.max(boundSeconds, f.lowerBound);
      estimateSeconds = Math.max(estimateSeconds, f.estimatedMakespan);
    }
    if (process.env.BENCH_DEBUG) {
      const child = (await (await fetch(`${apiUrl}/v1/operations?kind=failover&limit=1`, { headers: auth })).json()) as { items: { id: string }[] };
      const detail = (await (await fetch(`${apiUrl}/v1/operations/${encodeURIComponent(child.items[0].id)}`, { headers: auth })).json()) as { steps: { name: string; durationMs?: number }[] };
      console.log(detail.steps.map((s) => `${s.name} ${s.durationMs} ms`).join('; '));
    }

    const client = new Client({ connection: await Connection.connect({ address: temporalAddress }) });
    let largestHistory = 0;
    let executions = 0;
    for await (const wf of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) {
      executions += 1;
      largestHistory = Math.max(largestHistory, wf.historyLength ?? 0);
    }
    await client.connection.close();
    const workerPeakRssMiB = peakRssMiB(worker.pid as number);
    return { vms, tenants, wavesSeconds, estimateSeconds, workerPeakRssMiB, endToEndSeconds: (Date.parse(op.closedAt as string) - Date.parse(op.startedAt)) / 1000, boundSeconds, largestHistory, executions };
  } finally {
    await stopProcess(worker);
    await app.close();
    sim.child.kill();
  }
}

async function main(): Promise<void> {
  const sizes = process.argv.slice(2).filter((a) => /^\d+$/.test(a)).map(Number);
  const timeScale = Number(arg('--time-scale') ?? 0.02);
  const waveCap = Number(arg('--wave-cap') ?? 20);
  let address = process.env.TEMPORAL_ADDRESS;
  const embedded = address ? undefined : await startDevServer({ dataDir: mkdtempSync(path.join(tmpdir(), 'lifeline-bench-temporal-')) });
  address ??= embedded!.address;

  // Workflow code is bundled once, as a deployment would ship it, so the worker's memory is its running cost.
  const bundle = await bundleWorkflowCode({ workflowsPath: require.resolve(workflowsPath), logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error } });
  const bundlePath = path.join(mkdtempSync(path.join(tmpdir(), 'lifeline-bench-bundle-')), 'workflows.js');
  writeFileSync(bundlePath, bundle.code);

  const rows: string[] = [];
  for (const vms of sizes.length ? sizes : [100, 1000, 5000]) {
    const r = await runOnce(address, vms, timeScale, waveCap, bundlePath);
    const zero = process.argv.includes('--skip-zero') ? null : await runOnce(address, vms, 0, waveCap, bundlePath);
    rows.push(
      [
        `${r.vms} VMs (${r.tenants} tenants)`,
        `waves ${r.wavesSeconds.toFixed(1)} s`,
        `bound ${r.boundSeconds.toFixed(1)} s`,
        `ratio ${(r.wavesSeconds / r.boundSeconds).toFixed(3)}`,
        `(greedy forecast ${r.estimateSeconds.toFixed(1)} s, ratio ${(r.wavesSeconds / r.estimateSeconds).toFixed(3)})`,
        `end-to-end ${r.endToEndSeconds.toFixed(1)} s`,
        zero ? `zero-latency ${zero.endToEndSeconds.toFixed(1)} s = ${((zero.endToEndSeconds * 1000) / zero.vms).toFixed(1)} ms/VM` : 'zero-latency not run',
        `worker peak RSS ${Math.max(r.workerPeakRssMiB, zero?.workerPeakRssMiB ?? 0).toFixed(0)} MiB`,
        `largest history ${Math.max(r.largestHistory, zero?.largestHistory ?? 0)} events over ${r.executions} executions`,
      ].join(' | '),
    );
    console.log(rows[rows.length - 1]);
  }
  console.log(`\ntime scale ${timeScale} (real-world seconds × scale); wave cap ${waveCap} per tenant; ${VMS_PER_TENANT} VMs per tenant`);
  await embedded?.stop();
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
