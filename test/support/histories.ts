import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

export const HISTORIES_DIR = path.join(__dirname, '..', 'histories');

/**
 * Saves a finished workflow's history under test/histories/<name>.json when RECORD_HISTORIES=1, so that
 * CI replays it against the current workflow code (test/histories/replay.test.ts). The file keeps the
 * workflow id too: workflows derive child ids and idempotency keys from it, so replay must use the same.
 * Recording is deliberate: a normal run never rewrites the committed histories.
 */
export async function recordHistory(handle: WorkflowHandle, name: string): Promise<boolean> {
  if (process.env.RECORD_HISTORIES !== '1') return false;
  const history = await handle.fetchHistory();
  mkdirSync(HISTORIES_DIR, { recursive: true });
  const recorded: RecordedHistory = { workflowId: handle.workflowId, history: JSON.parse(historyToJSON(history)) };
  writeFileSync(path.join(HISTORIES_DIR, `${name}.json`), JSON.stringify(recorded));
  return true;
}

/** A recorded history with the id its workflow ran under (older files hold the bare history). */
export interface RecordedHistory {
  workflowId: string;
  history: unknown;
}

export function readRecordedHistory(file: string, json: Record<string, unknown>): RecordedHistory {
  if (typeof json.workflowId === 'string' && json.history) return json as unknown as RecordedHistory;
  return { workflowId: path.basename(file, '.json'), history: json };
}
