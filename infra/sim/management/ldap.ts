import { asObject, noContent, notFound, ok, read, str, type Action } from '../http';
import type { Sim } from '../state';
import { mgmtSystem, upsert, serversRoute } from './records';

/**
 * LDAP / Active Directory, `/mgmt/ldap/api/v1`: computer entries per tenant (PUT upsert, DELETE) and
 * the LDAP client configuration of each machine (TSM/BCRS: "Configure LDAP client (AIX & Linux)").
 */
export function ldapSystem(sim: Sim) {
  const entries = () => sim.state.mgmt.ldapEntries;
  const clients = () => sim.state.mgmt.ldapClients;
  const dnOf = (tenant: string, cn: string): string => `cn=${cn},ou=Computers,dc=${tenant},dc=example,dc=com`;
  return mgmtSystem(sim, 'ldap', [
    serversRoute(sim, 'ldap'),
    {
      method: 'GET',
      path: '/api/v1/tenants/:tenant/computers',
      op: 'listEntries',
      handle: (req) => read(() => ok({ items: entries().list({ tenant: req.params.tenant }) })),
    },
    {
      method: 'GET',
      path: '/api/v1/tenants/:tenant/computers/:cn',
      op: 'getEntry',
      handle: (req) =>
        read(() => {
          const r = entries().findByKey(dnOf(req.params.tenant, req.params.cn));
          if (!r) throw notFound(`LDAP entry ${req.params.cn}`);
          return ok(r);
        }, req.params.cn),
    },
    {
      method: 'PUT',
      path: '/api/v1/tenants/:tenant/computers/:cn',
      op: 'upsertEntry',
      effect: true,
      handle: (req): Action => {
        const body = asObject(req.body);
        const { tenant, cn } = req.params;
        const attrs = { ip: str(body, 'ip'), dnsHostName: str(body, 'dnsHostName'), operatingSystem: str(body, 'operatingSystem'), site: str(body, 'site') };
        return {
          tenant,
          target: cn,
          run: () => {
            const { status, record } = upsert(sim, entries(), { id: entries().nextId(), tenant, server: cn, dn: dnOf(tenant, cn), cn, objectClass: 'computer', ...attrs });
            return { status, body: record };
          },
        };
      },
    },
    {
      method: 'DELETE',
      path: '/api/v1/tenants/:tenant/computers/:cn',
      op: 'deleteEntry',
      effect: true,
      handle: (req): Action => {
        const r = entries().findByKey(dnOf(req.params.tenant, req.params.cn));
        if (!r) throw notFound(`LDAP entry ${req.params.cn}`);
        return {
          tenant: req.params.tenant,
          target: req.params.cn,
          run: () => {
            entries().delete(r.id);
            return noContent();
          },
        };
      },
    },
    {
      method: 'GET',
      path: '/api/v1/tenants/:tenant/clients',
      op: 'listClients',
      handle: (req) => read(() => ok({ items: clients().list({ tenant: req.params.tenant }) })),
    },
    {
      method: 'PUT',
      path: '/api/v1/tenants/:tenant/clients/:server',
      op: 'configureClient',
      effect: true,
      handle: (req): Action => {
        const body = asObject(req.body);
        const { tenant, server } = req.params;
        const ldapServer = str(body, 'ldapServer', true);
        const baseDn = str(body, 'baseDn') ?? `dc=${tenant},dc=example,dc=com`;
        return {
          tenant,
          target: server,
          run: () => {
            const { status, record } = upsert(sim, clients(), { id: clients().nextId(), tenant, server, ldapServer, baseDn });
            return { status, body: record };
          },
        };
      },
    },
  ]);
}
