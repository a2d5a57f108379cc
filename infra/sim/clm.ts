import { randomUUID } from 'node:crypto';
import {
  SimError,
  alreadyExists,
  badRequest,
  clmErrorStyle,
  header,
  notFound,
  ok,
  read,
  refused,
  type Req,
  type Reply,
  type SystemDef,
} from './http';
import { giveVlanId, takeVlanId, vlanPoolForSite } from './bna';
import { deregisterControlServer, registerControlServer } from './inmage';
import { isIpv4 } from './ip';
import type {
  ClmChangeRequest,
  ClmContainer,
  ClmLoadBalancerPool,
  ClmNetworkPath,
  ClmServiceOfferingInstance,
  ClmTask,
  Sim,
  Tier,
} from './state';
import { TIERS } from './state';

/**
 * BMC Cloud Lifecycle Management, `/clm/csm/...`.
 * Faithful: `POST /csm/login` → `Authentication-Token` header sent back on every call (expires after 30
 * idle minutes on the simulator clock); POST bodies use the
 * `operationParams` envelope (`[{ name, type, multiplicity, value }]`); long operations answer a JSON
 * array holding a `Task` polled at `GET /csm/task/<guid>` (taskState RUNNING → COMPLETED or FAILED, with
 * isError/isSuccess/errors/results); errors are an array holding a `CloudError`; a `BMC-Transaction-ID`
 * header on every answer. Every long operation is asynchronous whatever `timeout` says.
 * Design assumptions: the status codes (404 unknown, 409 ALREADY_EXISTS with `existingGuid`, 409
 * ALREADY_IN_DESIRED_STATE for a container, network path, VIP or service offering instance already being
 * deleted, so a repeated delete starts no second task; 422 rules);
 * a task's `targetGuid`, the object it is about, readable before the task completes;
 * the `NetworkPath` class and its URIs; change approval as `ChangeRequest` objects approved with
 * `POST /csm/ChangeRequest/<guid>/approve` (CLM delegates approval to Change Management, which has no REST
 * call here). A container request needs approval when its `requiresApproval` parameter says so, else
 * when its offering's change policy does (scenario flag `clm.approvalRequired`).
 *
 * Containers follow Table 2-1 of the Cisco DRaaS guide (VMDC 2.3): Gold 3 VLANs with tenant firewall,
 * intra-tenant firewall and load balancer; Silver 3 VLANs with a load balancer; Bronze 1 VLAN with
 * intra-tenant firewall and load balancer; Copper 1 VLAN with intra-tenant firewall. VLAN ids come from
 * the DR site's BNA VLAN pool when the job starts; an exhausted pool fails the task. Network paths need
 * a firewall service and VIPs a load balancer in the container, else 422. Service offering instances of
 * the InMage offerings register a CX, process server or master target with the InMage CX when their task
 * completes (a master target takes one of the DR site's master-target slots); they are not modelled as
 * DR compute VMs.
 */

export const TIER_LAYOUT: Record<Tier, { vlans: string[]; services: ClmContainer['services'][number]['type'][] }> = {
  Gold: { vlans: ['web', 'app', 'db'], services: ['perimeter-firewall', 'intra-tenant-firewall', 'load-balancer'] },
  Silver: { vlans: ['web', 'app', 'db'], services: ['load-balancer'] },
  Bronze: { vlans: ['server'], services: ['intra-tenant-firewall', 'load-balancer'] },
  Copper: { vlans: ['server'], services: ['intra-tenant-firewall'] },
};

const SERVICE_NAMES: Record<string, string> = {
  'perimeter-firewall': 'ASA context (tenant firewall)',
  'intra-tenant-firewall': 'VSG (intra-tenant firewall)',
  'load-balancer': 'ACE context (load balancer)',
};

export const OFFERINGS = [
  ...TIERS.map((t) => ({ guid: `so-container-${t.toLowerCase()}`, name: `DRaaS Network Container - ${t}`, kind: 'container', tier: t })),
  { guid: 'so-inmage-cx', name: 'InMage CX Configuration Server', kind: 'control-server', role: 'cx' as const },
  { guid: 'so-inmage-ps', name: 'InMage Process Server', kind: 'control-server', role: 'ps' as const },
  { guid: 'so-inmage-mt-windows', name: 'InMage Master Target (Windows)', kind: 'control-server', role: 'mt' as const },
  { guid: 'so-inmage-mt-linux', name: 'InMage Master Target (Linux)', kind: 'control-server', role: 'mt' as const },
];

const BEAN = 'com.bmc.cloud.model.beans';

