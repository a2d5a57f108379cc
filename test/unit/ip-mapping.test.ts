import { cidrsOverlap, formatIpv4, mapToDr, parseCidr, parseIpv4, planDrAddresses, validateSubnetRules } from '../../domain/ip-mapping';

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

  it('plans each workload VM its DR addresses, naming the VMs it cannot place', () => {
    const vms = [
      { name: 'mon-1', role: 'management', primaryIps: ['10.9.9.9'] },
      { name: 'web-1', role: 'workload', primaryIps: ['10.1.2.3', '10.1.5.4'] },
      { name: 'db-1', role: 'workload', primaryIps: ['10.1.2.4'] },
      { name: 'app-1', role: 'workload', primaryIps: ['10.1.2.5'] },
      { name: 'lost-1', role: 'workload', primaryIps: ['10.7.0.1'] },
    ];
    const plan = planDrAddresses(vms, rules, [
      { vm: 'db-1', primaryIp: '10.1.2.4', drIp: '172.31.0.9' },
      { vm: 'app-1', primaryIp: '10.1.2.5', drIp: '172.16.2.3' },
    ]);
    expect(plan.addresses).toEqual([
      { vm: 'web-1', owner: 'web-1', primaryIp: '10.1.2.3', address: '172.16.2.3', network: '172.16.0.0/16' },
      { vm: 'web-1', owner: 'web-1#2', primaryIp: '10.1.5.4', address: '192.168.50.4', network: '192.168.50.0/24' },
      { vm: 'db-1', owner: 'db-1', primaryIp: '10.1.2.4', address: '172.31.0.9', network: null },
      { vm: 'app-1', owner: 'app-1', primaryIp: '10.1.2.5', address: '172.16.2.3', network: '172.16.0.0/16' },
    ]);
    expect(plan.problems).toEqual([
      { vm: 'lost-1', reason: "10.7.0.1 has neither a per-VM override nor a subnet rule in the tenant's IP mapping" },
      { vm: 'web-1', reason: '10.1.2.3 maps to 172.16.2.3, as does app-1 (10.1.2.5)' },
      { vm: 'app-1', reason: '10.1.2.5 maps to 172.16.2.3, as does web-1 (10.1.2.3)' },
    ]);
  });
});
