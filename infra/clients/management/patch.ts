import type { SystemEndpoint } from '../http-client';
import { ManagementClient, seg, type Created, type MgmtRecord } from './base';
import type { ProviderServer } from './monitoring';

/** Patch server (TEM/BigFix-like): patch agents re-pointed at the DR site (never patched there). */

export interface PatchAgent extends MgmtRecord {
  server: string;
  ip: string;
  patchServer: string;
  patchLevel?: string;
  patchGroup?: string;
  priority?: number;
  schedule?: string;
  patchingEnabled?: boolean;
}

export interface PatchAgentSpec {
  tenant: string;
  server: string;
  ip: string;
  patchServer: string;
  patchLevel?: string;
  patchGroup?: string;
  priority?: number;
  schedule?: string;
  patchingEnabled?: boolean;
}

export class PatchClient extends ManagementClient {
  constructor(endpoint: SystemEndpoint) {
    super('patch', endpoint);
  }

  listAgents(filter: { tenant?: string; server?: string; patchServer?: string } = {}): Promise<PatchAgent[]> {
    return this.list('listAgents', '/agents', filter);
  }

  getAgent(id: string): Promise<PatchAgent | null> {
    return this.get('getAgent', `/agents/${seg(id)}`);
  }

  /** Same tenant+server = already exists → that agent. */
  registerAgent(spec: PatchAgentSpec, idempotencyKey: string): Promise<Created<PatchAgent>> {
    return this.create('registerAgent', '/agents', spec, idempotencyKey);
  }

  /** Re-points an agent (new IP, DR patch server, patching disabled). */
  updateAgent(id: string, change: Partial<Omit<PatchAgentSpec, 'tenant'>>, idempotencyKey: string): Promise<PatchAgent> {
    return this.update('updateAgent', `/agents/${seg(id)}`, change, idempotencyKey);
  }

  /** False when already gone. */
  deregisterAgent(id: string, idempotencyKey: string): Promise<boolean> {
    return this.remove('deregisterAgent', `/agents/${seg(id)}`, idempotencyKey);
  }

  /** The provider's servers of this service, by site (the DR site's among them). */
  listServers(): Promise<ProviderServer[]> {
    return this.list('listServers', '/servers');
  }
}
