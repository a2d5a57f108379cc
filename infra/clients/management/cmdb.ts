import type { SystemEndpoint } from '../http-client';
import { ManagementClient, seg, type Created, type MgmtRecord } from './base';

/** CMDB and asset management: configuration items per machine and the asset records pointing at them. */

export interface ConfigurationItem extends MgmtRecord {
  name: string;
  server: string;
  className: string;
  ip?: string;
  site?: string;
  status: string;
  attributes?: Record<string, unknown>;
  lastDiscoveredAt?: string;
}

export interface ConfigurationItemSpec {
  tenant: string;
  name: string;
  className: string;
  server?: string;
  ip?: string;
  site?: string;
  status?: string;
  attributes?: Record<string, unknown>;
}

export interface AssetRecord extends MgmtRecord {
  assetTag: string;
  ciId?: string;
  location?: string;
  status?: string;
  owner?: string;
}

export interface AssetRecordSpec {
  tenant: string;
  assetTag: string;
  server?: string;
  ciId?: string;
  location?: string;
  status?: string;
  owner?: string;
}

export class CmdbClient extends ManagementClient {
  constructor(endpoint: SystemEndpoint) {
    super('cmdb', endpoint);
  }

  listCis(filter: { tenant?: string; server?: string; className?: string; site?: string; status?: string; name?: string } = {}): Promise<ConfigurationItem[]> {
    return this.list('listCis', '/cis', filter);
  }

  getCi(id: string): Promise<ConfigurationItem | null> {
    return this.get('getCi', `/cis/${seg(id)}`);
  }

  /** Same tenant+name = already exists → that CI. */
  createCi(spec: ConfigurationItemSpec, idempotencyKey: string): Promise<Created<ConfigurationItem>> {
    return this.create('createCi', '/cis', spec, idempotencyKey);
  }

  /** Adjusts a CI (IP, site, status) after failover or failback. */
  updateCi(id: string, change: Partial<Omit<ConfigurationItemSpec, 'tenant'>>, idempotencyKey: string): Promise<ConfigurationItem> {
    return this.update('updateCi', `/cis/${seg(id)}`, change, idempotencyKey);
  }

  /** False when already gone. */
  deleteCi(id: string, idempotencyKey: string): Promise<boolean> {
    return this.remove('deleteCi', `/cis/${seg(id)}`, idempotencyKey);
  }

  listAssets(filter: { tenant?: string; server?: string; assetTag?: string; location?: string; status?: string } = {}): Promise<AssetRecord[]> {
    return this.list('listAssets', '/assets', filter);
  }

  getAsset(id: string): Promise<AssetRecord | null> {
    return this.get('getAsset', `/assets/${seg(id)}`);
  }

  /** Same asset tag = already exists → that record. */
  createAsset(spec: AssetRecordSpec, idempotencyKey: string): Promise<Created<AssetRecord>> {
    return this.create('createAsset', '/assets', spec, idempotencyKey);
  }

  /** Adjusts an asset record (location, status). */
  updateAsset(id: string, change: Partial<Omit<AssetRecordSpec, 'tenant'>>, idempotencyKey: string): Promise<AssetRecord> {
    return this.update('updateAsset', `/assets/${seg(id)}`, change, idempotencyKey);
  }

  /** False when already gone. */
  deleteAsset(id: string, idempotencyKey: string): Promise<boolean> {
    return this.remove('deleteAsset', `/assets/${seg(id)}`, idempotencyKey);
  }
}
