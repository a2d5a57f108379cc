import { Connection } from '@temporalio/client';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { msToTs } from '@temporalio/common/lib/time';
import { ensureTemporal } from '../../infra/temporal/ensure-temporal';
import { LIFELINE_SEARCH_ATTRIBUTES, registerSearchAttributes } from '../../infra/temporal/search-attributes';

describe('embedded Temporal server', () => {
  it('starts on 127.0.0.1 with Lifeline search attributes, keeps its store across a restart', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'lifeline-temporal-'));
    const first = await ensureTemporal({ dataDir });
    expect(first.address).toMatch(/^127\.0\.0\.1:\d+$/);
    const port = Number(first.address.split(':')[1]);
    let connection = await Connection.connect({ address: first.address });
    const attrs = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
    for (const name of Object.keys(LIFELINE_SEARCH_ATTRIBUTES)) expect(attrs.customAttributes).toHaveProperty(name);
    // Registering again against an existing cluster is a no-op, not an error.
    await registerSearchAttributes(connection, 'default');
    await connection.workflowService.registerNamespace({ namespace: 'durability-probe', workflowExecutionRetentionPeriod: msToTs('1 day') });
    await connection.close();
    await first.embedded!.stop();

    const second = await ensureTemporal({ dataDir, port });
    connection = await Connection.connect({ address: second.address });
    const ns = await connection.workflowService.describeNamespace({ namespace: 'durability-probe' });
    expect(ns.namespaceInfo?.name).toBe('durability-probe');
    await connection.close();
    await second.embedded!.stop();
  });
});
