import type { SystemEndpoint } from '../http-client';
import { ManagementClient, seg, type MgmtRecord, type Upserted } from './base';
import type { ProviderServer } from './monitoring';

/** LDAP / Active Directory: computer entries per tenant and each machine's LDAP client configuration. */

export interface ComputerEntry extends MgmtRecord {
  dn: string;
  cn: string;
  objectClass: string;
  ip?: string;
  dnsHostName?: string;
  operatingSystem?: string;
  site?: string;
}

export interface LdapClientConfig extends MgmtRecord {
  server: string;
  ldapServer: string;
  baseDn: string;
}

/**
 * What Lifeline asks of a directory, whichever speaks it: the simulator's REST API (`LdapClient`) or a real
 * directory server through LDAP (`LdapDirectoryClient`).
 */
export interface DirectoryService {
  listComputers(tenant: string): Promise<ComputerEntry[]>;
  getComputer(tenant: string, cn: string): Promise<ComputerEntry | null>;
  upsertComputer(tenant: string, cn: string, attrs: ComputerAttributes, idempotencyKey: string): Promise<Upserted<ComputerEntry>>;
  /** False when already gone. */
  deleteComputer(tenant: string, cn: string, idempotencyKey: string): Promise<boolean>;
  listClients(tenant: string): Promise<LdapClientConfig[]>;
  configureClient(tenant: string, server: string, spec: { ldapServer: string; baseDn?: string }, idempotencyKey: string): Promise<Upserted<LdapClientConfig>>;
  /** The provider's servers of this service, by site. */
  listServers(): Promise<ProviderServer[]>;
  close(): Promise<void>;
}

export interface ComputerAttributes {
  ip?: string;
  dnsHostName?: string;
  operatingSystem?: string;
  site?: string;
}

export class LdapClient extends ManagementClient implements DirectoryService {
  constructor(endpoint: SystemEndpoint) {
    super('ldap', endpoint);
  }

  listComputers(tenant: string): Promise<ComputerEntry[]> {
    return this.list('listEntries', `/tenants/${seg(tenant)}/computers`);
  }

  getComputer(tenant: string, cn: string): Promise<ComputerEntry | null> {
    return this.get('getEntry', `/tenants/${seg(tenant)}/computers/${seg(cn)}`);
  }

  /** Creates or updates a computer entry (idempotent by nature). */
  upsertComputer(
    tenant: string,
    cn: string,
    attrs: ComputerAttributes,
    idempotencyKey: string,
  ): Promise<Upserted<ComputerEntry>> {
    return this.put('upsertEntry', `/tenants/${seg(tenant)}/computers/${seg(cn)}`, attrs, idempotencyKey);
  }

  /** False when already gone. */
  deleteComputer(tenant: string, cn: string, idempotencyKey: string): Promise<boolean> {
    return this.remove('deleteEntry', `/tenants/${seg(tenant)}/computers/${seg(cn)}`, idempotencyKey);
  }

  listClients(tenant: string): Promise<LdapClientConfig[]> {
    return this.list('listClients', `/tenants/${seg(tenant)}/clients`);
  }

  /** Points a machine's LDAP client at a directory server (PUT upsert). */
  configureClient(tenant: string, server: string, spec: { ldapServer: string; baseDn?: string }, idempotencyKey: string): Promise<Upserted<LdapClientConfig>> {
    return this.put('configureClient', `/tenants/${seg(tenant)}/clients/${seg(server)}`, spec, idempotencyKey);
  }

  /** The provider's servers of this service, by site (the DR site's among them). */
  listServers(): Promise<ProviderServer[]> {
    return this.list('listServers', '/servers');
  }
}
