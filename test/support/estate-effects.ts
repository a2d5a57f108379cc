import type { OpEntry, SimControl } from '../clients/estate-fixture';

/**
 * Side effects counted on the estate, not per idempotency key. The real CLM, BNA, ASA, InMage and vCenter
 * keep no idempotency store, so the durability suites run the simulator with keys ignored
 * (`PUT /_sim/idempotency {"mode":"none"}`): a call that really repeated shows up here as a second VM, a
 * second address or a second power-on that took effect, whatever its key.
 */
export interface EstateEffects {
  /** Per VM name: its copies at the tenant's DR site. */
  drVms: Record<string, number>;
  /** Per VM name: its copies at the tenant's primary site. */
  primaryVms: Record<string, number>;
  /** Per VM name: power-ons that took effect since the mark (`ok`; a power-on of a running VM answers 409 and does nothing). */
  powerOns: Record<string, number>;
  /** The tenant's CLM network containers (not being deleted), BNA VLANs, ASA security contexts and IPsec tunnels. */
  containers: number;
  vlans: number;
  vpnContexts: number;
  tunnels: number;
  /** Every address reserved in the tenant's name, in any BNA pool. */
  reservations: { pool: string; owner: string; address: string }[];
  /** Tickets per operation that opened them (their `correlationId`). */
  ticketsPerOperation: Record<string, number>;
}

interface StateDump {
  opsLogged: number;
  sites: { site: string; kind: 'primary' | 'dr' }[];
  compute: { vms: { name: string; site: string; folder: string }[] };
  clm: { containers: { state: string }[] };
  bna: { vlans: unknown[]; pools: { id: string; reservations: { owner: string; address: string }[] }[] };
  asa: { contexts: { tunnels: unknown[] }[] };
  mgmt: { tickets: { correlationId?: string }[] };
}

/** The ops log's position now: effects counted `since` it are the ones made after this point. */
export async function opsMark(control: SimControl): Promise<number> {
  return ((await control.state()) as StateDump).opsLogged;
}

/** Counts one tenant's effects on the estate; power-ons only after `since` (an `opsMark`). */
export async function estateEffects(control: SimControl, tenant: string, opts: { since?: number } = {}): Promise<EstateEffects> {
  const state = (await control.state(tenant)) as StateDump;
  // A tenant's state lists every DR site but not a primary site shared with other tenants: not DR is primary.
  const kindOf = new Map(state.sites.map((s) => [s.site, s.kind]));
  const copies = (kind: 'primary' | 'dr'): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const vm of state.compute.vms) {
      if (vm.folder === tenant && (kindOf.get(vm.site) ?? 'primary') === kind) out[vm.name] = (out[vm.name] ?? 0) + 1;
    }
    return out;
  };
  const ops: OpEntry[] = await control.ops({ tenant, system: 'compute', op: 'powerOn', outcome: 'ok', since: String(opts.since ?? 0) });
  const powerOns: Record<string, number> = {};
  for (const e of ops) if (e.target) powerOns[e.target] = (powerOns[e.target] ?? 0) + 1;
  const ticketsPerOperation: Record<string, number> = {};
  for (const t of state.mgmt.tickets) if (t.correlationId) ticketsPerOperation[t.correlationId] = (ticketsPerOperation[t.correlationId] ?? 0) + 1;
  return {
    drVms: copies('dr'),
    primaryVms: copies('primary'),
    powerOns,
    containers: state.clm.containers.filter((c) => c.state !== 'DELETING').length,
    vlans: state.bna.vlans.length,
    vpnContexts: state.asa.contexts.length,
    tunnels: state.asa.contexts.reduce((n, c) => n + c.tunnels.length, 0),
    reservations: state.bna.pools.flatMap((p) => p.reservations.map((r) => ({ pool: p.id, owner: r.owner, address: r.address }))),
    ticketsPerOperation,
  };
}

export interface OnceEach {
  /** The tenant's VMs. */
  vms: string[];
  /** Copies of each VM expected at the DR site (1 while failed over, 0 once failed back). */
  drVms?: 0 | 1;
  /** Power-ons of each VM that took effect since the mark. */
  powerOns?: number;
  /** One container, one VLAN, one VPN context and one tunnel for the tenant (an onboarded tenant). */
  network?: boolean;
  /** Who may hold an address; with it, an address held by anyone else is an orphan. */
  owners?: string[];
}

/**
 * Where the estate departs from "each effect once", one line per departure (empty when none): per VM the
 * expected DR copies and power-ons and at most one copy at the primary; one container, VLAN, VPN context and
 * tunnel; no orphan IP reservation (an owner holding two addresses in one pool, or an address held by no
 * expected owner); at most one ticket per operation.
 */
export function effectsNotOnce(e: EstateEffects, want: OnceEach): string[] {
  const out: string[] = [];
  const expectEach = (what: string, counts: Record<string, number>, n: number) => {
    for (const vm of want.vms) if ((counts[vm] ?? 0) !== n) out.push(`${vm}: ${counts[vm] ?? 0} ${what}, expected ${n}`);
    for (const vm of Object.keys(counts)) if (!want.vms.includes(vm)) out.push(`${vm}: ${counts[vm]} ${what} of a VM not in the tenant`);
  };
  if (want.drVms !== undefined) expectEach('DR VMs', e.drVms, want.drVms);
  if (want.powerOns !== undefined) expectEach('power-ons that took effect', e.powerOns, want.powerOns);
  for (const [vm, n] of Object.entries(e.primaryVms)) if (n > 1) out.push(`${vm}: ${n} VMs at the primary site`);
  if (want.network) {
    for (const [what, n] of [['network containers', e.containers], ['VLANs', e.vlans], ['VPN contexts', e.vpnContexts], ['IPsec tunnels', e.tunnels]] as const) {
      if (n !== 1) out.push(`${n} ${what}, expected 1`);
    }
  }
  const held = new Map<string, string[]>();
  for (const r of e.reservations) held.set(`${r.pool} ${r.owner}`, [...(held.get(`${r.pool} ${r.owner}`) ?? []), r.address]);
  for (const [who, addresses] of held) if (addresses.length > 1) out.push(`${who} holds ${addresses.length} addresses (${addresses.join(', ')})`);
  if (want.owners) {
    for (const r of e.reservations) if (!want.owners.includes(r.owner)) out.push(`${r.address} in ${r.pool} is held by ${r.owner}, no owner Lifeline reserves for`);
  }
  for (const [operation, n] of Object.entries(e.ticketsPerOperation)) if (n > 1) out.push(`${n} tickets opened by ${operation}`);
  return out;
}
