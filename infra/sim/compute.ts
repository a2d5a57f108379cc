import { randomUUID } from 'node:crypto';
import {
  SimError,
  asObject,
  basicAuth,
  header,
  noContent,
  notFound,
  ok,
  read,
  refused,
  str,
  vcenterErrorStyle,
  badRequest,
  created,
  type Req,
  type SystemDef,
} from './http';
import { isIpv4 } from './ip';
import { computeKey, type ComputeVm, type Disk, type Nic, type Sim, type Site } from './state';

/**
 * DR compute, vCenter-like (`/compute`), modelled on the vSphere Automation REST API:
 * `POST /api/session` with Basic → session id, sent back as `vmware-api-session-id` (expires after 30
 * idle minutes on the simulator clock); VMs by MoRef-like
 * id (`vm-17`); errors `{ error_type, messages }`. Design assumptions (not vSphere): power actions as
 * `/power/start` and `/power/stop` sub-resources, a guest heartbeat resource, folders = tenants, and a
 * per-site capacity resource. A power-on that does not fit the site's free vCPU or memory is refused
 * (422 UNABLE_TO_ALLOCATE_RESOURCE); powering on a running VM answers 409 ALREADY_IN_DESIRED_STATE.
 * After power-on the guest heartbeat turns GREEN once `compute.guestBoot` has elapsed.
 */

export function siteView(site: Site): Record<string, unknown> {
  const free = site.capacity
    ? {
        vcpu: site.capacity.vcpu - site.used.vcpu,
        memoryGb: site.capacity.memoryGb - site.used.memoryGb,
        storageGb: site.capacity.storageGb - site.used.storageGb,
        masterTargetSlots: site.capacity.masterTargetSlots - site.used.masterTargets,
      }
    : null;
  return { site: site.id, kind: site.kind, tenant: site.tenant, down: site.down, capacity: site.capacity, used: site.used, free };
}

export function heartbeat(sim: Sim, vm: ComputeVm): 'GREEN' | 'GRAY' | 'RED' {
  const site = sim.state.sites.get(vm.site);
  if (site?.down) return 'RED';
  if (vm.power !== 'POWERED_ON') return 'GRAY';
  if (vm.bootDoneAt === null || sim.clock.now() < vm.bootDoneAt) return 'GRAY';
  return 'GREEN';
}

export function vmSummary(vm: ComputeVm): Record<string, unknown> {
  return {
    vm: vm.id,
    name: vm.name,
    power_state: vm.power,
    cpu_count: vm.vcpu,
    memory_size_MiB: vm.memoryGb * 1024,
    site: vm.site,
    folder: vm.tenant,
  };
}

export function vmView(sim: Sim, vm: ComputeVm): Record<string, unknown> {
  return {
    ...vmSummary(vm),
    guest_OS: vm.guestOs,
    hostname: vm.hostname,
    disks: vm.disks.map((d, i) => ({ disk: `${2000 + i}`, label: d.name, volume: d.volume, capacity: d.sizeGb * 1024 ** 3 })),
    nics: vm.nics.map((n, i) => ({ nic: `${4000 + i}`, label: n.name, ip_address: n.ip, prefix_length: n.prefixLength, gateway: n.gateway, network: n.network })),
    guest_heartbeat: heartbeat(sim, vm),
    origin: vm.origin,
    recovery_point: vm.recoveryPoint,
    created_at: vm.createdAt,
  };
}

export interface NewVm {
  site: string;
  tenant: string;
  name: string;
  guestOs: string;
  vcpu: number;
  memoryGb: number;
  disks: Disk[];
  nics: Nic[];
  hostname: string;
  origin: ComputeVm['origin'];
  power?: ComputeVm['power'];
}

export function findVm(sim: Sim, site: string, tenant: string, name: string): ComputeVm | undefined {
  const id = sim.state.compute.byName.get(computeKey(site, tenant, name));
  return id === undefined ? undefined : sim.state.compute.vms.get(id);
}

