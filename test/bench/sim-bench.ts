/**
 * `npm run bench:sim`: how many requests per second the simulated estate serves on loopback, so it is
 * known not to be the bottleneck of a benchmark. The simulator runs in its own process (time scale 0, a
 * 1,000-VM estate); autocannon drives it from this one over 64 connections for 10 s per case:
 * a read (a VM's guest heartbeat) and a side effect (a DNS upsert, a fresh Idempotency-Key per request).
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import autocannon from 'autocannon';
import { freePort } from '../../infra/temporal/dev-server';

const BASIC = `Basic ${Buffer.from('lifeline:secret').toString('base64')}`;

async function main(): Promise<void> {
  const port = await freePort();
  const sim = spawn(process.execPath, ['-r', './test/support/swc-register.js', 'infra/sim/main.ts'], {
    cwd: path.join(__dirname, '..', '..'),
    env: { ...process.env, SIM_PORT: String(port), SIM_TIME_SCALE: '0' },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; i < 100; i++) {
      try {
        if ((await fetch(`${url}/_sim`)).ok) break;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await fetch(`${url}/_sim/scenario`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tenants: 10, vmsPerTenant: 100, summary: true }) });
    const session = (await (await fetch(`${url}/compute/api/session`, { method: 'POST', headers: { authorization: BASIC } })).json()) as string;
    const list = (await (await fetch(`${url}/compute/api/vcenter/vm?folders=northwind`, { headers: { 'vmware-api-session-id': session } })).json()) as { vm: string }[] | { value: { vm: string }[] };
    const vm = (Array.isArray(list) ? list : list.value)[0].vm;

    const run = (title: string, opts: autocannon.Options) =>
      new Promise<autocannon.Result>((resolve, reject) => {
        autocannon({ connections: 64, duration: 10, ...opts, title }, (err, result) => (err ? reject(err) : resolve(result)));
      });

    const read = await run('guest heartbeat (read)', {
      url: `${url}/compute/api/vcenter/vm/${vm}/guest/heartbeat`,
      headers: { 'vmware-api-session-id': session },
    });
    let n = 0;
    const write = await run('DNS upsert (side effect)', {
      url: `${url}/mgmt/dns/api/v1/zones/northwind.example.com/records/bench/A`,
      method: 'PUT',
      headers: { authorization: BASIC, 'content-type': 'application/json' },
      body: JSON.stringify({ values: ['10.0.0.1'], ttl: 60, tenant: 'northwind' }),
      setupClient: (client) => {
        client.setHeaders({ authorization: BASIC, 'content-type': 'application/json', 'idempotency-key': `bench-${process.pid}-${++n}` });
        client.on('response', () => client.setHeaders({ authorization: BASIC, 'content-type': 'application/json', 'idempotency-key': `bench-${process.pid}-${++n}` }));
      },
    });
    for (const r of [read, write]) {
      const errors = r.errors + r.timeouts + r.non2xx;
      console.log(`${r.title}: ${r.requests.average.toFixed(0)} requests/s (median ${r.requests.p50}), latency p50 ${r.latency.p50} ms p99 ${r.latency.p99} ms, ${errors} errors`);
    }
  } finally {
    sim.kill();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
