import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { freePort } from '../../infra/temporal/dev-server';

const root = path.join(__dirname, '..', '..');

/** `npm start` minus the build: the same entry point, run from the TypeScript sources. */
describe('npm start', () => {
  let child: ChildProcess | undefined;
  afterEach(() => child?.kill('SIGKILL'));

  it('brings up simulator, worker and API on SQLite with the demo estate, answers /health, and stops cleanly on SIGINT', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'lifeline-start-'));
    const port = await freePort();
    child = spawn(process.execPath, ['-r', './test/support/swc-register.js', 'infra/start.ts'], {
      cwd: root,
      env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, MYSQL_URL: '', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));

    const deadline = Date.now() + 90_000;
    while (!output.includes('Lifeline is running.')) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const token = readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim();
    expect(output).toContain(`Admin token    ${token}`);

    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', info: { database: { status: 'up' }, temporal: { status: 'up' } } });
    const auth = { headers: { authorization: `Bearer ${token}` } };
    const tenants = (await (await fetch(`http://127.0.0.1:${port}/v1/tenants`, auth)).json()) as { id: string; name: string; state: string }[];
    expect(tenants.map((t) => t.name).sort()).toEqual(['contoso', 'fabrikam', 'northwind']);
    expect(output).toContain('Demo tenants   northwind (15 VMs)');
    const vms = (await (await fetch(`http://127.0.0.1:${port}/v1/tenants/${tenants[0].id}/vms`, auth)).json()) as { total: number };
    expect(vms.total).toBe(15);
    const plans = (await (await fetch(`http://127.0.0.1:${port}/v1/tenants/${tenants[0].id}/recovery-plans`, auth)).json()) as { id: string }[];
    const preview = await fetch(`http://127.0.0.1:${port}/v1/recovery-plans/${plans[0].id}/preview`, auth);
    expect(preview.status).toBe(200);
    const { schedule } = (await preview.json()) as { schedule: { stages: { group: string }[] } };
    expect(schedule.stages.map((s) => s.group)).toEqual(['management', 'data', 'application', 'web']);

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    child = undefined;
  });
});
