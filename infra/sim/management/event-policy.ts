import { asObject, badRequest, created, noContent, notFound, ok, read, str, type Action } from '../http';
import { isIpv4 } from '../ip';
import type { Sim } from '../state';
import { ipMap, mgmtSystem, readdress, upsert, serversRoute } from './records';

/**
 * Event-policy mapper (Netcool-like), `/mgmt/event-policy/api/v1`, holding the patent's FIG. 10 event
 * management metadata: the server → customer map (1004, one entry per server IP, addressed as
 * `/server-map/{customerId}/{serverIp}` because tenants' address spaces may overlap) and the
 * customer-event-severity → ticket routing (1006: ticket severity, handler pool, ticketing system), plus
 * the event store whose sources are identified by the old addresses until they are rewritten (or, under a
 * tenant's "drop" policy, deleted: `POST /events/delete-by-source`; mappings go with `DELETE /server-map/...`).
 */
export function eventPolicySystem(sim: Sim) {
  const m = () => sim.state.mgmt;
  return mgmtSystem(sim, 'event-policy', [
    serversRoute(sim, 'event-policy'),
    {
      method: 'GET',
      path: '/api/v1/server-map',
      op: 'listServerMappings',
      handle: (req) =>
        read(() => {
          const customer = req.query.get('customerId');
          const items = m().serverMap.list({ tenant: req.query.get('tenant') }).filter((r) => !customer || r.customerId === customer);
          return ok({ items, total: items.length });
        }),
    },
    {
      method: 'GET',
      path: '/api/v1/server-map/:customerId/:serverIp',
      op: 'getServerMapping',
      handle: (req) =>
        read(() => {
          const r = m().serverMap.findByKey(`${req.params.customerId}|${req.params.serverIp}`);
          if (!r) throw notFound(`server mapping for ${req.params.serverIp}`);
          return ok(r);
        }, req.params.serverIp),
    },
    {
      method: 'PUT',
      path: '/api/v1/server-map/:customerId/:serverIp',
      op: 'upsertServerMapping',
      effect: true,
      handle: (req): Action => {
        const { serverIp, customerId } = req.params;
        if (!isIpv4(serverIp)) throw badRequest('serverIp must be an IPv4 address', 'serverIp');
        const body = asObject(req.body ?? {});
        const tenant = str(body, 'tenant') ?? customerId;
        const server = str(body, 'server') ?? null;
        return {
          tenant,
          target: server ?? serverIp,
          run: () => {
            const { status, record } = upsert(sim, m().serverMap, { id: m().serverMap.nextId(), tenant, server, serverIp, customerId });
            return { status, body: record };
          },
        };
      },
    },
    {
      method: 'DELETE',
      path: '/api/v1/server-map/:customerId/:serverIp',
      op: 'deleteServerMapping',
      effect: true,
      handle: (req): Action => {
        const r = m().serverMap.findByKey(`${req.params.customerId}|${req.params.serverIp}`);
        if (!r) throw notFound(`server mapping for ${req.params.serverIp}`);
        return {
          tenant: r.tenant,
          target: r.server ?? req.params.serverIp,
          run: () => {
            m().serverMap.delete(r.id);
            return noContent();
          },
        };
      },
    },
    {
      method: 'GET',
      path: '/api/v1/routing',
      op: 'listRouting',
      handle: (req) =>
        read(() => {
          const customer = req.query.get('customerId');
          const items = m().routing.list({ tenant: req.query.get('tenant') }).filter((r) => !customer || r.customerId === customer);
          return ok({ items, total: items.length });
        }),
    },
    {
      method: 'PUT',
      path: '/api/v1/routing/:customerId/:eventId/:severity',
      op: 'upsertRouting',
      effect: true,
      handle: (req): Action => {
        const body = asObject(req.body);
        const { customerId, eventId, severity } = req.params;
        const values = {
          ticketSeverity: body.ticketSeverity,
          handlerPool: str(body, 'handlerPool', true),
          ticketingSystem: str(body, 'ticketingSystem', true),
        };
        if (typeof values.ticketSeverity !== 'number') throw badRequest('ticketSeverity must be a number', 'ticketSeverity');
        const tenant = str(body, 'tenant') ?? customerId;
        return {
          tenant,
          target: `${customerId}/${eventId}/${severity}`,
          run: () => {
            const { status, record } = upsert(sim, m().routing, {
              id: m().routing.nextId(),
              tenant,
              customerId,
              eventId,
              eventSeverity: severity,
              ...values,
            });
            return { status, body: record };
          },
        };
      },
    },
    {
      method: 'GET',
      path: '/api/v1/events',
      op: 'listEvents',
      handle: (req) =>
        read(() => {
          const source = req.query.get('source');
          const items = m().events.list({ tenant: req.query.get('tenant') }).filter((e) => !source || e.source === source);
          return ok({ items, total: items.length });
        }),
    },
    {
      method: 'POST',
      path: '/api/v1/events',
      op: 'createEvent',
      effect: true,
      handle: (req): Action => {
        const body = asObject(req.body);
        const tenant = str(body, 'tenant', true);
        const source = str(body, 'source', true);
        const eventId = str(body, 'eventId', true);
        const severity = str(body, 'severity') ?? 'WARNING';
        return {
          tenant,
          target: source,
          run: () => {
            const e = { id: m().events.nextId(), tenant, source, eventId, severity, at: sim.clock.iso() };
            m().events.insert(e);
            return created(e);
          },
        };
      },
    },
    {
      method: 'POST',
      path: '/api/v1/events/rewrite-sources',
      op: 'rewriteEventSources',
      effect: true,
      handle: (req): Action => {
        const body = asObject(req.body);
        const tenant = str(body, 'tenant', true);
        const map = ipMap(body);
        return { tenant, target: tenant, run: () => ok({ rewritten: readdress(sim, m().events, tenant, map, ['source']) }) };
      },
    },
    {
      // The "drop" policy (FIG. 8): a moved server's events are deleted instead of re-sourced.
      method: 'POST',
      path: '/api/v1/events/delete-by-source',
      op: 'deleteEventsBySource',
      effect: true,
      handle: (req): Action => {
        const body = asObject(req.body);
        const tenant = str(body, 'tenant', true);
        const sources = body.sources;
        if (!Array.isArray(sources) || sources.some((v) => !isIpv4(v))) throw badRequest('sources must be an array of IPv4 addresses', 'sources');
        const drop = new Set(sources as string[]);
        return {
          tenant,
          target: tenant,
          run: () => {
            let deleted = 0;
            for (const e of m().events.list({ tenant })) {
              if (typeof e.source === 'string' && drop.has(e.source) && m().events.delete(e.id)) deleted++;
            }
            return ok({ deleted });
          },
        };
      },
    },
  ]);
}
