import { asObject, badRequest, noContent, notFound, num, ok, read, type Action, type Req } from '../http';
import { isIpv4 } from '../ip';
import type { Sim } from '../state';
import { mgmtSystem, upsert, serversRoute } from './records';

/**
 * DNS, `/mgmt/dns/api/v1`: records per zone addressed by name and type; `PUT` is an upsert (the
 * orchestrator points a name at the DR address and back), `DELETE` removes. A zone belongs to the tenant
 * whose `dnsZone` it is.
 */
const TYPES = ['A', 'AAAA', 'CNAME', 'PTR', 'TXT'];

export function dnsSystem(sim: Sim) {
  const records = () => sim.state.mgmt.dnsRecords;
  const tenantOfZone = (zone: string): string | null => {
    for (const t of sim.state.tenants.values()) if (t.dnsZone === zone) return t.id;
    return null;
  };
  const keyOf = (req: Req): string => `${req.params.zone}|${req.params.name}|${req.params.type.toUpperCase()}`;
  return mgmtSystem(sim, 'dns', [
    serversRoute(sim, 'dns'),
    {
      method: 'GET',
      path: '/api/v1/zones',
      op: 'listZones',
      handle: () => read(() => ok({ items: [...sim.state.tenants.values()].map((t) => ({ zone: t.dnsZone, tenant: t.id })) })),
    },
    {
      method: 'GET',
      path: '/api/v1/zones/:zone/records',
      op: 'listRecords',
      handle: (req) =>
        read(() => {
          const tenant = tenantOfZone(req.params.zone);
          const name = req.query.get('name');
          const type = req.query.get('type');
          const items = records()
            .list({ tenant })
            .filter((r) => r.zone === req.params.zone && (!name || r.name === name) && (!type || r.type === type.toUpperCase()));
          return ok({ items, total: items.length });
        }),
    },
    {
      method: 'GET',
      path: '/api/v1/zones/:zone/records/:name/:type',
      op: 'getRecord',
      handle: (req) =>
        read(() => {
          const r = records().findByKey(keyOf(req));
          if (!r) throw notFound(`DNS record ${req.params.name}.${req.params.zone} ${req.params.type}`);
          return ok(r);
        }, req.params.name),
    },
    {
      method: 'PUT',
      path: '/api/v1/zones/:zone/records/:name/:type',
      op: 'upsertRecord',
      effect: true,
      handle: (req): Action => {
        const type = req.params.type.toUpperCase();
        if (!TYPES.includes(type)) throw badRequest(`type must be one of ${TYPES.join(', ')}`, 'type');
        const body = asObject(req.body);
        const values = body.values;
        if (!Array.isArray(values) || values.length === 0 || values.some((v) => typeof v !== 'string')) {
          throw badRequest('values must be a non-empty array of strings', 'values');
        }
        if (type === 'A' && values.some((v) => !isIpv4(v))) throw badRequest('A record values must be IPv4 addresses', 'values');
        const ttl = num(body, 'ttl', 300);
        const tenant = tenantOfZone(req.params.zone) ?? (typeof body.tenant === 'string' ? body.tenant : null);
        return {
          tenant,
          target: req.params.name,
          run: () => {
            const { status, record } = upsert(sim, records(), {
              id: records().nextId(),
              tenant,
              server: req.params.name,
              zone: req.params.zone,
              name: req.params.name,
              type,
              values,
              ttl,
            });
            return { status, body: record };
          },
        };
      },
    },
    {
      method: 'DELETE',
      path: '/api/v1/zones/:zone/records/:name/:type',
      op: 'deleteRecord',
      effect: true,
      handle: (req): Action => {
        const r = records().findByKey(keyOf(req));
        if (!r) throw notFound(`DNS record ${req.params.name}.${req.params.zone} ${req.params.type}`);
        return {
          tenant: r.tenant,
          target: req.params.name,
          run: () => {
            records().delete(r.id);
            return noContent();
          },
        };
      },
    },
  ]);
}
