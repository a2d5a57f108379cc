import { startSimulator } from './server';

/**
 * Runs the simulated provider estate standalone: `SIM_PORT` (default 8480), `SIM_HOST` (default
 * 127.0.0.1), `SIM_TIME_SCALE` (default 1 = real time; 0.01 makes a 20-minute CLM job take 12 s),
 * `SIM_SEED` (default 1), `SIM_IDEMPOTENCY` (`store`, the default, or `none`: keys ignored as the real products do).
 */
async function main(): Promise<void> {
  const num = (name: string, fallback: number): number => {
    const raw = process.env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got ${raw}`);
    return n;
  };
  const sim = await startSimulator({
    port: num('SIM_PORT', 8480),
    host: process.env.SIM_HOST || '127.0.0.1',
    timeScale: num('SIM_TIME_SCALE', 1),
    seed: num('SIM_SEED', 1),
    idempotency: idempotencyMode(process.env.SIM_IDEMPOTENCY),
  });
  process.stdout.write(`simulated provider estate listening on ${sim.url} (control API at ${sim.url}/_sim)\n`);
  const stop = (): void => {
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function idempotencyMode(raw: string | undefined): 'store' | 'none' {
  if (raw === undefined || raw === '' || raw === 'store') return 'store';
  if (raw === 'none') return 'none';
  throw new Error(`SIM_IDEMPOTENCY must be store or none, got ${raw}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