/** Creates a VM record; a VM of that name in that tenant and site must not exist. */
export function createVm(sim: Sim, spec: NewVm): ComputeVm {
  const c = sim.state.compute;
  const key = computeKey(spec.site, spec.tenant, spec.name);
  if (c.byName.has(key)) throw new SimError(409, 'ALREADY_EXISTS', `VM ${spec.name} already exists in ${spec.tenant} at ${spec.site}`);
  const vm: ComputeVm = {
    id: `vm-${++c.seq}`,
    site: spec.site,
    tenant: spec.tenant,
    name: spec.name,
    guestOs: spec.guestOs,
    vcpu: spec.vcpu,
    memoryGb: spec.memoryGb,
    disks: spec.disks.map((d) => ({ ...d })),
    nics: spec.nics.map((n) => ({ ...n })),
    hostname: spec.hostname,
    power: 'POWERED_OFF',
    poweredOnAt: null,
    bootDoneAt: null,
    origin: spec.origin,
    recoveryPoint: null,
    createdAt: sim.clock.iso(),
  };
  c.vms.set(vm.id, vm);
  c.byName.set(key, vm.id);
  const site = sim.state.sites.get(spec.site);
  if (site) site.used.storageGb += vm.disks.reduce((s, d) => s + d.sizeGb, 0);
  if (spec.power === 'POWERED_ON') {
    vm.power = 'POWERED_ON';
    vm.poweredOnAt = sim.clock.now();
    vm.bootDoneAt = vm.poweredOnAt;
    if (site) {
      site.used.vcpu += vm.vcpu;
      site.used.memoryGb += vm.memoryGb;
    }
  }
  return vm;
}

export function removeVm(sim: Sim, vm: ComputeVm): void {
  const c = sim.state.compute;
  const site = sim.state.sites.get(vm.site);
  if (vm.power === 'POWERED_ON') setPower(sim, vm, 'POWERED_OFF');
  if (site) site.used.storageGb -= vm.disks.reduce((s, d) => s + d.sizeGb, 0);
  c.vms.delete(vm.id);
  c.byName.delete(computeKey(vm.site, vm.tenant, vm.name));
}

/** Power-on with the capacity check the DR site's vCenter would make. */
export function powerOn(sim: Sim, vm: ComputeVm, stuck: boolean): void {
  const site = sim.state.sites.get(vm.site);
  if (site?.down) throw new SimError(503, 'SERVICE_UNAVAILABLE', `site ${vm.site} is unreachable`);
  if (vm.power === 'POWERED_ON') {
    throw new SimError(409, 'ALREADY_IN_DESIRED_STATE', `VM ${vm.name} is already powered on`, { power_state: vm.power });
  }
  if (site?.capacity) {
    const freeCpu = site.capacity.vcpu - site.used.vcpu;
    const freeMem = site.capacity.memoryGb - site.used.memoryGb;
    if (vm.vcpu > freeCpu || vm.memoryGb > freeMem) {
      throw refused(
        'UNABLE_TO_ALLOCATE_RESOURCE',
        `insufficient capacity at ${site.id} to power on ${vm.name}: needs ${vm.vcpu} vCPU / ${vm.memoryGb} GB, free ${freeCpu} vCPU / ${freeMem} GB`,
        { site: site.id, requested: { vcpu: vm.vcpu, memoryGb: vm.memoryGb }, free: { vcpu: freeCpu, memoryGb: freeMem } },
      );
    }
  }
  setPower(sim, vm, 'POWERED_ON');
  vm.bootDoneAt = stuck ? null : sim.clock.now() + sim.latency.scaledMs('compute.guestBoot');
}

function setPower(sim: Sim, vm: ComputeVm, power: ComputeVm['power']): void {
  if (vm.power === power) return;
  const site = sim.state.sites.get(vm.site);
  const sign = power === 'POWERED_ON' ? 1 : -1;
  if (site) {
    site.used.vcpu += sign * vm.vcpu;
    site.used.memoryGb += sign * vm.memoryGb;
  }
  vm.power = power;
  if (power === 'POWERED_ON') vm.poweredOnAt = sim.clock.now();
  else {
    vm.poweredOnAt = null;
    vm.bootDoneAt = null;
  }
}

export function powerOff(sim: Sim, vm: ComputeVm): void {
  if (vm.power === 'POWERED_OFF') {
    throw new SimError(409, 'ALREADY_IN_DESIRED_STATE', `VM ${vm.name} is already powered off`, { power_state: vm.power });
  }
  setPower(sim, vm, 'POWERED_OFF');
}

