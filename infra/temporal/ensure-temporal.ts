import { Connection } from '@temporalio/client';
import { DevServer, startDevServer, waitForTemporal } from './dev-server';
import { registerSearchAttributes } from './search-attributes';

export interface TemporalTarget {
  address: string;
  namespace: string;
  /** Set when this process started an embedded dev server (and must stop it). */
  embedded?: DevServer;
}

/**
 * Uses the cluster at TEMPORAL_ADDRESS when given (registering Lifeline's search attributes there);
 * otherwise starts the embedded dev server with its store under dataDir.
 */
export async function ensureTemporal(opts: { address?: string; namespace?: string; dataDir: string; port?: number; uiPort?: number }): Promise<TemporalTarget> {
  const namespace = opts.namespace ?? 'default';
  if (opts.address) {
    await waitForTemporal(opts.address, 30_000);
    const connection = await Connection.connect({ address: opts.address });
    try {
      await registerSearchAttributes(connection, namespace);
    } finally {
      await connection.close();
    }
    return { address: opts.address, namespace };
  }
  const embedded = await startDevServer({ dataDir: opts.dataDir, port: opts.port, uiPort: opts.uiPort, namespace });
  return { address: embedded.address, namespace, embedded };
}
