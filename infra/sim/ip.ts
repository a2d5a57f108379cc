/** IPv4 arithmetic for pools, subnets and re-IP. */
export function ipToInt(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4) return NaN;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return NaN;
    const v = Number(p);
    if (v > 255) return NaN;
    n = n * 256 + v;
  }
  return n;
}

export function intToIp(n: number): string {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function isIpv4(ip: unknown): ip is string {
  return typeof ip === 'string' && !Number.isNaN(ipToInt(ip));
}

/** Parses `a.b.c.d/p` into network base and prefix length, or null. */
export function parseCidr(cidr: string): { base: number; prefix: number } | null {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d{1,2})$/.exec(cidr);
  if (!m) return null;
  const ip = ipToInt(m[1]);
  const prefix = Number(m[2]);
  if (Number.isNaN(ip) || prefix < 8 || prefix > 30) return null;
  const size = 2 ** (32 - prefix);
  return { base: Math.floor(ip / size) * size, prefix };
}

/** Smallest prefix whose subnet holds `hosts` usable addresses plus network, gateway, broadcast. */
export function prefixFor(hosts: number): number {
  let prefix = 30;
  while (prefix > 8 && 2 ** (32 - prefix) < hosts + 3) prefix--;
  return prefix;
}
