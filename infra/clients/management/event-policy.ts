import type { SystemEndpoint } from '../http-client';
import { ManagementClient, seg, type IpMap, type MgmtRecord, type Upserted } from './base';
import type { ProviderServer } from './monitoring';

/**
 * Event-policy mapper (Netcool-like): the server → customer map (FIG. 10, 1004, keyed by customer and
 * server IP because tenants' address spaces overlap), the customer-event-severity → ticket routing (1006),
 * and the event store whose sources are rewritten from old to new addresses.
 */

export interface ServerMapping extends MgmtRecord {
  serverIp: string;
  customerId: string;
}

export interface EventRouting extends MgmtRecord {
  customerId: string;
  eventId: string;
  eventSeverity: string;
  ticketSeverity: number;
  handlerPool: string;
  ticketingSystem: string;
}

export interface PolicyEvent extends MgmtRecord {
  source: string;
  eventId: string;
  severity: string;
  at: string;
}

export class EventPolicyClient extends ManagementClient {
  constructor(endpoint: SystemEndpoint) {
    super('event-policy', endpoint);
  }

  listServerMappings(filter: { tenant?: string; customerId?: string } = {}): Promise<ServerMapping[]> {
    return this.list('listServerMappings', '/server-map', filter);
  }

  getServerMapping(customerId: string, serverIp: string): Promise<ServerMapping | null> {
    return this.get('getServerMapping', `/server-map/${seg(customerId)}/${seg(serverIp)}`);
  }

  /** Maps a server IP to its customer (PUT upsert: idempotent by nature). */
  upsertServerMapping(customerId: string, serverIp: string, attrs: { tenant?: string; server?: string }, idempotencyKey: string): Promise<Upserted<ServerMapping>> {
    return this.put('upsertServerMapping', `/server-map/${seg(customerId)}/${seg(serverIp)}`, attrs, idempotencyKey);
  }

  /** False when already gone. */
  deleteServerMapping(customerId: string, serverIp: string, idempotencyKey: string): Promise<boolean> {
    return this.remove('deleteServerMapping', `/server-map/${seg(customerId)}/${seg(serverIp)}`, idempotencyKey);
  }

  listRouting(filter: { tenant?: string; customerId?: string } = {}): Promise<EventRouting[]> {
    return this.list('listRouting', '/routing', filter);
  }

  /** Routes a customer's event at a severity to a ticket severity, handler pool and ticketing system. */
  upsertRouting(
    key: { customerId: string; eventId: string; severity: string },
    route: { ticketSeverity: number; handlerPool: string; ticketingSystem: string; tenant?: string },
    idempotencyKey: string,
  ): Promise<Upserted<EventRouting>> {
    return this.put('upsertRouting', `/routing/${seg(key.customerId)}/${seg(key.eventId)}/${seg(key.severity)}`, route, idempotencyKey);
  }

  listEvents(filter: { tenant?: string; source?: string } = {}): Promise<PolicyEvent[]> {
    return this.list('listEvents', '/events', filter);
  }

  /** Rewrites the sources of a tenant's events from old to new addresses. */
  async rewriteEventSources(tenant: string, map: IpMap, idempotencyKey: string): Promise<{ rewritten: number }> {
    const res = await this.effect<{ rewritten: number }>({ op: 'rewriteEventSources', method: 'POST', path: '/events/rewrite-sources', body: { tenant, map }, idempotencyKey });
    return res.body;
  }

  /** Deletes a tenant's events from these sources (the "drop" policy for moved servers). */
  async deleteEventsBySource(tenant: string, sources: string[], idempotencyKey: string): Promise<{ deleted: number }> {
    const res = await this.effect<{ deleted: number }>({ op: 'deleteEventsBySource', method: 'POST', path: '/events/delete-by-source', body: { tenant, sources }, idempotencyKey });
    return res.body;
  }

  /** The provider's event-policy mappers, by site. */
  listServers(): Promise<ProviderServer[]> {
    return this.list('listServers', '/servers');
  }
}
