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
import { DnsClient } from './management/dns';
import { EventPolicyClient } from './management/event-policy';
import { FirewallClient } from './management/firewall';
import { LdapClient } from './management/ldap';
import { MonitoringClient } from './management/monitoring';
import { PatchClient } from './management/patch';
import { TicketingClient } from './management/ticketing';

/**
 * The provider estate's typed clients, built once per worker and shared by every activity: one connection
 * pool and one cached session per system, so a 5,000-VM failover never logs in or connects per call.
 */

export type { SystemEndpoint } from './http-client';

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
  dns: SystemEndpoint;
  ldap: SystemEndpoint;
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
  dns: DnsClient;
  ldap: LdapClient;
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
    dns: new DnsClient(config.dns),
    ldap: new LdapClient(config.ldap),
  };
  return {
    ...clients,
    async close() {
      await Promise.all(Object.values(clients).map((c) => c.close()));
    },
  };
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
