import {
  awsReservedAddresses,
  cidrContains,
  cidrsOverlap,
  formatIpv4,
  isAlignedPrefix,
  parseCidr,
  parseIpv4,
  usableAddressCount,
} from '../../core/net/ipv4';

describe('Module: core/net/ipv4', () => {
  it('round-trips addresses through their numeric form', () => {
    for (const ip of ['0.0.0.0', '10.0.1.17', '255.255.255.255', '192.168.0.1']) {
      expect(formatIpv4(parseIpv4(ip))).toBe(ip);
    }
  });

  it.each(['10.0.0', '10.0.0.256', '10.0.0.01', ' 10.0.0.1', 'a.b.c.d'])('rejects %j', (bad) => {
    expect(() => parseIpv4(bad)).toThrow(RangeError);
  });

  it('rejects CIDR blocks with host bits or bad lengths', () => {
    expect(() => parseCidr('10.0.0.1/24')).toThrow(/host bits/);
    expect(() => parseCidr('10.0.0.0/33')).toThrow(RangeError);
    expect(() => parseCidr('10.0.0.0')).toThrow(RangeError);
  });

  it('knows the five addresses AWS reserves in a subnet', () => {
    const subnet = parseCidr('10.0.1.0/24');
    expect(awsReservedAddresses(subnet).map(formatIpv4)).toEqual([
      '10.0.1.0',
      '10.0.1.1',
      '10.0.1.2',
      '10.0.1.3',
      '10.0.1.255',
    ]);
    expect(usableAddressCount(subnet)).toBe(251);
    expect(usableAddressCount(parseCidr('10.0.1.0/28'))).toBe(11);
  });

  it('tests containment, overlap and /28 alignment', () => {
    const vpc = parseCidr('10.0.0.0/16');
    expect(cidrContains(vpc, parseIpv4('10.0.255.1'))).toBe(true);
    expect(cidrContains(vpc, parseIpv4('10.1.0.1'))).toBe(false);
    expect(cidrsOverlap(vpc, parseCidr('10.0.3.0/24'))).toBe(true);
    expect(cidrsOverlap(parseCidr('10.0.3.0/24'), parseCidr('10.0.4.0/24'))).toBe(false);
    expect(isAlignedPrefix(parseCidr('10.0.1.32/28'))).toBe(true);
    expect(isAlignedPrefix(parseCidr('10.0.1.32/27'))).toBe(false);
  });
});
