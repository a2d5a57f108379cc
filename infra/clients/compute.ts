import { SystemHttpClient, type SystemEndpoint, type SystemRequest, type SystemResponse } from './http-client';
import { Session, basicAuthHeader, callInSession, isCapacityCode, requireKey } from './session';
import { systemFailure, type SystemErrorKind } from './system-error';

/**
 * DR compute (vCenter-like, vSphere Automation REST style): site capacity, VMs, power, guest heartbeat,
 * guest networking (re-IP) and VM removal.
 *
 * Session: `POST /api/session` with Basic → session id sent as `vmware-api-session-id`, cached; one re-login
 * on a 401. Errors `{ error_type, messages: [{ default_message }] }`; a power-on that does not fit the site's
 * free capacity (422 UNABLE_TO_ALLOCATE_RESOURCE) fails as `exhausted`.
 */

export interface SiteCapacity {
  site: string;
  kind: 'primary' | 'dr';
  tenant: string | null;
  down: boolean;
  capacity: { vcpu: number; memoryGb: number; storageGb: number; masterTargetSlots: number } | null;
  used: { vcpu: number; memoryGb: number; storageGb: number; masterTargets: number };
  free: { vcpu: number; memoryGb: number; storageGb: number; masterTargetSlots: number } | null;
}

export type PowerState = 'POWERED_ON' | 'POWERED_OFF';
export type Heartbeat = 'GREEN' | 'GRAY' | 'RED';

export interface VmSummary {
  vm: string;
  name: string;
  powerState: PowerState;
  cpuCount: number;
  memoryMiB: number;
  site: string;
  /** The tenant. */
  folder: string;
}

export interface VmNic {
  nic: string;
  label: string;
  ip: string;
  prefixLength: number;
  gateway: string;
  network: string;
}

export interface VmDetail extends VmSummary {
  guestOs: string;
  hostname: string;
  disks: { disk: string; label: string; volume: string; capacityBytes: number }[];
  nics: VmNic[];
  heartbeat: Heartbeat;
  origin: 'primary' | 'recovered' | 'drill' | string;
  recoveryPoint: Record<string, unknown> | null;
  createdAt: string;
}

export interface GuestIdentity {
  osName: string;
  hostName: string;
  ipAddress: string | null;
}

export interface NicChange {
  ip: string;
  prefixLength?: number;
  gateway?: string;
  network?: string;
  name?: string;
}

type Raw = Record<string, unknown>;

interface VcError {
  error_type?: string;
  messages?: { default_message?: string }[];
}

function describe(body: unknown): string | undefined {
  const e = body as VcError | undefined;
  const text = e?.messages?.[0]?.default_message;
  if (!text) return undefined;
  return e?.error_type ? `${e.error_type}: ${text}` : text;
}

function classify(status: number, body: unknown): SystemErrorKind | undefined {
  return status === 422 && isCapacityCode((body as VcError | undefined)?.error_type) ? 'exhausted' : undefined;
}

function toSummary(raw: Raw): VmSummary {
  return {
    vm: String(raw.vm),
    name: String(raw.name),
    powerState: raw.power_state as PowerState,
    cpuCount: Number(raw.cpu_count),
    memoryMiB: Number(raw.memory_size_MiB),
    site: String(raw.site),
    folder: String(raw.folder),
  };
}

function toDetail(raw: Raw): VmDetail {
  const disks = (raw.disks as Raw[] | undefined) ?? [];
  const nics = (raw.nics as Raw[] | undefined) ?? [];
  return {
    ...toSummary(raw),
    guestOs: String(raw.guest_OS),
    hostname: String(raw.hostname),
    disks: disks.map((d) => ({ disk: String(d.disk), label: String(d.label), volume: String(d.volume), capacityBytes: Number(d.capacity) })),
    nics: nics.map((n) => ({
      nic: String(n.nic),
      label: String(n.label),
      ip: String(n.ip_address),
      prefixLength: Number(n.prefix_length),
      gateway: String(n.gateway),
      network: String(n.network),
    })),
    heartbeat: raw.guest_heartbeat as Heartbeat,
    origin: String(raw.origin),
    recoveryPoint: (raw.recovery_point as Raw | null) ?? null,
    createdAt: String(raw.created_at),
  };
}

const seg = encodeURIComponent;

export class ComputeClient {
  private readonly http: SystemHttpClient;
  readonly session: Session;

  constructor(endpoint: SystemEndpoint) {
    this.http = new SystemHttpClient('compute', endpoint, describe, classify);
    const basic = basicAuthHeader(endpoint.username, endpoint.password);
    this.session = new Session(
      async () => {
        const res = await this.http.call<unknown>({ op: 'createSession', method: 'POST', path: '/api/session', headers: { authorization: basic } });
        if (typeof res.body !== 'string' || !res.body) throw systemFailure('compute', 'createSession', 'unauthorized', 'session answered without an id');
        return res.body;
      },
      async (sid) => {
        await this.http.call({ op: 'deleteSession', method: 'DELETE', path: '/api/session', headers: { 'vmware-api-session-id': sid } });
      },
    );
  }

  private call<T = unknown>(req: SystemRequest): Promise<SystemResponse<T>> {
    return callInSession<T>(this.http, this.session, (sid) => ({ 'vmware-api-session-id': sid }), req);
  }

  private effect<T = unknown>(req: SystemRequest & { idempotencyKey: string }): Promise<SystemResponse<T>> {
    requireKey('compute', req.op, req.idempotencyKey);
    return this.call<T>(req);
  }

