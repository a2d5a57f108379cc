import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { ensureTemporal } from '../../infra/temporal/ensure-temporal';
import { workflowsPath } from '../../infra/temporal/worker';

/**
 * Brings up the real servers every suite shares: MariaDB (unless MYSQL_URL is set) and a Temporal
 * dev server (unless TEMPORAL_ADDRESS is set). Workers inherit the addresses through the environment.
 * The workflow bundle is built once here so each suite's worker starts fast.
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

  const bundle = await bundleWorkflowCode({ workflowsPath: require.resolve(workflowsPath), logger: quietLogger });
  const dir = mkdtempSync(path.join(tmpdir(), 'lifeline-bundle-'));
  mkdirSync(dir, { recursive: true });
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  process.env.LIFELINE_WORKFLOW_BUNDLE = bundlePath;
}

const noop = () => undefined;
const quietLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: (m: string) => console.error(m) };
