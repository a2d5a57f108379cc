import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ensureTemporal } from '../../infra/temporal/ensure-temporal';

/**
 * Brings up the real servers every suite shares: MariaDB (unless MYSQL_URL is set) and a Temporal
 * dev server (unless TEMPORAL_ADDRESS is set). Workers inherit the addresses through the environment.
 */
export default async function globalSetup(): Promise<void> {
  const script = path.join(__dirname, '..', '..', 'infra', 'mysql', 'ensure-mariadb.sh');
  const out = execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  process.env.MYSQL_URL = out.trim().split('\n').pop();

  const temporal = await ensureTemporal({
    address: process.env.TEMPORAL_ADDRESS,
    dataDir: mkdtempSync(path.join(tmpdir(), 'lifeline-test-temporal-')),
  });
  process.env.TEMPORAL_ADDRESS = temporal.address;
  (globalThis as { __lifelineTemporal?: typeof temporal }).__lifelineTemporal = temporal;
}
