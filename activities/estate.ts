import { connect } from 'node:net';
import type { EstateEndpoint, EstateProbe } from '../workflows/contracts';
import type { ActivityDeps } from './deps';

const DEFAULT_PORTS: Record<string, number> = { 'dns:': 53, 'ldap:': 389, 'ldaps:': 636 };

/** A DNS or directory server speaks no HTTP: reachable when it takes a TCP connection. */
function tcpProbe(url: URL, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) || DEFAULT_PORTS[url.protocol], timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error(`no answer from ${url.host} within ${timeoutMs} ms`));
    });
    socket.once('error', reject);
  });
}

export function createEstateActivities(deps: ActivityDeps) {
  return {
    async listEstateEndpoints(): Promise<EstateEndpoint[]> {
      return deps.estateEndpoints;
    },

    /** Read-only probe: any HTTP answer below 500 means the system is reachable and serving. */
    async probeEstateEndpoint(endpoint: EstateEndpoint): Promise<EstateProbe> {
      const started = Date.now();
      try {
        const url = new URL(endpoint.url);
        if (DEFAULT_PORTS[url.protocol] !== undefined) {
          await tcpProbe(url, deps.probeTimeoutMs ?? 5_000);
          return { ...endpoint, up: true, latencyMs: Date.now() - started };
        }
        const res = await fetch(endpoint.url, { method: 'GET', signal: AbortSignal.timeout(deps.probeTimeoutMs ?? 5_000) });
        await res.body?.cancel();
        return { ...endpoint, up: res.status < 500, status: res.status, latencyMs: Date.now() - started };
      } catch (err) {
        return { ...endpoint, up: false, error: err instanceof Error ? err.message : String(err), latencyMs: Date.now() - started };
      }
    },

    async probeInventory(): Promise<{ up: boolean; error?: string }> {
      try {
        await deps.dataSource.query('SELECT 1');
        return { up: true };
      } catch (err) {
        return { up: false, error: err instanceof Error ? err.message : String(err) };
      }
    },
  };
}
