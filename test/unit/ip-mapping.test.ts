import { cidrsOverlap, formatIpv4, mapToDr, parseCidr, parseIpv4, validateSubnetRules } from '../../domain/ip-mapping';

describe('IP mapping', () => {
  const rules = [
    { primaryCidr: '10.1.0.0/16', drCidr: '172.16.0.0/16' },
    { primaryCidr: '10.1.5.0/24', drCidr: '192.168.50.0/24', gateway: '192.168.50.1' },
  ];

  it('keeps the host part and prefers the most specific rule', () => {
    expect(mapToDr('10.1.2.3', rules)).toBe('172.16.2.3');
    expect(mapToDr('10.1.5.77', rules)).toBe('192.168.50.77');
    expect(mapToDr('10.2.0.1', rules)).toBeNull();
  });

  it('lets a per-VM override win', () => {
    expect(mapToDr('10.1.2.3', rules, '172.31.9.9')).toBe('172.31.9.9');
  });

  it('parses and formats addresses and CIDRs strictly', () => {
    expect(formatIpv4(parseIpv4('255.0.10.1') as number)).toBe('255.0.10.1');
    expect(parseIpv4('256.1.1.1')).toBeNull();
    expect(parseIpv4('1.2.3')).toBeNull();
    expect(parseCidr('10.1.0.0/16')).toEqual({ network: parseIpv4('10.1.0.0'), prefix: 16 });
    expect(parseCidr('10.1.0.1/16')).toBeNull();
    expect(parseCidr('10.1.0.0/33')).toBeNull();
    expect(cidrsOverlap(parseCidr('10.1.0.0/16')!, parseCidr('10.1.5.0/24')!)).toBe(true);
    expect(cidrsOverlap(parseCidr('10.1.0.0/16')!, parseCidr('10.2.0.0/16')!)).toBe(false);
  });

  it('names each bad rule', () => {
    expect(validateSubnetRules(rules)).toEqual([]);
    expect(
      validateSubnetRules([
        { primaryCidr: '10.1.0.0/16', drCidr: '172.16.0.0/24' },
        { primaryCidr: 'x', drCidr: '172.16.0.0/16' },
        { primaryCidr: '10.1.0.0/16', drCidr: '172.17.0.0/16', gateway: '10.0.0.1' },
      ]),
    ).toEqual([
      'rules.0: 10.1.0.0/16 and 172.16.0.0/24 differ in size',
      'rules.1.primaryCidr x is not a network CIDR',
      'rules.2.gateway 10.0.0.1 is not an address in 172.17.0.0/16',
      'rules.2: 10.1.0.0/16 is already mapped by rules.0',
    ]);
  });
});
