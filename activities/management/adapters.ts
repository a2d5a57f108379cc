import type { EstateClients } from '../../infra/clients';
import type { CollectionModel, MgmtRec } from '../../domain/fixup-rules';

/**
 * How each collection of the management services is read and written through its client. The fix-up
 * computes target records with the domain rules; these turn "make this record so" into the service's own
 * verbs (FIG. 7: a monitoring agent is uninstalled and reinstalled, a backup node re-registered with another
 * server, a DNS record upserted). Every write carries the idempotency key it is given.
 */
export interface CollectionAdapter {
  list(tenant: string): Promise<MgmtRec[]>;
  create(tenant: string, want: MgmtRec, key: (action: string) => string): Promise<void>;
  update(tenant: string, have: MgmtRec, want: MgmtRec, key: (action: string) => string): Promise<void>;
  remove?(tenant: string, have: MgmtRec, key: (action: string) => string): Promise<void>;
}

const s = (v: unknown): string => String(v ?? '');
const optional = <T>(v: unknown): T | undefined => (v === undefined || v === null ? undefined : (v as T));
const asRecs = (items: object[]): MgmtRec[] => items as unknown as MgmtRec[];

/** Only the fields the caller wants changed, for a PATCH. */
function changes(have: MgmtRec, want: MgmtRec, fields: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) if (JSON.stringify(have[f]) !== JSON.stringify(want[f]) && want[f] !== undefined) out[f] = want[f];
  return out;
}