export function parseNics(value: unknown, existing: Nic[]): Nic[] {
  if (!Array.isArray(value) || value.length === 0) throw badRequest('nics must be a non-empty array', 'nics');
  return value.map((raw, i) => {
    const n = asObject(raw, `nics[${i}]`);
    const ip = n.ip ?? n.ip_address;
    if (!isIpv4(ip)) throw badRequest(`nics[${i}].ip must be an IPv4 address`, 'nics');
    const gateway = n.gateway === undefined ? existing[i]?.gateway ?? '' : n.gateway;
    if (gateway !== '' && !isIpv4(gateway)) throw badRequest(`nics[${i}].gateway must be an IPv4 address`, 'nics');
    const prefix = n.prefixLength ?? n.prefix_length ?? existing[i]?.prefixLength ?? 24;
    if (typeof prefix !== 'number' || prefix < 8 || prefix > 32) throw badRequest(`nics[${i}].prefixLength must be 8-32`, 'nics');
    return {
      name: typeof n.name === 'string' ? n.name : existing[i]?.name ?? `Network adapter ${i + 1}`,
      ip,
      prefixLength: prefix,
      gateway: gateway as string,
      network: typeof n.network === 'string' ? n.network : existing[i]?.network ?? 'dr-network',
    };
  });
}

