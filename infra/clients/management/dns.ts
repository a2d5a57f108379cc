import type { SystemEndpoint } from '../http-client';
import { ManagementClient, seg, type MgmtRecord, type Upserted } from './base';
import type { ProviderServer } from './monitoring';

/** DNS: records per zone by name and type; PUT upserts (point a name at the DR address and back). */

export type DnsRecordType = 'A' | 'AAAA' | 'CNAME' | 'PTR' | 'TXT';

export interface DnsRecord extends MgmtRecord {
  zone: string;
  name: string;
  type: DnsRecordType;
  values: string[];
  ttl: number;
}

/**
 * What Lifeline asks of a DNS service, whichever speaks it: the simulator's REST API (`DnsClient`) or a real
 * server through RFC 2136 (`Rfc2136DnsClient`).
 */
export interface DnsService {
  listZones(): Promise<{ zone: string; tenant: string }[]>;
  listRecords(zone: string, filter?: { name?: string; type?: DnsRecordType }): Promise<DnsRecord[]>;
  getDnsRecord(zone: string, name: string, type: DnsRecordType): Promise<DnsRecord | null>;
  /** Creates or replaces a record set: these values, this TTL. */
  upsertDnsRecord(zone: string, name: string, type: DnsRecordType, spec: { values: string[]; ttl?: number; tenant?: string }, idempotencyKey: string): Promise<Upserted<DnsRecord>>;
  /** False when already gone. */
  deleteDnsRecord(zone: string, name: string, type: DnsRecordType, idempotencyKey: string): Promise<boolean>;
  /** The provider's servers of this service, by site. */
  listServers(): Promise<ProviderServer[]>;
  close(): Promise<void>;
}

export class DnsClient extends ManagementClient implements DnsService {
  constructor(endpoint: SystemEndpoint) {
    super('dns', endpoint);
  }

  listZones(): Promise<{ zone: string; tenant: string }[]> {
    return this.list('listZones', '/zones');
  }

  listRecords(zone: string, filter: { name?: string; type?: DnsRecordType } = {}): Promise<DnsRecord[]> {
    return this.list('listRecords', `/zones/${seg(zone)}/records`, filter);
  }

  getDnsRecord(zone: string, name: string, type: DnsRecordType): Promise<DnsRecord | null> {
    return this.get('getRecord', `/zones/${seg(zone)}/records/${seg(name)}/${type}`);
  }

  /** Creates or replaces a record (idempotent by nature). */
  upsertDnsRecord(
    zone: string,
    name: string,
    type: DnsRecordType,
    spec: { values: string[]; ttl?: number; tenant?: string },
    idempotencyKey: string,
  ): Promise<Upserted<DnsRecord>> {
    return this.put('upsertRecord', `/zones/${seg(zone)}/records/${seg(name)}/${type}`, spec, idempotencyKey);
  }

  /** False when already gone. */
  deleteDnsRecord(zone: string, name: string, type: DnsRecordType, idempotencyKey: string): Promise<boolean> {
    return this.remove('deleteRecord', `/zones/${seg(zone)}/records/${seg(name)}/${type}`, idempotencyKey);
  }

  /** The provider's servers of this service, by site (the DR site's among them). */
  listServers(): Promise<ProviderServer[]> {
    return this.list('listServers', '/servers');
  }
}
