import type { SystemEndpoint } from '../http-client';
import { ManagementClient, seg, type Created, type MgmtRecord } from './base';

/** Ticketing: the resource records tickets are raised against, and tickets (notifications). */

export interface ResourceRecord extends MgmtRecord {
  server: string;
  ip: string;
  customerId?: string;
  supportGroup?: string;
  site?: string;
}

export interface ResourceRecordSpec {
  tenant: string;
  server: string;
  ip: string;
  customerId?: string;
  supportGroup?: string;
  site?: string;
}

export interface Ticket extends MgmtRecord {
  summary: string;
  severity?: number;
  handlerPool?: string;
  status: string;
  /** The caller's reference: the operation the ticket is about. */
  correlationId?: string;
  resolution?: string;
}

export interface TicketSpec {
  tenant: string;
  summary: string;
  severity?: number;
  server?: string;
  handlerPool?: string;
  status?: string;
  correlationId?: string;
  resolution?: string;
}

export class TicketingClient extends ManagementClient {
  constructor(endpoint: SystemEndpoint) {
    super('ticketing', endpoint);
  }

  listResources(filter: { tenant?: string; server?: string; site?: string; supportGroup?: string } = {}): Promise<ResourceRecord[]> {
    return this.list('listResources', '/resources', filter);
  }

  getResource(id: string): Promise<ResourceRecord | null> {
    return this.get('getResource', `/resources/${seg(id)}`);
  }

  /** Same tenant+server = already exists → that record. */
  createResource(spec: ResourceRecordSpec, idempotencyKey: string): Promise<Created<ResourceRecord>> {
    return this.create('createResource', '/resources', spec, idempotencyKey);
  }

  /** Adjusts a resource record (IP, site). */
  updateResource(id: string, change: Partial<Omit<ResourceRecordSpec, 'tenant'>>, idempotencyKey: string): Promise<ResourceRecord> {
    return this.update('updateResource', `/resources/${seg(id)}`, change, idempotencyKey);
  }

  /** False when already gone. */
  deleteResource(id: string, idempotencyKey: string): Promise<boolean> {
    return this.remove('deleteResource', `/resources/${seg(id)}`, idempotencyKey);
  }

  listTickets(filter: { tenant?: string; server?: string; status?: string; correlationId?: string } = {}): Promise<Ticket[]> {
    return this.list('listTickets', '/tickets', filter);
  }

  /** Opens a ticket. Tickets have no natural key: the idempotency key alone prevents duplicates. */
  createTicket(spec: TicketSpec, idempotencyKey: string): Promise<Created<Ticket>> {
    return this.create('createTicket', '/tickets', spec, idempotencyKey);
  }

  updateTicket(id: string, change: Partial<Omit<TicketSpec, 'tenant'>>, idempotencyKey: string): Promise<Ticket> {
    return this.update('updateTicket', `/tickets/${seg(id)}`, change, idempotencyKey);
  }
}
