import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..');

/**
 * Starts `worker-process.ts` as its own process (so a test can SIGKILL it) with the given environment on top of
 * this one's, and resolves once it says it is ready. The caller keeps the process to kill it and to clean up.
 */
export function spawnWorkerProcess(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-r', './test/support/swc-register.js', 'test/support/worker-process.ts'], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('worker ready')) resolve(child);
    });
    child.stderr!.on('data', (d) => (out += d));
    child.once('exit', (code) => reject(new Error(`worker exited (${code}): ${out}`)));
  });
}
