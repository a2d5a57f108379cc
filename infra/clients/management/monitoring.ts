import type { SystemEndpoint } from '../http-client';
import { ManagementClient, seg, type Created, type MgmtRecord } from './base';

/**
 * Monitoring server (ITM/TEMS-like): one agent record per server-agent combination (the patent's FIG. 10
 * monitoring metadata) with its per-metric rules, its monitoring server and its event destination.
 * Fix-up re-deploys agents under the new identities: uninstall the old record, install with the DR IP.
 */

export interface MetricRule {
  metric: string;
  operator: string;
  threshold: number | string;
  severity: string;
  [k: string]: unknown;
}

export interface MonitoringAgent extends MgmtRecord {
  server: string;
  serverIp: string;
  agentType: string;
  agentId: string;
  monitoringServer: string;
  eventDestination?: string;
  managementGroup?: string;
  status: string;
  rules: MetricRule[];
}

export interface MonitoringAgentSpec {
  tenant: string;
  server: string;
  serverIp: string;
  agentType: string;
  agentId?: string;
  monitoringServer: string;
  eventDestination?: string;
  managementGroup?: string;
  status?: string;
  rules?: MetricRule[];
}

export interface MonitoringMetadata {
  serverId: string;
  agentId: string;
  rules: MetricRule[];
  server: string;
  tenant: string;
}

export interface ProviderServer extends MgmtRecord {
  service: string;
  name: string;
  site: string;
  ip: string;
}

export class MonitoringClient extends ManagementClient {
  constructor(endpoint: SystemEndpoint) {
    super('monitoring', endpoint);
  }

  listAgents(filter: { tenant?: string; server?: string; agentType?: string; serverIp?: string; monitoringServer?: string } = {}): Promise<MonitoringAgent[]> {
    return this.list('listAgents', '/agents', filter);
  }

  getAgent(id: string): Promise<MonitoringAgent | null> {
    return this.get('getAgent', `/agents/${seg(id)}`);
  }

  /** Installs (registers) an agent. Same tenant+server+agentType = already exists → that agent. */
  installAgent(spec: MonitoringAgentSpec, idempotencyKey: string): Promise<Created<MonitoringAgent>> {
    return this.create('installAgent', '/agents', spec, idempotencyKey);
  }

  /** Points an agent elsewhere (new IP, monitoring server, event destination). */
  reconfigureAgent(id: string, change: Partial<Omit<MonitoringAgentSpec, 'tenant'>>, idempotencyKey: string): Promise<MonitoringAgent> {
    return this.update('reconfigureAgent', `/agents/${seg(id)}`, change, idempotencyKey);
  }

  /** Replaces the agent's per-metric rules. */
  async setRules(id: string, rules: MetricRule[], idempotencyKey: string): Promise<MonitoringAgent> {
    const res = await this.effect<MonitoringAgent>({ op: 'setRules', method: 'PUT', path: `/agents/${seg(id)}/rules`, body: { rules }, idempotencyKey });
    return res.body;
  }

  /** False when already gone. */
  uninstallAgent(id: string, idempotencyKey: string): Promise<boolean> {
    return this.remove('uninstallAgent', `/agents/${seg(id)}`, idempotencyKey);
  }

  /** The FIG. 10 table: server IP, agent id and rules per agent. */
  getMetadata(filter: { tenant?: string; server?: string } = {}): Promise<MonitoringMetadata[]> {
    return this.list('getMetadata', '/metadata', filter);
  }

  /** The provider's monitoring servers (e.g. the DR site's). */
  listServers(): Promise<ProviderServer[]> {
    return this.list('listServers', '/servers');
  }
}
