import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEstateClients, estateConfigFromSimulator } from '../../infra/clients';
import { estateCheck } from '../../workflows';
import { workflowIds } from '../../workflows/contracts';
import { recordHistory } from '../support/histories';
import { openTestInventory, TestInventory } from '../support/inventory';
import { startTestWorker, TestWorker } from '../support/worker';

describe('estateCheck workflow on the real Temporal server', () => {
  let server: http.Server;
  let baseUrl: string;
  let tw: TestWorker;
  let inventory: TestInventory;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      res.statusCode = req.url === '/broken' ? 503 : 200;
      res.end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    inventory = await openTestInventory('sqlite');
    tw = await startTestWorker(
      {
        estateEndpoints: [
          { system: 'clm', url: `${baseUrl}/clm` },
          { system: 'bna', url: `${baseUrl}/broken` },
          { system: 'asa', url: 'http://127.0.0.1:1/unreachable' },
        ],
        dataSource: inventory.dataSource,
        // The estate check probes the endpoints below itself; the clients are never called.
        clients: createEstateClients(estateConfigFromSimulator('http://127.0.0.1:1')),
        probeTimeoutMs: 2_000,
      },
      'estate-check',
    );
  });

  afterAll(async () => {
    await tw?.stop();
    await inventory?.close();
    await new Promise((r) => server.close(r));
  });

  it('reports each system as it really answers', async () => {
    const handle = await tw.client.workflow.start(estateCheck, {
      taskQueue: tw.taskQueue,
      workflowId: workflowIds.estateCheck(`t-${Date.now()}`),
    });
    const result = await handle.result();
    await recordHistory(handle, 'estate-check');
    const bySystem = Object.fromEntries(result.systems.map((s) => [s.system, s]));
    expect(bySystem.clm).toMatchObject({ up: true, status: 200 });
    expect(bySystem.bna).toMatchObject({ up: false, status: 503 });
    expect(bySystem.asa.up).toBe(false);
    expect(bySystem.asa.error).toBeTruthy();
    expect(result.inventory).toEqual({ up: true });
    expect(result.allUp).toBe(false);
  });

  it('reports the inventory down when its database does not answer', async () => {
    await inventory.dataSource.destroy();
    const result = await tw.client.workflow.execute(estateCheck, {
      taskQueue: tw.taskQueue,
      workflowId: workflowIds.estateCheck(`t2-${Date.now()}`),
    });
    expect(result.inventory.up).toBe(false);
    expect(result.inventory.error).toBeTruthy();
  });
});