export function collectionAdapters(c: EstateClients): Record<string, CollectionAdapter> {
  const agentSpec = (tenant: string, r: MgmtRec) => ({
    tenant,
    server: s(r.server),
    serverIp: s(r.serverIp),
    agentType: s(r.agentType),
    agentId: optional<string>(r.agentId),
    monitoringServer: s(r.monitoringServer),
    eventDestination: optional<string>(r.eventDestination),
    managementGroup: optional<string>(r.managementGroup),
    status: 'ONLINE',
    rules: (r.rules ?? []) as never[],
  });
  const nodeSpec = (tenant: string, r: MgmtRec) => ({
    tenant,
    nodeName: s(r.nodeName),
    server: s(r.server),
    ip: s(r.ip),
    backupServer: s(r.backupServer),
    policyDomain: optional<string>(r.policyDomain),
    schedule: optional<string>(r.schedule),
  });
  const zonesOf = async (tenant: string) => (await c.dns.listZones()).filter((z) => z.tenant === tenant).map((z) => z.zone);

  return {
    'dns.records': {
      async list(tenant) {
        const out: MgmtRec[] = [];
        for (const zone of await zonesOf(tenant)) out.push(...asRecs(await c.dns.listRecords(zone)));
        return out;
      },
      async create(tenant, want, key) {
        await c.dns.upsertDnsRecord(s(want.zone), s(want.name), s(want.type) as 'A', { values: want.values as string[], ttl: optional<number>(want.ttl) }, key('upsert'));
      },
      async update(tenant, _have, want, key) {
        await c.dns.upsertDnsRecord(s(want.zone), s(want.name), s(want.type) as 'A', { values: want.values as string[], ttl: optional<number>(want.ttl) }, key('upsert'));
      },
      async remove(_tenant, have, key) {
        await c.dns.deleteDnsRecord(s(have.zone), s(have.name), s(have.type) as 'A', key('delete'));
      },
    },
    'ldap.entries': {
      list: async (tenant) => asRecs(await c.ldap.listComputers(tenant)),
      async create(tenant, want, key) {
        await c.ldap.upsertComputer(tenant, s(want.cn), { ip: optional(want.ip), dnsHostName: optional(want.dnsHostName), operatingSystem: optional(want.operatingSystem), site: optional(want.site) }, key('upsert'));
      },
      async update(tenant, _have, want, key) {
        await c.ldap.upsertComputer(tenant, s(want.cn), { ip: optional(want.ip), dnsHostName: optional(want.dnsHostName), operatingSystem: optional(want.operatingSystem), site: optional(want.site) }, key('upsert'));
      },
      async remove(tenant, have, key) {
        await c.ldap.deleteComputer(tenant, s(have.cn), key('delete'));
      },
    },
    'ldap.clients': {
      list: async (tenant) => asRecs(await c.ldap.listClients(tenant)),
      async create(tenant, want, key) {
        await c.ldap.configureClient(tenant, s(want.server), { ldapServer: s(want.ldapServer), baseDn: optional(want.baseDn) }, key('configure'));
      },
      async update(tenant, _have, want, key) {
        await c.ldap.configureClient(tenant, s(want.server), { ldapServer: s(want.ldapServer), baseDn: optional(want.baseDn) }, key('configure'));
      },
    },
    'firewall.rules': {
      list: async (tenant) => asRecs(await c.firewall.listRules({ tenant })),
      async create(tenant, want, key) {
        await c.firewall.createRule(
          {
            tenant, name: s(want.name), source: s(want.source), destination: s(want.destination), protocol: optional(want.protocol), port: optional(want.port),
            action: optional(want.action), direction: optional(want.direction), server: optional(want.server),
          },
          key('create'),
        );
      },
      async update(_tenant, have, want, key) {
        await c.firewall.updateRule(s(have.id), changes(have, want, ['source', 'destination', 'protocol', 'port', 'action', 'direction']), key('readdress'));
      },
      async remove(_tenant, have, key) {
        await c.firewall.deleteRule(s(have.id), key('delete'));
      },
    },
    'backup.nodes': {
      list: async (tenant) => asRecs(await c.backup.listNodes({ tenant })),
      async create(tenant, want, key) {
        await c.backup.registerNode(nodeSpec(tenant, want), key('register'));
      },
      async update(tenant, have, want, key) {
        // Another backup server: the node is registered there anew (TSM: create and register the node).
        if (have.backupServer !== want.backupServer) {
          await c.backup.deregisterNode(s(have.id), key('deregister'));
          await c.backup.registerNode(nodeSpec(tenant, want), key('register'));
          return;
        }
        await c.backup.updateNode(s(have.id), changes(have, want, ['server', 'ip', 'policyDomain', 'schedule']), key('update'));
      },
      async remove(_tenant, have, key) {
        await c.backup.deregisterNode(s(have.id), key('deregister'));
      },
    },
    'monitoring.agents': {
      list: async (tenant) => asRecs(await c.monitoring.listAgents({ tenant })),
      async create(tenant, want, key) {
        await c.monitoring.installAgent(agentSpec(tenant, want), key('install'));
      },
      // FIG. 7 (706, 708): uninstall the agent and its rules, reinstall under the new identity with the rules.
      async update(tenant, have, want, key) {
        await c.monitoring.uninstallAgent(s(have.id), key('uninstall'));
        await c.monitoring.installAgent(agentSpec(tenant, want), key('install'));
      },
      async remove(_tenant, have, key) {
        await c.monitoring.uninstallAgent(s(have.id), key('uninstall'));
      },
    },
    'event-policy.serverMap': {
      list: async (tenant) => asRecs(await c.eventPolicy.listServerMappings({ tenant })),
      async create(tenant, want, key) {
        await c.eventPolicy.upsertServerMapping(s(want.customerId), s(want.serverIp), { tenant, server: optional(want.server) }, key('map'));
      },
      // FIG. 10 (1010): the entry under the replica's address; the old address's entry goes.
      async update(tenant, have, want, key) {
        await c.eventPolicy.upsertServerMapping(s(want.customerId), s(want.serverIp), { tenant, server: optional(want.server) }, key('map'));
        if (have.serverIp !== want.serverIp) await c.eventPolicy.deleteServerMapping(s(have.customerId), s(have.serverIp), key(`unmap:${s(have.serverIp)}`));
      },
      async remove(_tenant, have, key) {
        await c.eventPolicy.deleteServerMapping(s(have.customerId), s(have.serverIp), key(`unmap:${s(have.serverIp)}`));
      },
    },
    'event-policy.routing': {
      list: async (tenant) => asRecs(await c.eventPolicy.listRouting({ tenant })),
      async create(tenant, want, key) {
        await c.eventPolicy.upsertRouting(
          { customerId: s(want.customerId), eventId: s(want.eventId), severity: s(want.eventSeverity) },
          { ticketSeverity: Number(want.ticketSeverity), handlerPool: s(want.handlerPool), ticketingSystem: s(want.ticketingSystem), tenant },
          key('route'),
        );
      },
      async update(tenant, _have, want, key) {
        await c.eventPolicy.upsertRouting(
          { customerId: s(want.customerId), eventId: s(want.eventId), severity: s(want.eventSeverity) },
          { ticketSeverity: Number(want.ticketSeverity), handlerPool: s(want.handlerPool), ticketingSystem: s(want.ticketingSystem), tenant },
          key('route'),
        );
      },
    },
    'patching.agents': {
      list: async (tenant) => asRecs(await c.patch.listAgents({ tenant })),
      async create(tenant, want, key) {
        await c.patch.registerAgent(
          {
            tenant, server: s(want.server), ip: s(want.ip), patchServer: s(want.patchServer), patchLevel: optional(want.patchLevel), patchGroup: optional(want.patchGroup),
            priority: optional(want.priority), schedule: optional(want.schedule), patchingEnabled: optional(want.patchingEnabled),
          },
          key('register'),
        );
      },
      async update(_tenant, have, want, key) {
        await c.patch.updateAgent(s(have.id), changes(have, want, ['ip', 'patchServer', 'patchLevel', 'patchGroup', 'priority', 'schedule', 'patchingEnabled']), key('repoint'));
      },
      async remove(_tenant, have, key) {
        await c.patch.deregisterAgent(s(have.id), key('deregister'));
      },
    },
    'cmdb.cis': {
      list: async (tenant) => asRecs(await c.cmdb.listCis({ tenant })),
      async create(tenant, want, key) {
        await c.cmdb.createCi(
          { tenant, name: s(want.name), className: s(want.className), server: optional(want.server), ip: optional(want.ip), site: optional(want.site), status: optional(want.status), attributes: optional(want.attributes) },
          key('create'),
        );
      },
      async update(_tenant, have, want, key) {
        await c.cmdb.updateCi(s(have.id), changes(have, want, ['ip', 'site', 'className', 'status', 'attributes']), key('adjust'));
      },
      async remove(_tenant, have, key) {
        await c.cmdb.deleteCi(s(have.id), key('delete'));
      },
    },
    'asset.assets': {
      list: async (tenant) => asRecs(await c.cmdb.listAssets({ tenant })),
      async create(tenant, want, key) {
        await c.cmdb.createAsset(
          { tenant, assetTag: s(want.assetTag), server: optional(want.server), ciId: optional(want.ciId), location: optional(want.location), status: optional(want.status), owner: optional(want.owner) },
          key('create'),
        );
      },
      async update(_tenant, have, want, key) {
        await c.cmdb.updateAsset(s(have.id), changes(have, want, ['server', 'ciId', 'location', 'status', 'owner']), key('adjust'));
      },
      async remove(_tenant, have, key) {
        await c.cmdb.deleteAsset(s(have.id), key('delete'));
      },
    },
    'ticketing.resources': {
      list: async (tenant) => asRecs(await c.ticketing.listResources({ tenant })),
      async create(tenant, want, key) {
        await c.ticketing.createResource(
          { tenant, server: s(want.server), ip: s(want.ip), customerId: optional(want.customerId), supportGroup: optional(want.supportGroup), site: optional(want.site) },
          key('create'),
        );
      },
      async update(_tenant, have, want, key) {
        await c.ticketing.updateResource(s(have.id), changes(have, want, ['ip', 'customerId', 'supportGroup', 'site']), key('adjust'));
      },
      async remove(_tenant, have, key) {
        await c.ticketing.deleteResource(s(have.id), key('delete'));
      },
    },
  };
}

/** The adapter of a model (every model in COLLECTIONS has one). */
export function adapterFor(adapters: Record<string, CollectionAdapter>, model: CollectionModel): CollectionAdapter {
  const a = adapters[model.id];
  if (!a) throw new Error(`no adapter for ${model.id}`);
  return a;
}
