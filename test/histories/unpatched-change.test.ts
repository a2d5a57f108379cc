import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { HISTORIES_DIR, readRecordedHistory } from '../support/histories';

/**
 * Why every change of command order goes behind `patched()`: the recorded estate-check history replayed
 * against the real workflow code with two commands swapped (the inventory probe before the endpoint list),
 * once as a plain edit, which Temporal refuses as non-deterministic, and once behind `patched()`, which
 * replays. The edit is made to the real source while bundling (test/support/rewrite-loader.js).
 */
const FILE = 'estate-check.json';
const LIST_THEN_PROBE = `  const endpoints = await listEstateEndpoints();
  const [inventory, systems] = await Promise.all([
    probeInventory(),
    Promise.all(endpoints.map((endpoint) => probeEstateEndpoint(endpoint))),
  ]);`;
const PROBE_THEN_LIST = `  const inventory = await probeInventory();
  const endpoints = await listEstateEndpoints();
  const systems = await Promise.all(endpoints.map((endpoint) => probeEstateEndpoint(endpoint)));`;
const PATCHED = `  let inventory, systems, endpoints;
  if (patched('probe-inventory-first')) {
${PROBE_THEN_LIST.replace(/const /g, '')}
  } else {
${LIST_THEN_PROBE.replace('const endpoints', 'endpoints').replace('const [inventory, systems]', '[inventory, systems]')}
  }`;
const IMPORT = "import { proxyActivities } from '@temporalio/workflow';";

type Edit = { from: string; to: string };

async function bundleWith(edits: Edit[]): Promise<string> {
  const noop = () => undefined;
  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows/estate-check'),
    logger: { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: noop },
    webpackConfigHook: (config) => {
      config.module?.rules?.push({ test: /workflows[\\/]estate-check\.ts$/, enforce: 'pre', use: [{ loader: require.resolve('../support/rewrite-loader.js'), options: { edits } }] });
      return config;
    },
  });
  return bundle.code;
}

describe('a change of command order without patched() breaks replay', () => {
  const { workflowId, history } = readRecordedHistory(FILE, JSON.parse(readFileSync(path.join(HISTORIES_DIR, FILE), 'utf8')));
  const replay = async (edits: Edit[]) => Worker.runReplayHistory({ workflowBundle: { code: await bundleWith(edits) } }, history, workflowId);

  it('the swap alone is refused as non-deterministic', async () => {
    await expect(replay([{ from: LIST_THEN_PROBE, to: PROBE_THEN_LIST }])).rejects.toThrow(DeterminismViolationError);
  });

  it('the same swap behind patched() replays', async () => {
    await expect(replay([{ from: IMPORT, to: "import { patched, proxyActivities } from '@temporalio/workflow';" }, { from: LIST_THEN_PROBE, to: PATCHED }])).resolves.toBeUndefined();
  });
});
