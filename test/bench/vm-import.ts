/**
 * Benchmark: one POST /v1/tenants/{id}/vms of 5,000 VMs (validation, one transaction, chunked multi-row
 * INSERTs, audit event), end to end through HTTP, 5 runs per dialect, each into a fresh tenant.
 * Prints every run and the median. Run with `npm run bench:import`; MariaDB is started as for the tests
 * unless MYSQL_URL is set.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { seedEstate, startTestApp, vm } from '../support/api';
import type { Dialect } from '../../infra/persistence/data-source';

const RUNS = 5;
const VMS = 5000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function bench(dialect: Dialect): Promise<number[]> {
  // Health is not called: no Temporal server is needed.
  const t = await startTestApp(dialect);
  try {
    const times: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const { tenantId } = await seedEstate(t, `bench-${run}`);
      const body = { vms: Array.from({ length: VMS }, (_, i) => vm(`vm-${String(i).padStart(5, '0')}`)) };
      const started = performance.now();
      const res = await t.http.post(`/v1/tenants/${tenantId}/vms`).set(t.auth()).send(body);
      const ms = performance.now() - started;
      if (res.status !== 201 || res.body.count !== VMS) throw new Error(`run ${run}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
      times.push(ms);
      console.log(`${dialect.padEnd(6)} run ${run + 1}: ${ms.toFixed(0)} ms`);
    }
    return times;
  } finally {
    await t.close();
  }
}

async function main(): Promise<void> {
  if (!process.env.MYSQL_URL) {
    const script = path.join(__dirname, '..', '..', 'infra', 'mysql', 'ensure-mariadb.sh');
    process.env.MYSQL_URL = execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop();
  }
  const results: Record<string, number> = {};
  for (const dialect of ['sqlite', 'mysql'] as Dialect[]) results[dialect] = median(await bench(dialect));
  console.log(`\nBulk import of ${VMS} VMs in one request, median of ${RUNS} runs:`);
  for (const [dialect, ms] of Object.entries(results)) console.log(`  ${dialect.padEnd(6)} ${ms.toFixed(0)} ms`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
