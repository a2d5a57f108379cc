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

  it('brings up worker and API on SQLite, answers /health, prints the admin token, and stops cleanly on SIGINT', async () => {
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
    const tenants = await fetch(`http://127.0.0.1:${port}/v1/tenants`, { headers: { authorization: `Bearer ${token}` } });
    expect(tenants.status).toBe(200);

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    child = undefined;
  });
});
