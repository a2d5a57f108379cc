/**
 * Pure rules of onboarding shared by the workflows and their tests: how a tier's VMDC container is
 * modified for DR (Cisco DRaaS guide, "Modifications in VMDC Network Containers for DRaaS"), which network
 * covers the tenant's primary addresses, and which process server carries which protection plan.
 */
import { PROCESS_SERVER_GB_PER_DAY, type OsFamily } from './inmage-sizing';
import { formatIpv4, parseIpv4 } from './ip-mapping';

export type ContainerTier = 'Gold' | 'Silver' | 'Bronze' | 'Copper';

export interface ContainerLayout {
  tier: ContainerTier;
  /**
   * A single-VLAN container (Bronze, Copper) gets a new VLAN for the InMage servers, the inside interface of
   * the VPN context; Gold and Silver host them in their second (app) VLAN.
   */
  needsInmageVlan: boolean;
  /** Network paths need a firewall service in the container (Table 2-1: none in Silver). */
  hasFirewall: boolean;
  /** VIPs need a load balancer (Table 2-1: none in Copper). */
  hasLoadBalancer: boolean;
}

const LAYOUTS: Record<ContainerTier, Omit<ContainerLayout, 'tier'>> = {
  Gold: { needsInmageVlan: false, hasFirewall: true, hasLoadBalancer: true },
  Silver: { needsInmageVlan: false, hasFirewall: false, hasLoadBalancer: true },
  Bronze: { needsInmageVlan: true, hasFirewall: true, hasLoadBalancer: true },
  Copper: { needsInmageVlan: true, hasFirewall: true, hasLoadBalancer: false },
};

/** The CLM tier for an inventory tier (`gold` → `Gold`). */
export function containerLayout(tier: string): ContainerLayout {
  const t = (tier.charAt(0).toUpperCase() + tier.slice(1).toLowerCase()) as ContainerTier;
  const layout = LAYOUTS[t];
  if (!layout) throw new Error(`unknown container tier ${tier}`);
  return { tier: t, ...layout };
}

/** The smallest network holding every address (at most a /8 and at least a /24); null without addresses. */
export function coveringNetwork(ips: string[]): string | null {
  const nums = ips.map(parseIpv4).filter((n): n is number => n !== null);
  if (nums.length === 0) return null;
  const lo = Math.min(...nums);
  const hi = Math.max(...nums);
  let prefix = 24;
  const base = (n: number, p: number) => n - (n % 2 ** (32 - p));
  while (prefix > 8 && base(lo, prefix) !== base(hi, prefix)) prefix -= 1;
  return `${formatIpv4(base(lo, prefix))}/${prefix}`;
}

/** The first host of a network (`10.1.0.0/16` → `10.1.0.1`). */
export function firstHost(cidr: string): string {
  const n = parseIpv4(cidr.split('/')[0]) ?? 0;
  return formatIpv4(n + 1);
}

/** InMage's OS family for a guest OS string. */
export function osFamilyOf(os: string): OsFamily {
  return /windows|win/i.test(os) ? 'windows' : 'linux';
}

export interface PlanLoad {
  plan: string;
  changeRateGbPerDay: number;
}

export interface ProcessServerAssignment {
  name: string;
  plans: string[];
  changeRateGbPerDay: number;
}

/**
 * A plan is served by one process server, so process servers are filled with whole plans (first fit
 * decreasing under 1 TB/day); `existing` servers with their free capacity are used first.
 */
export function assignProcessServers(
  plans: PlanLoad[],
  namePrefix: string,
  existing: { name: string; freeGbPerDay: number }[] = [],
  limitGbPerDay = PROCESS_SERVER_GB_PER_DAY,
): { servers: ProcessServerAssignment[]; planToServer: Record<string, string>; newServers: string[] } {
  const servers = existing.map((e) => ({ name: e.name, plans: [] as string[], changeRateGbPerDay: limitGbPerDay - e.freeGbPerDay }));
  const newServers: string[] = [];
  const planToServer: Record<string, string> = {};
  const sorted = [...plans].sort((a, b) => b.changeRateGbPerDay - a.changeRateGbPerDay || (a.plan < b.plan ? -1 : 1));
  for (const p of sorted) {
    let ps = servers.find((s) => s.changeRateGbPerDay + p.changeRateGbPerDay <= limitGbPerDay);
    if (!ps) {
      const name = `${namePrefix}-${newServers.length + 1}`;
      ps = { name, plans: [], changeRateGbPerDay: 0 };
      servers.push(ps);
      newServers.push(name);
    }
    ps.plans.push(p.plan);
    ps.changeRateGbPerDay += p.changeRateGbPerDay;
    planToServer[p.plan] = ps.name;
  }
  return { servers: servers.filter((s) => s.plans.length > 0 || newServers.includes(s.name)), planToServer, newServers };
}