/** operationParams → name/value map. */
function params(req: Req): Map<string, unknown> {
  const body = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('body must be a JSON object with operationParams');
  const list = (body as Record<string, unknown>).operationParams;
  if (list === undefined) return new Map();
  if (!Array.isArray(list)) throw badRequest('operationParams must be an array');
  const out = new Map<string, unknown>();
  for (const p of list) {
    if (typeof p !== 'object' || p === null || typeof (p as Record<string, unknown>).name !== 'string') {
      throw badRequest('each operationParam needs a name');
    }
    out.set((p as Record<string, unknown>).name as string, (p as Record<string, unknown>).value);
  }
  return out;
}

function pstr(p: Map<string, unknown>, name: string, required: true): string;
function pstr(p: Map<string, unknown>, name: string, required?: false): string | undefined;
function pstr(p: Map<string, unknown>, name: string, required = false): string | undefined {
  let v = p.get(name);
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    v = o.guid ?? o.name;
  }
  if (v === undefined || v === null || v === '') {
    if (required) throw badRequest(`operationParam ${name} is required`);
    return undefined;
  }
  if (typeof v !== 'string' && typeof v !== 'number') throw badRequest(`operationParam ${name} must be a string`);
  return String(v);
}

function pbool(p: Map<string, unknown>, name: string): boolean | undefined {
  const v = p.get(name);
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  throw badRequest(`operationParam ${name} must be a boolean`);
}

function pnum(p: Map<string, unknown>, name: string, fallback: number): number {
  const v = p.get(name);
  if (v === undefined || v === null) return fallback;
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw badRequest(`operationParam ${name} must be a number`);
  return n;
}

