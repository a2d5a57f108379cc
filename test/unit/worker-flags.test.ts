import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { WORKER_NODE_FLAGS } from '../../infra/temporal/worker';

/** The flags the benchmark measures the worker with are the ones `npm run worker` starts it with. */
describe('worker process flags', () => {
  it('npm run worker starts node with WORKER_NODE_FLAGS', () => {
    const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const node = /\bnode ((?:--\S+ )*)dist\/infra\/worker-main\.js/.exec(pkg.scripts.worker);
    expect(node).not.toBeNull();
    expect(node![1].trim().split(' ')).toEqual([...WORKER_NODE_FLAGS]);
  });
});