export function computeSystem(sim: Sim): SystemDef {
  const getVm = (req: Req): ComputeVm => {
    const vm = sim.state.compute.vms.get(req.params.vm);
    if (!vm) throw notFound(`VM ${req.params.vm}`);
    return vm;
  };
  return {
    system: 'compute',
    mount: '/compute',
    errorStyle: vcenterErrorStyle,
    authenticate(req) {
      const sid = header(req.headers, 'vmware-api-session-id');
      if (!sid || !sim.sessions.compute.touch(sid)) throw new SimError(401, 'UNAUTHENTICATED', 'a valid vmware-api-session-id is required');
    },
    routes: [
      {
        method: 'POST',
        path: '/api/session',
        op: 'createSession',
        public: true,
        handle: (req) =>
          read(() => {
            if (!basicAuth(req.headers)) throw new SimError(401, 'UNAUTHENTICATED', 'Basic credentials required');
            const sid = randomUUID();
            sim.sessions.compute.open(sid);
            return created(sid);
          }),
      },
      {
        method: 'DELETE',
        path: '/api/session',
        op: 'deleteSession',
        handle: (req) =>
          read(() => {
            sim.sessions.compute.close(header(req.headers, 'vmware-api-session-id') ?? '');
            return noContent();
          }),
      },
      {
        method: 'GET',
        path: '/api/sites',
        op: 'listSites',
        handle: () => read(() => ok([...sim.state.sites.values()].map(siteView))),
      },
      {
        method: 'GET',
        path: '/api/sites/:site/capacity',
        op: 'getCapacity',
        handle: (req) =>
          read(() => {
            const site = sim.state.sites.get(req.params.site);
            if (!site) throw notFound(`site ${req.params.site}`);
            return ok(siteView(site));
          }, req.params.site),
      },
      {
        method: 'GET',
        path: '/api/vcenter/vm',
        op: 'listVms',
        handle: (req) =>
          read(() => {
            const names = csv(req.query.get('names'));
            const folders = csv(req.query.get('folders'));
            const sites = csv(req.query.get('sites'));
            const states = csv(req.query.get('power_states'));
            let vms: ComputeVm[];
            if (names && folders) {
              const siteIds = sites ?? [...sim.state.sites.keys()];
              vms = [];
              for (const s of siteIds) for (const f of folders) for (const n of names) {
                const vm = findVm(sim, s, f, n);
                if (vm) vms.push(vm);
              }
            } else {
              vms = [...sim.state.compute.vms.values()].filter(
                (vm) => (!names || names.includes(vm.name)) && (!folders || folders.includes(vm.tenant)) && (!sites || sites.includes(vm.site)),
              );
            }
            if (states) vms = vms.filter((vm) => states.includes(vm.power));
            return ok(vms.map(vmSummary));
          }),
      },
      {
        method: 'GET',
        path: '/api/vcenter/vm/:vm',
        op: 'getVm',
        handle: (req) => read(() => ok(vmView(sim, getVm(req))), req.params.vm),
      },
      {
        method: 'GET',
        path: '/api/vcenter/vm/:vm/power',
        op: 'getPower',
        handle: (req) => read(() => ok({ state: getVm(req).power }), req.params.vm),
      },
      {
        method: 'POST',
        path: '/api/vcenter/vm/:vm/power/start',
        op: 'powerOn',
        effect: true,
        handle: (req) => {
          const vm = getVm(req);
          return {
            tenant: vm.tenant,
            target: vm.name,
            jobs: true,
            answersAfterLatency: true,
            run: ({ stuck }) => {
              powerOn(sim, getVm(req), stuck);
              return noContent();
            },
          };
        },
      },
      {
        method: 'POST',
        path: '/api/vcenter/vm/:vm/power/stop',
        op: 'powerOff',
        effect: true,
        handle: (req) => {
          const vm = getVm(req);
          return {
            tenant: vm.tenant,
            target: vm.name,
            run: () => {
              powerOff(sim, getVm(req));
              return noContent();
            },
          };
        },
      },
      {
        method: 'GET',
        path: '/api/vcenter/vm/:vm/guest/heartbeat',
        op: 'getHeartbeat',
        handle: (req) => {
          const vm = getVm(req);
          return read(() => ok({ status: heartbeat(sim, getVm(req)) }), vm.name, vm.tenant);
        },
      },
      {
        method: 'GET',
        path: '/api/vcenter/vm/:vm/guest/identity',
        op: 'getGuestIdentity',
        handle: (req) => {
          const vm = getVm(req);
          return read(
            () => {
              if (heartbeat(sim, vm) !== 'GREEN') throw new SimError(503, 'SERVICE_UNAVAILABLE', `VMware Tools are not running in ${vm.name}`);
              return ok({ name: vm.guestOs, host_name: vm.hostname, ip_address: vm.nics[0]?.ip ?? null });
            },
            vm.name,
            vm.tenant,
          );
        },
      },
      {
        // Design assumption (vSphere guest operations, as a probe run inside the guest): a drill VM sits in a
        // network with no route from the orchestrator, so its checks run in the guest through VMware Tools.
        // A check that does not pass answers 422 PROBE_FAILED naming it; each run is logged with its time.
        method: 'POST',
        path: '/api/vcenter/vm/:vm/guest/probes',
        op: 'runGuestProbe',
        effect: true,
        handle: (req) => {
          const vm = getVm(req);
          const body = asObject(req.body);
          const kind = str(body, 'kind', true);
          if (kind !== 'heartbeat' && kind !== 'tcp' && kind !== 'http') throw badRequest('kind must be heartbeat, tcp or http', 'kind');
          const port = body.port;
          if (kind === 'tcp' && (typeof port !== 'number' || port < 1 || port > 65535)) throw badRequest('port must be 1-65535 for a tcp probe', 'port');
          const url = str(body, 'url');
          if (kind === 'http' && !url) throw badRequest('url is required for an http probe', 'url');
          return {
            tenant: vm.tenant,
            target: vm.name,
            run: () => {
              const current = getVm(req);
              const beat = heartbeat(sim, current);
              const what = kind === 'tcp' ? `tcp ${port}` : kind === 'http' ? `http ${url}` : 'heartbeat';
              if (beat !== 'GREEN') throw refused('PROBE_FAILED', `${what} in ${current.name}: guest not answering (heartbeat ${beat})`);
              return ok({ kind, passed: true, detail: `${what} answered in ${current.name}` });
            },
          };
        },
      },
      {
        method: 'PATCH',
        path: '/api/vcenter/vm/:vm/guest/networking',
        op: 'reconfigureNetwork',
        effect: true,
        handle: (req) => {
          const vm = getVm(req);
          const body = asObject(req.body);
          const nics = parseNics(body.nics, vm.nics);
          const hostname = str(body, 'hostname');
          return {
            tenant: vm.tenant,
            target: vm.name,
            run: () => {
              vm.nics = nics;
              if (hostname) vm.hostname = hostname;
              return noContent();
            },
          };
        },
      },
      {
        method: 'DELETE',
        path: '/api/vcenter/vm/:vm',
        op: 'deleteVm',
        effect: true,
        handle: (req) => {
          const vm = getVm(req);
          return {
            tenant: vm.tenant,
            target: vm.name,
            run: () => {
              const current = getVm(req);
              if (current.power === 'POWERED_ON') {
                throw refused('NOT_ALLOWED_IN_CURRENT_STATE', `VM ${vm.name} must be powered off before it is deleted`);
              }
              removeVm(sim, current);
              return noContent();
            },
          };
        },
      },
    ],
  };
}

function csv(v: string | null): string[] | null {
  if (!v) return null;
  const parts = v.split(',').map((s) => s.trim()).filter(Boolean);
  return parts.length ? parts : null;
}
