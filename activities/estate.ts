import type { EstateEndpoint, EstateProbe } from '../workflows/contracts';
import type { ActivityDeps } from './deps';

export function createEstateActivities(deps: ActivityDeps) {
  return {
    async listEstateEndpoints(): Promise<EstateEndpoint[]> {
      return deps.estateEndpoints;
    },

    /** Read-only probe: any HTTP answer below 500 means the system is reachable and serving. */
    async probeEstateEndpoint(endpoint: EstateEndpoint): Promise<EstateProbe> {
      const started = Date.now();
      try {
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
