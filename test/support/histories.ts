import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

export const HISTORIES_DIR = path.join(__dirname, '..', 'histories');

/**
 * Saves a finished workflow's history under test/histories/<name>.json when RECORD_HISTORIES=1, so that
 * CI replays it against the current workflow code (test/histories/replay.test.ts). Recording is deliberate:
 * a normal run never rewrites the committed histories.
 */
export async function recordHistory(handle: WorkflowHandle, name: string): Promise<boolean> {
  if (process.env.RECORD_HISTORIES !== '1') return false;
  const history = await handle.fetchHistory();
  mkdirSync(HISTORIES_DIR, { recursive: true });
  writeFileSync(path.join(HISTORIES_DIR, `${name}.json`), historyToJSON(history));
  return true;
}
