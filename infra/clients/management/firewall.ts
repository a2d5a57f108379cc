import type { SystemEndpoint } from '../http-client';
import { ManagementClient, seg, type Created, type IpMap, type MgmtRecord } from './base';

/** Management-plane firewall policy: rules whose endpoints are re-addressed by the IP map at the DR site. */

export interface FirewallRule extends MgmtRecord {
  name: string;
  source: string;
  destination: string;
  protocol: string;
  port?: string;
  action: string;
  direction?: string;
}

export interface FirewallRuleSpec {
  tenant: string;
  name: string;
  source: string;
  destination: string;
  protocol?: string;
  port?: string;
  action?: 'permit' | 'deny';
  direction?: 'inbound' | 'outbound';
  server?: string;
}

export class FirewallClient extends ManagementClient {
  constructor(endpoint: SystemEndpoint) {
    super('firewall', endpoint);
  }

  listRules(filter: { tenant?: string; server?: string } = {}): Promise<FirewallRule[]> {
    return this.list('listRules', '/rules', filter);
  }

  getRule(id: string): Promise<FirewallRule | null> {
    return this.get('getRule', `/rules/${seg(id)}`);
  }

  /** Same tenant+name = already exists → that rule. */
  createRule(spec: FirewallRuleSpec, idempotencyKey: string): Promise<Created<FirewallRule>> {
    return this.create('createRule', '/rules', spec, idempotencyKey);
  }

  updateRule(id: string, change: Partial<Omit<FirewallRuleSpec, 'tenant'>>, idempotencyKey: string): Promise<FirewallRule> {
    return this.update('updateRule', `/rules/${seg(id)}`, change, idempotencyKey);
  }

  /** False when already gone. */
  deleteRule(id: string, idempotencyKey: string): Promise<boolean> {
    return this.remove('deleteRule', `/rules/${seg(id)}`, idempotencyKey);
  }

  /** Re-addresses every rule of the tenant whose source or destination is an old IP. */
  async readdressRules(tenant: string, map: IpMap, idempotencyKey: string): Promise<{ updated: number }> {
    const res = await this.effect<{ updated: number }>({ op: 'readdress', method: 'POST', path: '/readdress', body: { tenant, map }, idempotencyKey });
    return res.body;
  }
}
