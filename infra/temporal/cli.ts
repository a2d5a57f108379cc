import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { repoRoot } from '../repo-root';

/**
 * Path of a Temporal CLI binary: found on PATH or in the cache directory outside the repo, or built once
 * there from the Go module proxy (build-cli.sh). Nothing is downloaded from outside the package registries.
 */
export function temporalCliPath(): string {
  const script = path.join(repoRoot(), 'infra', 'temporal', 'build-cli.sh');
  const out = execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return out.trim().split('\n').pop() as string;
}
