import { readFileSync } from 'node:fs';
import { AlreadyExistsError, Attribute, Change, Client, NoSuchObjectError, ResultCodeError, type Entry } from 'ldapts';
import { requireKey } from '../session';
import { systemFailure, type SystemErrorKind } from '../system-error';
import type { Upserted } from './base';
import type { ComputerAttributes, ComputerEntry, DirectoryService, LdapClientConfig } from './ldap';
import type { ProviderServer } from './monitoring';

/**
 * A real directory server over LDAP (OpenLDAP; Active Directory with the same standard schemas). Each tenant
 * is `dc=<tenant>,<baseDn>`; its machines are entries `cn=<vm>,ou=Computers` of the standard classes `device`
 * with `ipHost` (RFC 2307: `ipHostNumber`) and `domainRelatedObject` (`associatedDomain`: the DNS host name),
 * the site in `l` and the operating system in `description`; each machine's LDAP client binding is an RFC 4876
 * profile `cn=<vm>,ou=Profiles` (`DUAConfigProfile`: `preferredServerList`, `defaultSearchBase`). The directory
 * keeps no idempotency store: every write reads the entry first and sends nothing when it already holds the
 * values asked for; a missing tenant or container entry is created on the way.
 */
export interface LdapDirectoryEndpoint {
  kind: 'ldap';
  /** `ldap://host:port` or `ldaps://host:port`. */
  url: string;
  bindDn: string;
  password: string;
  /** Under which the tenants' entries live (`dc=example,dc=com`: `dc=<tenant>,dc=example,dc=com`). */
  baseDn: string;
  /** How long one operation may take (default 10 s). */
  timeoutMs?: number;
  tls?: { caFile?: string; rejectUnauthorized?: boolean };
  /** The provider's directory servers by site (the simulator lists them; a real estate names them here). */
  servers?: { name: string; site: string; ip?: string }[];
}

export const isLdapDirectory = (e: unknown): e is LdapDirectoryEndpoint => typeof e === 'object' && e !== null && (e as { kind?: unknown }).kind === 'ldap';

const COMPUTERS = 'Computers';
const PROFILES = 'Profiles';
const STAMPS = ['createTimestamp', 'modifyTimestamp'];
const COMPUTER_ATTRS = ['cn', 'objectClass', 'ipHostNumber', 'associatedDomain', 'l', 'description', ...STAMPS];
const PROFILE_ATTRS = ['cn', 'preferredServerList', 'defaultSearchBase', ...STAMPS];

export class LdapDirectoryClient implements DirectoryService {
  private readonly timeoutMs: number;

