import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Worker } from '@temporalio/worker';
import { HISTORIES_DIR, readRecordedHistory } from '../support/histories';

/**
 * Every recorded history replays against the current workflow code: a change that would break a running
 * operation (non-determinism) fails here, not in production. Histories are recorded with RECORD_HISTORIES=1.
 */
const files = readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json')).sort();

describe('recorded histories replay against the current workflow code', () => {
  it('has histories to replay', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)('%s', async (file) => {
    const { workflowId, history } = readRecordedHistory(file, JSON.parse(readFileSync(path.join(HISTORIES_DIR, file), 'utf8')));
    const results = Worker.runReplayHistories(
      { workflowBundle: { codePath: process.env.LIFELINE_WORKFLOW_BUNDLE as string } },
      [{ workflowId, history }],
    );
    let replayed = 0;
    for await (const result of results) {
      replayed += 1;
      if (result.error) throw result.error;
    }
    expect(replayed).toBe(1);
  });
});