  async listSites(): Promise<SiteCapacity[]> {
    const res = await this.call<SiteCapacity[]>({ op: 'listSites', method: 'GET', path: '/api/sites' });
    return res.body;
  }

  /** A site's capacity, use and free vCPU / memory / storage / master-target slots. */
  async getCapacity(site: string): Promise<SiteCapacity> {
    const res = await this.call<SiteCapacity>({ op: 'getCapacity', method: 'GET', path: `/api/sites/${seg(site)}/capacity` });
    return res.body;
  }

  async listVms(filter: { tenants?: string[]; names?: string[]; sites?: string[]; powerStates?: PowerState[] } = {}): Promise<VmSummary[]> {
    const csv = (v?: string[]): string | undefined => (v && v.length ? v.join(',') : undefined);
    const res = await this.call<Raw[]>({
      op: 'listVms',
      method: 'GET',
      path: '/api/vcenter/vm',
      query: { folders: csv(filter.tenants), names: csv(filter.names), sites: csv(filter.sites), power_states: csv(filter.powerStates) },
    });
    return res.body.map(toSummary);
  }

  /** The tenant's VM of that name at a site (e.g. the recovered copy at the DR site), or null. */
  async findVm(tenant: string, name: string, site: string): Promise<VmSummary | null> {
    const [vm] = await this.listVms({ tenants: [tenant], names: [name], sites: [site] });
    return vm ?? null;
  }

  async getVm(vmId: string): Promise<VmDetail | null> {
    const res = await this.call<Raw>({ op: 'getVm', method: 'GET', path: `/api/vcenter/vm/${seg(vmId)}`, accept: [404] });
    return res.status === 404 ? null : toDetail(res.body);
  }

  async getPowerState(vmId: string): Promise<PowerState> {
    const res = await this.call<{ state: PowerState }>({ op: 'getPower', method: 'GET', path: `/api/vcenter/vm/${seg(vmId)}/power` });
    return res.body.state;
  }

  /**
   * Powers a VM on (the guest heartbeat turns GREEN once it has booted). Already on (409) counts as
   * success (`alreadyInState`). Not enough free capacity at the site → `exhausted`; site unreachable → retryable.
   */
  async powerOn(vmId: string, idempotencyKey: string): Promise<{ alreadyInState: boolean }> {
    const res = await this.effect({ op: 'powerOn', method: 'POST', path: `/api/vcenter/vm/${seg(vmId)}/power/start`, idempotencyKey, accept: [409] });
    return { alreadyInState: res.status === 409 };
  }

  /** Powers a VM off (quiesce before failback, compensation). Already off (409) counts as success. */
  async powerOff(vmId: string, idempotencyKey: string): Promise<{ alreadyInState: boolean }> {
    const res = await this.effect({ op: 'powerOff', method: 'POST', path: `/api/vcenter/vm/${seg(vmId)}/power/stop`, idempotencyKey, accept: [409] });
    return { alreadyInState: res.status === 409 };
  }

  /** GREEN = guest up, GRAY = off or still booting, RED = site unreachable. */
  async getHeartbeat(vmId: string): Promise<Heartbeat> {
    const res = await this.call<{ status: Heartbeat }>({ op: 'getHeartbeat', method: 'GET', path: `/api/vcenter/vm/${seg(vmId)}/guest/heartbeat` });
    return res.body.status;
  }

  /** What the guest reports about itself; retryable while its tools are not running yet. */
  async getGuestIdentity(vmId: string): Promise<GuestIdentity> {
    const res = await this.call<Raw>({ op: 'getGuestIdentity', method: 'GET', path: `/api/vcenter/vm/${seg(vmId)}/guest/identity` });
    return { osName: String(res.body.name), hostName: String(res.body.host_name), ipAddress: (res.body.ip_address as string | null) ?? null };
  }

  /**
   * Runs a check inside the guest through VMware Tools (heartbeat, a TCP port, an HTTP URL), for a VM in a
   * network the orchestrator has no route to (a drill bubble). A check that does not pass → `invalid` (422).
   */
  async runGuestProbe(vmId: string, probe: { kind: 'heartbeat' | 'tcp' | 'http'; port?: number; url?: string }, idempotencyKey: string): Promise<{ passed: boolean; detail: string }> {
    const res = await this.effect<{ passed: boolean; detail: string }>({ op: 'runGuestProbe', method: 'POST', path: `/api/vcenter/vm/${seg(vmId)}/guest/probes`, body: probe, idempotencyKey });
    return res.body;
  }

  /** Re-IP: replaces the guest's NIC settings (and hostname). */
  async reconfigureNetwork(vmId: string, change: { nics: NicChange[]; hostname?: string }, idempotencyKey: string): Promise<void> {
    await this.effect({ op: 'reconfigureNetwork', method: 'PATCH', path: `/api/vcenter/vm/${seg(vmId)}/guest/networking`, body: change, idempotencyKey });
  }

  /** Removes a powered-off VM (clean-up). False when already gone. */
  async deleteVm(vmId: string, idempotencyKey: string): Promise<boolean> {
    const res = await this.effect({ op: 'deleteVm', method: 'DELETE', path: `/api/vcenter/vm/${seg(vmId)}`, idempotencyKey, accept: [404] });
    return res.status !== 404;
  }

  async close(): Promise<void> {
    await this.session.logout();
    await this.http.close();
  }
}