  constructor(private readonly endpoint: LdapDirectoryEndpoint) {
    if (!/^ldaps?:\/\//.test(endpoint.url ?? '')) throw new Error('ldap.url must be an ldap:// or ldaps:// URL');
    for (const f of ['bindDn', 'password', 'baseDn'] as const) if (typeof endpoint[f] !== 'string' || endpoint[f] === '') throw new Error(`ldap.${f} is required`);
    this.timeoutMs = endpoint.timeoutMs ?? 10_000;
  }

  listComputers(tenant: string): Promise<ComputerEntry[]> {
    return this.session('listEntries', async (c) => (await children(c, this.container(tenant, COMPUTERS), '(objectClass=device)', COMPUTER_ATTRS)).map((e) => computerOf(tenant, e)));
  }

  getComputer(tenant: string, cn: string): Promise<ComputerEntry | null> {
    return this.session('getEntry', async (c) => {
      const e = await entry(c, this.computerDn(tenant, cn), COMPUTER_ATTRS);
      return e ? computerOf(tenant, e) : null;
    });
  }

  upsertComputer(tenant: string, cn: string, attrs: ComputerAttributes, idempotencyKey: string): Promise<Upserted<ComputerEntry>> {
    requireKey('ldap', 'upsertEntry', idempotencyKey);
    const dn = this.computerDn(tenant, cn);
    const want: Record<string, string[]> = {
      objectClass: ['device', ...(attrs.ip ? ['ipHost'] : []), ...(attrs.dnsHostName ? ['domainRelatedObject'] : [])],
      ipHostNumber: attrs.ip ? [attrs.ip] : [],
      associatedDomain: attrs.dnsHostName ? [attrs.dnsHostName] : [],
      l: attrs.site ? [attrs.site] : [],
      description: attrs.operatingSystem ? [attrs.operatingSystem] : [],
    };
    return this.session('upsertEntry', async (c) => {
      const created = await this.makeSo(c, dn, { cn: [cn], ...want }, want, [tenant, COMPUTERS]);
      return { record: computerOf(tenant, (await entry(c, dn, COMPUTER_ATTRS)) as Entry), created };
    });
  }

  deleteComputer(tenant: string, cn: string, idempotencyKey: string): Promise<boolean> {
    requireKey('ldap', 'deleteEntry', idempotencyKey);
    return this.session('deleteEntry', async (c) => {
      try {
        await c.del(this.computerDn(tenant, cn));
        return true;
      } catch (err) {
        if (err instanceof NoSuchObjectError) return false;
        throw err;
      }
    });
  }

  listClients(tenant: string): Promise<LdapClientConfig[]> {
    return this.session('listClients', async (c) => (await children(c, this.container(tenant, PROFILES), '(objectClass=DUAConfigProfile)', PROFILE_ATTRS)).map((e) => profileOf(tenant, e)));
  }

  configureClient(tenant: string, server: string, spec: { ldapServer: string; baseDn?: string }, idempotencyKey: string): Promise<Upserted<LdapClientConfig>> {
    requireKey('ldap', 'configureClient', idempotencyKey);
    if (typeof spec.ldapServer !== 'string' || spec.ldapServer === '') throw systemFailure('ldap', 'configureClient', 'invalid', 'ldapServer is required');
    const dn = this.profileDn(tenant, server);
    const want = { preferredServerList: [spec.ldapServer], defaultSearchBase: [spec.baseDn ?? this.tenantDn(tenant)] };
    return this.session('configureClient', async (c) => {
      const created = await this.makeSo(c, dn, { objectClass: ['DUAConfigProfile'], cn: [server], ...want }, want, [tenant, PROFILES]);
      return { record: profileOf(tenant, (await entry(c, dn, PROFILE_ATTRS)) as Entry), created };
    });
  }

  async listServers(): Promise<ProviderServer[]> {
    return (this.endpoint.servers ?? []).map((s) => ({ id: s.name, tenant: null, service: 'ldap', name: s.name, site: s.site, ip: s.ip ?? '', createdAt: '', updatedAt: '' }));
  }

  async close(): Promise<void> {
    // Every operation opens and closes its own connection: nothing is held between calls.
  }

  private tenantDn(tenant: string): string {
    return `dc=${escapeDn(tenant)},${this.endpoint.baseDn}`;
  }

  private container(tenant: string, ou: string): string {
    return `ou=${ou},${this.tenantDn(tenant)}`;
  }

  private computerDn(tenant: string, cn: string): string {
    return `cn=${escapeDn(cn)},${this.container(tenant, COMPUTERS)}`;
  }

  private profileDn(tenant: string, server: string): string {
    return `cn=${escapeDn(server)},${this.container(tenant, PROFILES)}`;
  }

  /**
   * Reads the entry and makes it hold `want` (attributes with no values are removed): an add when it is
   * missing (its tenant and container created first if they are), a modify when it differs, nothing when
   * it already holds them. True when it added the entry.
   */
  private async makeSo(c: Client, dn: string, full: Record<string, string[]>, want: Record<string, string[]>, [tenant, ou]: [string, string]): Promise<boolean> {
    const have = await entry(c, dn, Object.keys(want));
    if (!have) {
      const attrs = Object.fromEntries(Object.entries(full).filter(([, v]) => v.length > 0));
      try {
        await c.add(dn, attrs);
      } catch (err) {
        if (err instanceof AlreadyExistsError) return this.makeSo(c, dn, full, want, [tenant, ou]);
        if (!(err instanceof NoSuchObjectError)) throw err;
        await ensure(c, this.tenantDn(tenant), { objectClass: ['domain'], dc: [tenant] });
        await ensure(c, this.container(tenant, ou), { objectClass: ['organizationalUnit'], ou: [ou] });
        await c.add(dn, attrs);
      }
      return true;
    }
    const changes = Object.entries(want)
      .filter(([type, values]) => !sameValues(valuesOf(have, type), values))
      .map(([type, values]) => new Change({ operation: 'replace', modification: new Attribute({ type, values }) }));
    if (changes.length > 0) await c.modify(dn, changes);
    return false;
  }

  /** One bound connection for one operation; the directory's errors classified once, here. */
  private async session<T>(op: string, fn: (c: Client) => Promise<T>): Promise<T> {
    const tls = this.endpoint.tls;
    const client = new Client({
      url: this.endpoint.url,
      timeout: this.timeoutMs,
      connectTimeout: this.timeoutMs,
      ...(tls ? { tlsOptions: { ...(tls.caFile ? { ca: readFileSync(tls.caFile) } : {}), rejectUnauthorized: tls.rejectUnauthorized ?? true } } : {}),
    });
    try {
      await client.bind(this.endpoint.bindDn, this.endpoint.password);
      return await fn(client);
    } catch (err) {
      throw this.failure(op, err);
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  private failure(op: string, err: unknown) {
    const message = (err instanceof Error ? err.message : String(err)).trim();
    if (err instanceof ResultCodeError) return systemFailure('ldap', op, kindOfResult(err.code), `${this.endpoint.url} answered ${err.name} (${err.code}): ${message}`);
    return systemFailure('ldap', op, 'transient', `${this.endpoint.url}: ${message}`);
  }
}

/** LDAP result codes: busy, unavailable and the like may pass; the rest is the directory's final word. */
function kindOfResult(code: number): SystemErrorKind {
  if ([3, 11, 51, 52, 80].includes(code)) return 'transient';
  if (code === 49) return 'unauthorized';
  if (code === 50) return 'forbidden';
  if (code === 32) return 'not-found';
  if (code === 68) return 'conflict';
  return 'invalid';
}

async function entry(c: Client, dn: string, attributes: string[]): Promise<Entry | null> {
  try {
    const { searchEntries } = await c.search(dn, { scope: 'base', filter: '(objectClass=*)', attributes });
    return searchEntries[0] ?? null;
  } catch (err) {
    if (err instanceof NoSuchObjectError) return null;
    throw err;
  }
}

async function children(c: Client, base: string, filter: string, attributes: string[]): Promise<Entry[]> {
  try {
    return (await c.search(base, { scope: 'one', filter, attributes, paged: true })).searchEntries;
  } catch (err) {
    if (err instanceof NoSuchObjectError) return [];
    throw err;
  }
}

async function ensure(c: Client, dn: string, attrs: Record<string, string[]>): Promise<void> {
  try {
    await c.add(dn, attrs);
  } catch (err) {
    if (!(err instanceof AlreadyExistsError)) throw err;
  }
}

function valuesOf(e: Entry, type: string): string[] {
  const key = Object.keys(e).find((k) => k.toLowerCase() === type.toLowerCase());
  const v = key === undefined ? [] : e[key];
  return (Array.isArray(v) ? v : [v]).map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : String(x)));
}

const first = (e: Entry, type: string): string | undefined => valuesOf(e, type)[0];
const sameValues = (a: string[], b: string[]): boolean => a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');

/** `20261201053000Z` → ISO 8601. */
function isoOf(stamp: string | undefined): string {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})/.exec(stamp ?? '');
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z` : '';
}

function computerOf(tenant: string, e: Entry): ComputerEntry {
  const cn = first(e, 'cn') ?? '';
  const optional = (type: string) => first(e, type);
  return {
    id: e.dn, tenant, server: cn, dn: e.dn, cn, objectClass: 'device',
    ...(optional('ipHostNumber') !== undefined ? { ip: optional('ipHostNumber') } : {}),
    ...(optional('associatedDomain') !== undefined ? { dnsHostName: optional('associatedDomain') } : {}),
    ...(optional('description') !== undefined ? { operatingSystem: optional('description') } : {}),
    ...(optional('l') !== undefined ? { site: optional('l') } : {}),
    createdAt: isoOf(first(e, 'createTimestamp')), updatedAt: isoOf(first(e, 'modifyTimestamp')),
  };
}

function profileOf(tenant: string, e: Entry): LdapClientConfig {
  const cn = first(e, 'cn') ?? '';
  return {
    id: e.dn, tenant, server: cn, ldapServer: first(e, 'preferredServerList') ?? '', baseDn: first(e, 'defaultSearchBase') ?? '',
    createdAt: isoOf(first(e, 'createTimestamp')), updatedAt: isoOf(first(e, 'modifyTimestamp')),
  };
}

/** An attribute value inside a DN (RFC 4514). */
function escapeDn(value: string): string {
  return value.replace(/[,+"\\<>;=]/g, (c) => `\\${c}`).replace(/^[ #]/, (c) => `\\${c}`).replace(/ $/, '\\ ');
}
