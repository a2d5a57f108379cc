/**
 * Re-IP at the DR site (IPv4): a subnet rule maps a primary CIDR onto a DR CIDR of the same size, keeping
 * the host part; a per-VM override wins over the rules; management VMs take their reserved address from the
 * BNA pool instead. The most specific rule (longest prefix) wins, so rules may nest but never overlap equally.
 */
export interface SubnetRule {
  primaryCidr: string;
  drCidr: string;
  gateway?: string;
}

export interface Cidr {
  network: number;
  prefix: number;
}

export function parseIpv4(ip: string): number | null {
  const parts = ip.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    n = n * 256 + octet;
  }
  return n;
}

export function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

const maskOf = (prefix: number) => (prefix === 0 ? 0 : (0xffffffff - (2 ** (32 - prefix) - 1)) >>> 0);

/** Parses `a.b.c.d/n`; the address must be the network address (no host bits set). */
export function parseCidr(cidr: string): Cidr | null {
  const [ip, len, extra] = cidr.split('/');
  if (extra !== undefined || len === undefined || !/^\d{1,2}$/.test(len)) return null;
  const prefix = Number(len);
  const addr = parseIpv4(ip);
  if (addr === null || prefix > 32) return null;
  if (((addr & maskOf(prefix)) >>> 0) !== addr) return null;
  return { network: addr, prefix };
}

export function cidrContains(cidr: Cidr, ip: number): boolean {
  return ((ip & maskOf(cidr.prefix)) >>> 0) === cidr.network;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  const prefix = Math.min(a.prefix, b.prefix);
  return ((a.network & maskOf(prefix)) >>> 0) === ((b.network & maskOf(prefix)) >>> 0);
}

/** Problems with a rule set, each naming the rule: bad CIDRs, size mismatch, identical primary subnets. */
export function validateSubnetRules(rules: SubnetRule[]): string[] {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  rules.forEach((rule, i) => {
    const primary = parseCidr(rule.primaryCidr);
    const dr = parseCidr(rule.drCidr);
    if (!primary) problems.push(`rules.${i}.primaryCidr ${rule.primaryCidr} is not a network CIDR`);
    if (!dr) problems.push(`rules.${i}.drCidr ${rule.drCidr} is not a network CIDR`);
    if (primary && dr && primary.prefix !== dr.prefix) problems.push(`rules.${i}: ${rule.primaryCidr} and ${rule.drCidr} differ in size`);
    if (rule.gateway !== undefined && dr && (parseIpv4(rule.gateway) === null || !cidrContains(dr, parseIpv4(rule.gateway) as number))) {
      problems.push(`rules.${i}.gateway ${rule.gateway} is not an address in ${rule.drCidr}`);
    }
    if (primary) {
      const key = `${primary.network}/${primary.prefix}`;
      const other = seen.get(key);
      if (other !== undefined) problems.push(`rules.${i}: ${rule.primaryCidr} is already mapped by rules.${other}`);
      else seen.set(key, i);
    }
  });
  return problems;
}

/** The DR address for a primary address, or null when no rule covers it. */
export function mapToDr(primaryIp: string, rules: SubnetRule[], override?: string): string | null {
  if (override) return override;
  const ip = parseIpv4(primaryIp);
  if (ip === null) return null;
  let best: { primary: Cidr; dr: Cidr } | null = null;
  for (const rule of rules) {
    const primary = parseCidr(rule.primaryCidr);
    const dr = parseCidr(rule.drCidr);
    if (!primary || !dr || primary.prefix !== dr.prefix || !cidrContains(primary, ip)) continue;
    if (!best || primary.prefix > best.primary.prefix) best = { primary, dr };
  }
  if (!best) return null;
  const host = (ip & ~maskOf(best.primary.prefix)) >>> 0;
  return formatIpv4((best.dr.network | host) >>> 0);
}

export interface VmOverride {
  vm: string;
  primaryIp: string;
  drIp: string;
}

/** One DR address a workload VM is to hold: reserved in BNA under `owner`, inside `network` when a rule gives one. */
export interface MappedAddress {
  vm: string;
  owner: string;
  primaryIp: string;
  address: string;
  /** The DR subnet of the rule the address falls in (a rule's, or one covering an override), else null. */
  network: string | null;
}

/** The BNA owner of a VM's n-th mapped address (one reservation per owner and pool): the VM, then `vm#2`... */
export const mappedOwner = (vm: string, index: number): string => (index === 0 ? vm : `${vm}#${index + 1}`);

/**
 * Each workload VM's DR addresses by the tenant's mapping (per primary address: its override, else the most
 * specific subnet rule), and what stops a failover: a VM address no override or rule covers, and two VMs (or
 * two addresses of one VM) mapped onto one DR address. Management VMs take set-aside addresses instead.
 */
export function planDrAddresses(
  vms: { name: string; role: string; primaryIps: string[] }[],
  rules: SubnetRule[],
  overrides: VmOverride[],
): { addresses: MappedAddress[]; problems: { vm: string; reason: string }[] } {
  const addresses: MappedAddress[] = [];
  const problems: { vm: string; reason: string }[] = [];
  const drNets = rules.map((r) => ({ cidr: r.drCidr, parsed: parseCidr(r.drCidr) })).filter((r) => r.parsed !== null) as { cidr: string; parsed: Cidr }[];
  for (const vm of vms) {
    if (vm.role === 'management') continue;
    vm.primaryIps.forEach((ip, i) => {
      const override = overrides.find((o) => o.vm === vm.name && o.primaryIp === ip)?.drIp;
      const address = mapToDr(ip, rules, override);
      if (address === null) {
        problems.push({ vm: vm.name, reason: `${ip} has neither a per-VM override nor a subnet rule in the tenant's IP mapping` });
        return;
      }
      const n = parseIpv4(address);
      const network = n === null ? null : (drNets.filter((d) => cidrContains(d.parsed, n)).sort((a, b) => b.parsed.prefix - a.parsed.prefix)[0]?.cidr ?? null);
      addresses.push({ vm: vm.name, owner: mappedOwner(vm.name, i), primaryIp: ip, address, network });
    });
  }
  const byAddress = new Map<string, MappedAddress[]>();
  for (const a of addresses) byAddress.set(a.address, [...(byAddress.get(a.address) ?? []), a]);
  for (const [address, holders] of byAddress) {
    if (holders.length < 2) continue;
    for (const h of holders) {
      const others = holders.filter((x) => x !== h).map((x) => `${x.vm} (${x.primaryIp})`);
      problems.push({ vm: h.vm, reason: `${h.primaryIp} maps to ${address}, as does ${others.join(', ')}` });
    }
  }
  return { addresses, problems };
}