export function clmSystem(sim: Sim): SystemDef {
  const clm = (): Sim['state']['clm'] => sim.state.clm;
  let subnetSeq = 0;

  const taskView = (req: Req, t: ClmTask): Record<string, unknown> => {
    let progress = t.taskState === 'RUNNING' ? 0 : 100;
    if (t.taskState === 'RUNNING' && t.startedAt !== null && t.dueAt !== null && t.dueAt > t.startedAt) {
      progress = Math.min(99, Math.floor(((sim.clock.now() - t.startedAt) / (t.dueAt - t.startedAt)) * 100));
    }
    return {
      cloudClass: `${BEAN}.Task`,
      guid: t.guid,
      taskInternalUUID: t.guid,
      className: t.className,
      operationName: t.operationName,
      // The object the task is about (for bulkCreate, the first instance): known before the task completes.
      targetGuid: t.targetGuid,
      creationTime: t.creationTime,
      completionTime: t.completionTime,
      taskState: t.taskState,
      taskSubState: t.taskSubState,
      taskProgress: progress,
      isError: t.isError,
      isSuccess: t.isSuccess,
      isCallout: false,
      errors: t.errors.map((e) => ({ cloudClass: `${BEAN}.CloudError`, ...e })),
      results: t.results,
      changeRequestGuid: t.changeRequestGuid,
      taskStatusURI: `${req.base}/csm/task/${t.guid}/status`,
      taskResultURI: `${req.base}/csm/task/${t.guid}/result`,
    };
  };

  const newTask = (className: string, operationName: string, tenant: string | null, targetGuid: string | null, stuck: boolean): ClmTask => {
    const t: ClmTask = {
      guid: randomUUID(),
      className,
      operationName,
      tenant,
      targetGuid,
      creationTime: sim.clock.now(),
      completionTime: -1,
      taskState: 'RUNNING',
      taskSubState: 'start',
      isError: false,
      isSuccess: false,
      errors: [],
      results: [],
      stuck,
      durationMs: 0,
      startedAt: null,
      dueAt: null,
      changeRequestGuid: null,
    };
    clm().tasks.set(t.guid, t);
    return t;
  };

  const fail = (t: ClmTask, code: string, cause: string): void => {
    t.taskState = 'FAILED';
    t.taskSubState = 'task_failed_final';
    t.isError = true;
    t.isSuccess = false;
    t.completionTime = sim.clock.now();
    t.errors.push({ errorID: code, errorCause: cause });
  };

  /** Starts the timed part of a task; `complete` runs when due (throw SimError to fail the task). */
  const run = (t: ClmTask, latencyKey: string, complete: () => unknown[]): void => {
    t.taskSubState = 'running';
    t.startedAt = sim.clock.now();
    if (t.stuck) return;
    t.dueAt = sim.dueIn(latencyKey);
    const state = sim.state;
    sim.scheduler.at(t.dueAt, () => {
      if (sim.state !== state || t.taskState !== 'RUNNING') return;
      try {
        t.results = complete();
        t.taskState = 'COMPLETED';
        t.taskSubState = 'task_success_final';
        t.isSuccess = true;
        t.completionTime = t.dueAt ?? sim.clock.now();
      } catch (err) {
        fail(t, err instanceof SimError ? err.code : 'INTERNAL', err instanceof Error ? err.message : String(err));
      }
    });
  };

  const taskReply = (req: Req, t: ClmTask): Reply => ok([taskView(req, t)]);

  const containerView = (c: ClmContainer): Record<string, unknown> => ({
    cloudClass: `${BEAN}.NetworkContainer`,
    guid: c.guid,
    name: c.name,
    tenant: c.tenant,
    tier: c.tier,
    containerBlueprint: c.blueprint,
    site: c.site,
    state: c.state,
    networks: c.vlans,
    services: c.services,
    networkPaths: [...clm().networkPaths.values()].filter((p) => p.containerGuid === c.guid).map((p) => p.guid),
    loadBalancerPools: [...clm().lbPools.values()].filter((p) => p.containerGuid === c.guid).map((p) => p.guid),
    taskGuid: c.taskGuid,
  });

  const findContainer = (ref: string): ClmContainer => {
    const c = clm().containers.get(ref) ?? clm().containers.get(clm().containersByName.get(ref) ?? '');
    if (!c) throw notFound(`NetworkContainer ${ref}`);
    return c;
  };

  /** Allocates VLANs and starts provisioning (after approval, if any). */
  const startContainer = (c: ClmContainer, t: ClmTask): void => {
    const pool = vlanPoolForSite(sim, c.site);
    const taken: number[] = [];
    try {
      if (!pool) throw refused('NO_VLAN_POOL', `no VLAN pool at site ${c.site}`);
      c.vlans = TIER_LAYOUT[c.tier].vlans.map((role) => {
        const vlanId = takeVlanId(pool, `container:${c.name}`);
        taken.push(vlanId);
        const n = subnetSeq++;
        return { name: `${c.name}-${role}`, role, vlanId, subnet: `172.${16 + (Math.floor(n / 256) % 16)}.${n % 256}.0/24` };
      });
    } catch (err) {
      for (const id of taken) giveVlanId(pool, id);
      c.vlans = [];
      c.state = 'FAILED';
      fail(t, err instanceof SimError ? err.code : 'INTERNAL', err instanceof Error ? err.message : String(err));
      return;
    }
    c.state = 'PROVISIONING';
    run(t, 'clm.createContainer', () => {
      c.state = 'ACTIVE';
      return [containerView(c)];
    });
  };

  const releaseContainer = (c: ClmContainer): void => {
    const pool = vlanPoolForSite(sim, c.site);
    for (const v of c.vlans) giveVlanId(pool, v.vlanId);
    for (const p of [...clm().networkPaths.values()]) if (p.containerGuid === c.guid) clm().networkPaths.delete(p.guid);
    for (const p of [...clm().lbPools.values()]) if (p.containerGuid === c.guid) clm().lbPools.delete(p.guid);
    clm().containers.delete(c.guid);
    clm().containersByName.delete(c.name);
  };

  const requireActive = (c: ClmContainer, service: 'firewall' | 'load-balancer'): void => {
    if (c.state !== 'ACTIVE') throw refused('CONTAINER_NOT_ACTIVE', `container ${c.name} is ${c.state}`);
    const has = service === 'firewall' ? c.services.some((s) => s.type.endsWith('firewall')) : c.services.some((s) => s.type === 'load-balancer');
    if (!has) {
      throw refused(
        service === 'firewall' ? 'NO_FIREWALL_SERVICE' : 'NO_LOAD_BALANCER_SERVICE',
        `a ${c.tier} container has no ${service === 'firewall' ? 'firewall' : 'load-balancer'} service (Table 2-1)`,
      );
    }
  };

  const pathView = (p: ClmNetworkPath): Record<string, unknown> => ({ cloudClass: `${BEAN}.NetworkPath`, ...p });
  const lbView = (p: ClmLoadBalancerPool): Record<string, unknown> => ({ cloudClass: `${BEAN}.LoadBalancerPool`, ...p });
  const soiView = (s: ClmServiceOfferingInstance): Record<string, unknown> => ({ cloudClass: `${BEAN}.ServiceOfferingInstance`, ...s });
  const changeView = (c: ClmChangeRequest): Record<string, unknown> => ({ cloudClass: `${BEAN}.ChangeRequest`, ...c });

  const decide = (req: Req, approve: boolean) => {
    const cr = clm().changes.get(req.params.guid);
    if (!cr) throw notFound(`ChangeRequest ${req.params.guid}`);
    return {
      tenant: cr.tenant,
      target: cr.guid,
      run: () => {
        const wanted = approve ? 'APPROVED' : 'REJECTED';
        if (cr.state === wanted) throw new SimError(409, 'ALREADY_IN_DESIRED_STATE', `change ${cr.guid} is already ${wanted}`);
        if (cr.state !== 'PENDING') throw refused('CHANGE_ALREADY_DECIDED', `change ${cr.guid} is already ${cr.state}`);
        const p = params(req);
        cr.state = wanted;
        cr.decidedAt = sim.clock.now();
        cr.decidedBy = pstr(p, 'approver') ?? 'provider-admin';
        const t = clm().tasks.get(cr.taskGuid);
        const c = t?.targetGuid ? clm().containers.get(t.targetGuid) : undefined;
        if (t && t.taskState === 'RUNNING' && c) {
          if (approve) startContainer(c, t);
          else {
            fail(t, 'CHANGE_REJECTED', `change ${cr.guid} was rejected`);
            releaseContainer(c);
          }
        }
        return ok([changeView(cr)]);
      },
    };
  };

  return {
    system: 'clm',
    mount: '/clm',
    errorStyle: (err) => {
      const r = clmErrorStyle(err);
      return { ...r, headers: { ...(r.headers ?? {}), 'BMC-Transaction-ID': randomUUID() } };
    },
    authenticate(req) {
      const token = header(req.headers, 'authentication-token');
      if (!token || !sim.sessions.clm.touch(token)) throw new SimError(401, 'AUTHENTICATION_FAILED', 'missing or expired Authentication-Token; log in again');
    },
    routes: [
      {
        method: 'POST',
        path: '/csm/login',
        op: 'login',
        public: true,
        handle: (req) =>
          read(() => {
            const body = (req.body ?? {}) as Record<string, unknown>;
            if (typeof body.username !== 'string' || !body.username || typeof body.password !== 'string' || !body.password) {
              throw new SimError(401, 'AUTHENTICATION_FAILED', 'invalid username or password');
            }
            const token = randomUUID();
            sim.sessions.clm.open(token);
            return ok([{ cloudClass: `${BEAN}.Session`, username: body.username }], { 'Authentication-Token': token });
          }),
      },
      {
        method: 'POST',
        path: '/csm/logout',
        op: 'logout',
        handle: (req) =>
          read(() => {
            sim.sessions.clm.close(header(req.headers, 'authentication-token') ?? '');
            return ok([]);
          }),
      },
      {
        method: 'GET',
        path: '/csm/task/:guid',
        op: 'getTask',
        handle: (req) => taskRead(req),
      },
      {
        method: 'GET',
        path: '/csm/task/:guid/status',
        op: 'getTask',
        handle: (req) => taskRead(req),
      },
      {
        method: 'GET',
        path: '/csm/task/:guid/result',
        op: 'getTask',
        handle: (req) => taskRead(req),
      },
      {
        method: 'GET',
        path: '/csm/ServiceOffering',
        op: 'listServiceOfferings',
        handle: () =>
          read(() =>
            ok(
              OFFERINGS.map((o) => ({
                cloudClass: `${BEAN}.ServiceOffering`,
                ...o,
                changePolicy: o.kind === 'container' && clm().approvalRequiredByDefault ? 'approval' : 'none',
              })),
            ),
          ),
      },
      {
        method: 'POST',
        path: '/csm/Organization',
        op: 'createOrganization',
        effect: true,
        handle: (req) => {
          const p = params(req);
          const name = pstr(p, 'name', true);
          const tenant = pstr(p, 'tenant') ?? name;
          return {
            tenant,
            target: name,
            run: () => {
              for (const o of clm().organizations.values()) {
                if (o.name === name) throw alreadyExists(`Organization ${name} already exists`, { existingGuid: o.guid });
              }
              const org = { guid: randomUUID(), name, tenant };
              clm().organizations.set(org.guid, org);
              return ok([{ cloudClass: `${BEAN}.Organization`, ...org }]);
            },
          };
        },
      },
      {
        method: 'GET',
        path: '/csm/Organization/:guid',
        op: 'getOrganization',
        handle: (req) =>
          read(() => {
            const o = clm().organizations.get(req.params.guid);
            if (!o) throw notFound(`Organization ${req.params.guid}`);
            return ok([{ cloudClass: `${BEAN}.Organization`, ...o }]);
          }, req.params.guid),
      },
      {
        method: 'DELETE',
        path: '/csm/Organization/:guid',
        op: 'deleteOrganization',
        effect: true,
        handle: (req) => {
          const o = clm().organizations.get(req.params.guid);
          if (!o) throw notFound(`Organization ${req.params.guid}`);
          return {
            tenant: o.tenant,
            target: o.name,
            run: () => {
              clm().organizations.delete(o.guid);
              return ok([]);
            },
          };
        },
      },
      {
        method: 'POST',
        path: '/csm/NetworkContainer',
        op: 'createContainer',
        effect: true,
        handle: (req) => {
          const p = params(req);
          const name = pstr(p, 'name', true);
          const tenant = pstr(p, 'tenant', true);
          return {
            tenant,
            target: name,
            jobs: true,
            run: ({ stuck }) => {
              const existing = clm().containersByName.get(name);
              if (existing) throw alreadyExists(`NetworkContainer ${name} already exists`, { existingGuid: existing });
              const blueprint = pstr(p, 'containerBlueprint');
              const tierRaw = pstr(p, 'tier') ?? TIERS.find((t) => blueprint?.toLowerCase().includes(t.toLowerCase()));
              const tier = TIERS.find((t) => t.toLowerCase() === tierRaw?.toLowerCase());
              if (!tier) throw badRequest('operationParam tier must be Gold, Silver, Bronze or Copper');
              const site = pstr(p, 'site') ?? sim.state.tenants.get(tenant)?.drSite ?? 'dr-1';
              if (!sim.state.sites.has(site)) throw notFound(`site ${site}`);
              const c: ClmContainer = {
                guid: randomUUID(),
                name,
                tenant,
                tier,
                blueprint: blueprint ?? `VMDC-2.3-${tier}`,
                site,
                state: 'PENDING_APPROVAL',
                vlans: [],
                services: TIER_LAYOUT[tier].services.map((type) => ({ type, name: `${name}-${SERVICE_NAMES[type]}` })),
                taskGuid: '',
                createdAt: sim.clock.now(),
              };
              const t = newTask('NetworkContainer', 'create', tenant, c.guid, stuck);
              c.taskGuid = t.guid;
              clm().containers.set(c.guid, c);
              clm().containersByName.set(name, c.guid);
              const needsApproval = pbool(p, 'requiresApproval') ?? clm().approvalRequiredByDefault;
              if (needsApproval) {
                const cr: ClmChangeRequest = {
                  guid: randomUUID(),
                  tenant,
                  taskGuid: t.guid,
                  summary: `Provision ${tier} network container ${name} for ${tenant}`,
                  state: 'PENDING',
                  createdAt: sim.clock.now(),
                  decidedAt: null,
                  decidedBy: null,
                };
                clm().changes.set(cr.guid, cr);
                t.changeRequestGuid = cr.guid;
                t.taskSubState = 'waiting_for_approval';
              } else {
                startContainer(c, t);
              }
              return taskReply(req, t);
            },
          };
        },
      },
      {
        method: 'GET',
        path: '/csm/NetworkContainer/:guid',
        op: 'getContainer',
        handle: (req) => read(() => ok([containerView(findContainer(req.params.guid))]), req.params.guid),
      },
      {
        method: 'POST',
        path: '/csm/NetworkContainer/search',
        op: 'searchContainers',
        handle: (req) =>
          read(() => {
            const p = params(req);
            const name = pstr(p, 'name') ?? literalFromCriteria(p.get('criteria'), 'name');
            const tenant = pstr(p, 'tenant') ?? literalFromCriteria(p.get('criteria'), 'tenant');
            const results = [...clm().containers.values()]
              .filter((c) => (!name || c.name === name) && (!tenant || c.tenant === tenant))
              .map(containerView);
            return ok({ cloudClass: `${BEAN}.SearchResults`, pageNo: 1, pageSize: results.length, results });
          }),
      },
      {
        method: 'DELETE',
        path: '/csm/NetworkContainer/:guid',
        op: 'deleteContainer',
        effect: true,
        handle: (req) => {
          const c = findContainer(req.params.guid);
          return {
            tenant: c.tenant,
            target: c.name,
            jobs: true,
            run: ({ stuck }) => {
              if (c.state === 'DELETING') {
                throw new SimError(409, 'ALREADY_IN_DESIRED_STATE', `NetworkContainer ${c.name} is already being deleted`, { existingGuid: c.guid });
              }
              const creation = clm().tasks.get(c.taskGuid);
              if (creation && creation.taskState === 'RUNNING') fail(creation, 'CANCELLED', `container ${c.name} deleted before provisioning finished`);
              for (const cr of clm().changes.values()) if (cr.taskGuid === c.taskGuid && cr.state === 'PENDING') cr.state = 'REJECTED';
              c.state = 'DELETING';
              const t = newTask('NetworkContainer', 'delete', c.tenant, c.guid, stuck);
              run(t, 'clm.deleteContainer', () => {
                releaseContainer(c);
                return [];
              });
              return taskReply(req, t);
            },
          };
        },
      },
      {
        method: 'GET',
        path: '/csm/ChangeRequest/:guid',
        op: 'getChange',
        handle: (req) =>
          read(() => {
            const cr = clm().changes.get(req.params.guid);
            if (!cr) throw notFound(`ChangeRequest ${req.params.guid}`);
            return ok([changeView(cr)]);
          }, req.params.guid),
      },
      {
        method: 'POST',
        path: '/csm/ChangeRequest/search',
        op: 'searchChanges',
        handle: (req) =>
          read(() => {
            const p = params(req);
            const state = pstr(p, 'state');
            const tenant = pstr(p, 'tenant');
            const results = [...clm().changes.values()].filter((c) => (!state || c.state === state) && (!tenant || c.tenant === tenant)).map(changeView);
            return ok({ cloudClass: `${BEAN}.SearchResults`, pageNo: 1, pageSize: results.length, results });
          }),
      },
      { method: 'POST', path: '/csm/ChangeRequest/:guid/approve', op: 'approveChange', effect: true, handle: (req) => decide(req, true) },
      { method: 'POST', path: '/csm/ChangeRequest/:guid/reject', op: 'rejectChange', effect: true, handle: (req) => decide(req, false) },
      {
        method: 'POST',
        path: '/csm/NetworkPath',
        op: 'createNetworkPath',
        effect: true,
        handle: (req) => {
          const p = params(req);
          const c = findContainer(pstr(p, 'networkContainer') ?? pstr(p, 'container', true));
          const name = pstr(p, 'name', true);
          return {
            tenant: c.tenant,
            target: name,
            jobs: true,
            run: ({ stuck }) => {
              requireActive(c, 'firewall');
              for (const x of clm().networkPaths.values()) {
                if (x.containerGuid === c.guid && x.name === name) throw alreadyExists(`NetworkPath ${name} already exists`, { existingGuid: x.guid });
              }
              const action = (pstr(p, 'action') ?? 'permit').toLowerCase();
              if (action !== 'permit' && action !== 'deny') throw badRequest('operationParam action must be permit or deny');
              const path: ClmNetworkPath = {
                guid: randomUUID(),
                name,
                tenant: c.tenant,
                containerGuid: c.guid,
                source: pstr(p, 'source', true),
                destination: pstr(p, 'destination', true),
                protocol: (pstr(p, 'protocol') ?? 'TCP').toUpperCase(),
                port: pstr(p, 'port') ?? 'any',
                action,
                state: 'PROVISIONING',
              };
              clm().networkPaths.set(path.guid, path);
              const t = newTask('NetworkPath', 'create', c.tenant, path.guid, stuck);
              run(t, 'clm.createNetworkPath', () => {
                path.state = 'ACTIVE';
                return [pathView(path)];
              });
              return taskReply(req, t);
            },
          };
        },
      },
      {
        method: 'GET',
        path: '/csm/NetworkPath/:guid',
        op: 'getNetworkPath',
        handle: (req) =>
          read(() => {
            const p = clm().networkPaths.get(req.params.guid);
            if (!p) throw notFound(`NetworkPath ${req.params.guid}`);
            return ok([pathView(p)]);
          }, req.params.guid),
      },
      {
        method: 'DELETE',
        path: '/csm/NetworkPath/:guid',
        op: 'deleteNetworkPath',
        effect: true,
        handle: (req) => {
          const path = clm().networkPaths.get(req.params.guid);
          if (!path) throw notFound(`NetworkPath ${req.params.guid}`);
          return {
            tenant: path.tenant,
            target: path.name,
            jobs: true,
            run: ({ stuck }) => {
              if (!clm().networkPaths.has(path.guid)) throw notFound(`NetworkPath ${path.guid}`);
              if (path.state === 'DELETING') throw new SimError(409, 'ALREADY_IN_DESIRED_STATE', `NetworkPath ${path.name} is already being deleted`, { existingGuid: path.guid });
              path.state = 'DELETING';
              const t = newTask('NetworkPath', 'delete', path.tenant, path.guid, stuck);
              run(t, 'clm.deleteNetworkPath', () => {
                clm().networkPaths.delete(path.guid);
                return [];
              });
              return taskReply(req, t);
            },
          };
        },
      },
      {
        method: 'POST',
        path: '/csm/LoadBalancerPool',
        op: 'createLoadBalancerPool',
        effect: true,
        handle: (req) => {
          const p = params(req);
          const c = findContainer(pstr(p, 'networkContainer') ?? pstr(p, 'container', true));
          const name = pstr(p, 'name', true);
          return {
            tenant: c.tenant,
            target: name,
            jobs: true,
            run: ({ stuck }) => {
              requireActive(c, 'load-balancer');
              const vip = pstr(p, 'virtualIPAddress', true);
              if (!isIpv4(vip)) throw badRequest('operationParam virtualIPAddress must be an IPv4 address');
              const port = pnum(p, 'clientPortNumber', 80);
              for (const x of clm().lbPools.values()) {
                if (x.containerGuid === c.guid && (x.name === name || (x.virtualIPAddress === vip && x.clientPortNumber === port))) {
                  throw alreadyExists(`LoadBalancerPool ${x.name} (${x.virtualIPAddress}:${x.clientPortNumber}) already exists`, { existingGuid: x.guid });
                }
              }
              const pool: ClmLoadBalancerPool = {
                guid: randomUUID(),
                name,
                tenant: c.tenant,
                containerGuid: c.guid,
                virtualIPAddress: vip,
                clientPortNumber: port,
                transportProtocol: pnum(p, 'transportProtocol', 6),
                entries: entries(p),
                state: 'PROVISIONING',
              };
              clm().lbPools.set(pool.guid, pool);
              const t = newTask('LoadBalancerPool', 'create', c.tenant, pool.guid, stuck);
              run(t, 'clm.createLoadBalancerPool', () => {
                pool.state = 'ACTIVE';
                return [lbView(pool)];
              });
              return taskReply(req, t);
            },
          };
        },
      },
      {
        method: 'GET',
        path: '/csm/LoadBalancerPool/:guid',
        op: 'getLoadBalancerPool',
        handle: (req) =>
          read(() => {
            const p = clm().lbPools.get(req.params.guid);
            if (!p) throw notFound(`LoadBalancerPool ${req.params.guid}`);
            return ok([lbView(p)]);
          }, req.params.guid),
      },
      {
        method: 'POST',
        path: '/csm/LoadBalancerPool/:guid/update',
        op: 'updateLoadBalancerPool',
        effect: true,
        handle: (req) => {
          const pool = clm().lbPools.get(req.params.guid);
          if (!pool) throw notFound(`LoadBalancerPool ${req.params.guid}`);
          const p = params(req);
          const list = entries(p);
          return {
            tenant: pool.tenant,
            target: pool.name,
            jobs: true,
            run: ({ stuck }) => {
              const t = newTask('LoadBalancerPool', 'update', pool.tenant, pool.guid, stuck);
              run(t, 'clm.updateLoadBalancerPool', () => {
                pool.entries = list;
                return [lbView(pool)];
              });
              return taskReply(req, t);
            },
          };
        },
      },
      {
        method: 'DELETE',
        path: '/csm/LoadBalancerPool/:guid',
        op: 'deleteLoadBalancerPool',
        effect: true,
        handle: (req) => {
          const pool = clm().lbPools.get(req.params.guid);
          if (!pool) throw notFound(`LoadBalancerPool ${req.params.guid}`);
          return {
            tenant: pool.tenant,
            target: pool.name,
            jobs: true,
            run: ({ stuck }) => {
              if (!clm().lbPools.has(pool.guid)) throw notFound(`LoadBalancerPool ${pool.guid}`);
              if (pool.state === 'DELETING') throw new SimError(409, 'ALREADY_IN_DESIRED_STATE', `LoadBalancerPool ${pool.name} is already being deleted`, { existingGuid: pool.guid });
              pool.state = 'DELETING';
              const t = newTask('LoadBalancerPool', 'delete', pool.tenant, pool.guid, stuck);
              run(t, 'clm.deleteLoadBalancerPool', () => {
                clm().lbPools.delete(pool.guid);
                return [];
              });
              return taskReply(req, t);
            },
          };
        },
      },
      {
        method: 'POST',
        path: '/csm/ServiceOfferingInstance/bulkCreate',
        op: 'provisionServiceOffering',
        effect: true,
        handle: (req) => {
          const p = params(req);
          const offeringRef = pstr(p, 'serviceOfferingID', true);
          const tenant = pstr(p, 'tenant', true);
          const prefix = pstr(p, 'hostnamePrefix', true);
          return {
            tenant,
            target: prefix,
            jobs: true,
            run: ({ stuck }) => {
              const offering = OFFERINGS.find((o) => o.guid === offeringRef || o.name === offeringRef);
              if (!offering || offering.kind !== 'control-server' || !('role' in offering) || !offering.role) {
                throw badRequest(`serviceOfferingID ${offeringRef} is not an InMage control-server offering`);
              }
              const t0 = sim.state.tenants.get(tenant);
              if (!t0) throw notFound(`tenant ${tenant}`);
              const role = offering.role;
              const quantity = pnum(p, 'quantity', 1);
              if (!Number.isInteger(quantity) || quantity < 1 || quantity > 100) throw badRequest('operationParam quantity must be 1-100');
              const site = pstr(p, 'site') ?? (role === 'ps' ? t0.primarySite : t0.drSite);
              const drills = pbool(p, 'drillsEnabled') ?? true;
              const names = Array.from({ length: quantity }, (_, i) => (quantity === 1 ? prefix : `${prefix}-${i + 1}`));
              for (const n of names) {
                for (const s of clm().offeringInstances.values()) {
                  if (s.tenant === tenant && s.hostname === n) throw alreadyExists(`ServiceOfferingInstance ${n} already exists`, { existingGuid: s.guid });
                }
              }
              const sois: ClmServiceOfferingInstance[] = names.map((hostname) => ({
                guid: randomUUID(),
                name: `${offering.name} ${hostname}`,
                tenant,
                offering: offering.guid,
                hostname,
                role,
                site,
                controlServerId: null,
                state: 'PROVISIONING',
                drillsEnabled: drills,
              }));
              for (const s of sois) clm().offeringInstances.set(s.guid, s);
              const t = newTask('ServiceOfferingInstance', 'bulkCreate', tenant, sois[0].guid, stuck);
              run(t, 'clm.provisionServiceOffering', () => {
                const done: Record<string, unknown>[] = [];
                for (const s of sois) {
                  try {
                    const cs = registerControlServer(sim, { tenant, role, name: s.hostname, site, drillsEnabled: s.drillsEnabled });
                    s.controlServerId = cs.id;
                    s.state = 'ACTIVE';
                    done.push(soiView(s));
                  } catch (err) {
                    s.state = 'FAILED';
                    throw err;
                  }
                }
                return done;
              });
              return taskReply(req, t);
            },
          };
        },
      },
      {
        method: 'POST',
        path: '/csm/ServiceOfferingInstance/search',
        op: 'searchServiceOfferingInstances',
        handle: (req) =>
          read(() => {
            const p = params(req);
            const hostname = pstr(p, 'hostname') ?? literalFromCriteria(p.get('criteria'), 'hostname');
            const tenant = pstr(p, 'tenant') ?? literalFromCriteria(p.get('criteria'), 'tenant');
            const results = [...clm().offeringInstances.values()]
              .filter((s) => (!hostname || s.hostname === hostname) && (!tenant || s.tenant === tenant))
              .map(soiView);
            return ok({ cloudClass: `${BEAN}.SearchResults`, pageNo: 1, pageSize: results.length, results });
          }),
      },
      {
        method: 'GET',
        path: '/csm/ServiceOfferingInstance/:guid',
        op: 'getServiceOfferingInstance',
        handle: (req) =>
          read(() => {
            const s = clm().offeringInstances.get(req.params.guid);
            if (!s) throw notFound(`ServiceOfferingInstance ${req.params.guid}`);
            return ok([soiView(s)]);
          }, req.params.guid),
      },
      {
        method: 'DELETE',
        path: '/csm/ServiceOfferingInstance/:guid',
        op: 'decommissionServiceOffering',
        effect: true,
        handle: (req) => {
          const s = clm().offeringInstances.get(req.params.guid);
          if (!s) throw notFound(`ServiceOfferingInstance ${req.params.guid}`);
          return {
            tenant: s.tenant,
            target: s.hostname,
            jobs: true,
            run: ({ stuck }) => {
              if (!clm().offeringInstances.has(s.guid)) throw notFound(`ServiceOfferingInstance ${s.guid}`);
              if (s.state === 'DECOMMISSIONING') {
                throw new SimError(409, 'ALREADY_IN_DESIRED_STATE', `ServiceOfferingInstance ${s.hostname} is already being decommissioned`, { existingGuid: s.guid });
              }
              const cs = s.controlServerId ? sim.state.inmage.controlServers.get(s.controlServerId) : undefined;
              if (cs?.planId) throw refused('CONTROL_SERVER_IN_USE', `${s.hostname} still serves protection plan ${cs.planId}`);
              s.state = 'DECOMMISSIONING';
              const t = newTask('ServiceOfferingInstance', 'decommission', s.tenant, s.guid, stuck);
              run(t, 'clm.decommissionServiceOffering', () => {
                const current = s.controlServerId ? sim.state.inmage.controlServers.get(s.controlServerId) : undefined;
                if (current) deregisterControlServer(sim, current);
                clm().offeringInstances.delete(s.guid);
                return [];
              });
              return taskReply(req, t);
            },
          };
        },
      },
    ],
  };

  function taskRead(req: Req) {
    const t = clm().tasks.get(req.params.guid);
    return read(() => {
      if (!t) throw notFound(`Task ${req.params.guid}`);
      return taskReply(req, t);
    }, t?.targetGuid ?? req.params.guid, t?.tenant);
  }
}

function entries(p: Map<string, unknown>): string[] {
  const v = p.get('entries');
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => !isIpv4(x))) throw badRequest('operationParam entries must be an array of IPv4 addresses');
  return v as string[];
}

/** Pulls the literal compared with `references: [field]` out of a CLM QueryNode criteria tree. */
function literalFromCriteria(node: unknown, field: string): string | undefined {
  if (typeof node !== 'object' || node === null) return undefined;
  const o = node as Record<string, unknown>;
  const ops = Array.isArray(o.operands) ? o.operands : Array.isArray(o.children) ? o.children : [];
  const refs = ops.find((x) => Array.isArray((x as Record<string, unknown>)?.references)) as Record<string, unknown> | undefined;
  const lit = ops.find((x) => Array.isArray((x as Record<string, unknown>)?.values)) as Record<string, unknown> | undefined;
  if (refs && lit && (refs.references as unknown[])[0] === field) return String((lit.values as unknown[])[0]);
  for (const child of ops) {
    const found = literalFromCriteria(child, field);
    if (found !== undefined) return found;
  }
  return undefined;
}
