import { AsaClient } from './asa';
import { BnaClient } from './bna';
import { DEFAULT_READ_TIMEOUT_MS } from './call-classes';
import { ClmClient } from './clm';
import { ComputeClient } from './compute';
import type { SystemEndpoint } from './http-client';
import { InmageClient } from './inmage';
import { BackupClient } from './management/backup';
import { CmdbClient } from './management/cmdb';
import { DiscoveryClient } from './management/discovery';
import { DnsClient, type DnsService } from './management/dns';
import { isRfc2136, Rfc2136DnsClient, type Rfc2136Endpoint } from './management/dns-rfc2136';
import { EventPolicyClient } from './management/event-policy';
import { FirewallClient } from './management/firewall';
import { LdapClient, type DirectoryService } from './management/ldap';
import { isLdapDirectory, LdapDirectoryClient, type LdapDirectoryEndpoint } from './management/ldap-directory';
import { MonitoringClient } from './management/monitoring';
import { PatchClient } from './management/patch';
import { TicketingClient } from './management/ticketing';

/**
 * The provider estate's typed clients, built once per worker and shared by every activity: one connection
 * pool and one cached session per system, so a 5,000-VM failover never logs in or connects per call.
 */

export type { SystemEndpoint } from './http-client';
export type { Rfc2136Endpoint } from './management/dns-rfc2136';
export type { LdapDirectoryEndpoint } from './management/ldap-directory';

export interface EstateConfig {
  clm: SystemEndpoint;
  bna: SystemEndpoint;
  asa: SystemEndpoint;
  inmage: SystemEndpoint;
  compute: SystemEndpoint;
  monitoring: SystemEndpoint;
  eventPolicy: SystemEndpoint;
  firewall: SystemEndpoint;
  backup: SystemEndpoint;
  patch: SystemEndpoint;
  cmdb: SystemEndpoint;
  ticketing: SystemEndpoint;
  discovery: SystemEndpoint;
  /** The simulator's REST API, or a real DNS server through RFC 2136 (`kind: "rfc2136"`). */
  dns: SystemEndpoint | Rfc2136Endpoint;
  /** The simulator's REST API, or a real directory through LDAP (`kind: "ldap"`). */
  ldap: SystemEndpoint | LdapDirectoryEndpoint;
}

export interface EstateClients {
  clm: ClmClient;
  bna: BnaClient;
  asa: AsaClient;
  inmage: InmageClient;
  compute: ComputeClient;
  monitoring: MonitoringClient;
  eventPolicy: EventPolicyClient;
  firewall: FirewallClient;
  backup: BackupClient;
  patch: PatchClient;
  cmdb: CmdbClient;
  ticketing: TicketingClient;
  discovery: DiscoveryClient;
  dns: DnsService;
  ldap: DirectoryService;
  /** Logs out of every session and closes every connection pool. */
  close(): Promise<void>;
}

export function createEstateClients(config: EstateConfig): EstateClients {
  const clients = {
    clm: new ClmClient(config.clm),
    bna: new BnaClient(config.bna),
    asa: new AsaClient(config.asa),
    inmage: new InmageClient(config.inmage),
    compute: new ComputeClient(config.compute),
    monitoring: new MonitoringClient(config.monitoring),
    eventPolicy: new EventPolicyClient(config.eventPolicy),
    firewall: new FirewallClient(config.firewall),
    backup: new BackupClient(config.backup),
    patch: new PatchClient(config.patch),
    cmdb: new CmdbClient(config.cmdb),
    ticketing: new TicketingClient(config.ticketing),
    discovery: new DiscoveryClient(config.discovery),
    dns: isRfc2136(config.dns) ? new Rfc2136DnsClient(config.dns) : new DnsClient(config.dns),
    ldap: isLdapDirectory(config.ldap) ? new LdapDirectoryClient(config.ldap) : new LdapClient(config.ldap),
  };
  return {
    ...clients,
    async close() {
      await Promise.all(Object.values(clients).map((c) => c.close()));
    },
  };
}

/** Where a system is reached, for health reports: an HTTP base URL, or the DNS or directory server's address. */
export function endpointUrl(endpoint: EstateConfig[keyof EstateConfig]): string {
  if (isRfc2136(endpoint)) return `dns://${endpoint.server}:${endpoint.port ?? 53}`;
  if (isLdapDirectory(endpoint)) return endpoint.url;
  return endpoint.baseUrl;
}

/** Where each system is mounted in the simulator (`infra/sim/server.ts`). */
const SIM_MOUNTS: Record<keyof EstateConfig, string> = {
  clm: '/clm',
  bna: '/bna/bca-networks/api',
  asa: '/asa',
  inmage: '/inmage',
  compute: '/compute',
  monitoring: '/mgmt/monitoring',
  eventPolicy: '/mgmt/event-policy',
  firewall: '/mgmt/firewall',
  backup: '/mgmt/backup',
  patch: '/mgmt/patch',
  cmdb: '/mgmt/cmdb',
  ticketing: '/mgmt/ticketing',
  discovery: '/mgmt/discovery',
  dns: '/mgmt/dns',
  ldap: '/mgmt/ldap',
};

/**
 * The estate at a simulator URL. The simulator accepts any non-empty credentials; these are the ones its
 * own tests use. The timeouts are those of every endpoint (`timeoutMs` for reads, by default 30 s).
 */
export function estateConfigFromSimulator(
  simUrl: string,
  opts: Pick<SystemEndpoint, 'username' | 'password' | 'timeoutMs' | 'sideEffectTimeoutMs' | 'slowTimeoutMs'> = {},
): EstateConfig {
  const base = simUrl.replace(/\/+$/, '');
  const endpoint = (mount: string): SystemEndpoint => ({
    baseUrl: `${base}${mount}`,
    username: opts.username ?? 'lifeline',
    password: opts.password ?? 'secret',
    timeoutMs: opts.timeoutMs ?? DEFAULT_READ_TIMEOUT_MS,
    ...(opts.sideEffectTimeoutMs ? { sideEffectTimeoutMs: opts.sideEffectTimeoutMs } : {}),
    ...(opts.slowTimeoutMs ? { slowTimeoutMs: opts.slowTimeoutMs } : {}),
  });
  return Object.fromEntries(Object.entries(SIM_MOUNTS).map(([system, mount]) => [system, endpoint(mount)])) as unknown as EstateConfig;
}
