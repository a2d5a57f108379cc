import type { Sim } from '../state';
import { crudRoutes, mgmtSystem } from './records';

/**
 * Ticketing, `/mgmt/ticketing/api/v1`: the resource records tickets are raised against (TSM/BCRS: "Create
 * resource record in the Netcool database (for ticketing)") and the tickets themselves (notifications). A
 * ticket carries the caller's `correlationId` (the operation it is about, as ServiceNow's correlation id) and,
 * once `closed`, its `resolution`.
 */
export function ticketingSystem(sim: Sim) {
  return mgmtSystem(sim, 'ticketing', [
    ...crudRoutes(sim, {
      path: '/api/v1/resources',
      noun: 'resource record',
      collection: () => sim.state.mgmt.resources,
      fields: [
        { name: 'tenant', type: 'string', required: true },
        { name: 'server', type: 'string', required: true },
        { name: 'ip', type: 'ip', required: true },
        { name: 'customerId', type: 'string' },
        { name: 'supportGroup', type: 'string' },
        { name: 'site', type: 'string' },
      ],
      ops: { create: 'createResource', update: 'updateResource', delete: 'deleteResource', list: 'listResources', get: 'getResource' },
      filters: ['site', 'supportGroup'],
    }),
    ...crudRoutes(sim, {
      path: '/api/v1/tickets',
      noun: 'ticket',
      collection: () => sim.state.mgmt.tickets,
      fields: [
        { name: 'tenant', type: 'string', required: true },
        { name: 'summary', type: 'string', required: true },
        { name: 'severity', type: 'number' },
        { name: 'server', type: 'string' },
        { name: 'handlerPool', type: 'string' },
        { name: 'status', type: 'string' },
        { name: 'correlationId', type: 'string' },
        { name: 'resolution', type: 'string' },
      ],
      ops: { create: 'createTicket', update: 'updateTicket', delete: 'deleteTicket', list: 'listTickets', get: 'getTicket' },
      filters: ['status', 'correlationId'],
      complete: (r) => {
        r.status ??= 'open';
      },
    }),
  ]);
}
