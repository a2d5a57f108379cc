import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

/** Brings up the real servers the suites use: MariaDB (unless MYSQL_URL is set). */
export default async function globalSetup(): Promise<void> {
  const script = path.join(__dirname, '..', '..', 'infra', 'mysql', 'ensure-mariadb.sh');
  const out = execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  process.env.MYSQL_URL = out.trim().split('\n').pop();
}
