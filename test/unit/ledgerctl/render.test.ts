import type { SubnetCapacity } from '../../../core/contract/api';
import { capacityBar, renderIp, renderSubnets, table } from '../../../infra/cli/ledgerctl/render';

const subnet = (over: Partial<SubnetCapacity> = {}): SubnetCapacity => ({
  subnetId: 'subnet-0a',
  cidr: '10.0.0.0/24',
  availabilityZone: 'us-east-1a',
  size: 251,
  ec2Free: 200,
  leasedToNodes: 40,
  assignedToPods: 30,
  cooling: 5,
  idleInWarmPools: 10,
  ...over,
});

describe('Module: ledgerctl render', () => {
  describe('Function: capacityBar', () => {
    it.each([
      ['a busy subnet', subnet()],
      [
        'an empty subnet',
        subnet({ ec2Free: 251, leasedToNodes: 0, assignedToPods: 0, cooling: 0, idleInWarmPools: 0 }),
      ],
      [
        'a full subnet',
        subnet({ ec2Free: 0, leasedToNodes: 251, assignedToPods: 251, idleInWarmPools: 0, cooling: 0 }),
      ],
      [
        'a zero-size subnet',
        subnet({ size: 0, ec2Free: 0, leasedToNodes: 0, assignedToPods: 0, cooling: 0, idleInWarmPools: 0 }),
      ],
    ])('is always exactly the asked width for %s', (_name, s) => {
      // Act
      const bar = capacityBar(s, 40);

      // Assess
      expect(bar).toMatch(/^\[.{40}\]$/);
    });

    it('scales each kind of use to its share of the subnet', () => {
      // Act: 100 usable, 50 used by pods, 25 idle, 25 EC2 free
      const bar = capacityBar(
        subnet({
          size: 100,
          ec2Free: 25,
          leasedToNodes: 75,
          assignedToPods: 50,
          idleInWarmPools: 25,
          cooling: 0,
        }),
        20,
      );

      // Assess
      expect(bar).toBe(`[${'#'.repeat(10)}${'+'.repeat(5)}${'.'.repeat(5)}]`);
    });
  });

  it('aligns table columns to the widest cell', () => {
    // Act
    const text = table(['A', 'LONG HEADER'], [['wide cell', 'x']]);

    // Assess
    expect(text.split('\n')).toEqual(['A          LONG HEADER', 'wide cell  x']);
  });

  it('shows every subnet with its counts and a legend', () => {
    // Act
    const text = renderSubnets([subnet(), subnet({ subnetId: 'subnet-0b', cidr: '10.0.1.0/24' })]);

    // Assess
    const lines = text.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(/^subnet-0a\s+10\.0\.0\.0\/24\s+us-east-1a\s+251\s+200\s+40\s+30\s+5\s+10\s+\[/);
    expect(lines[3]).toContain('# used by pods');
  });

  it('shows an address lookup with only what is known', () => {
    // Act
    const unknown = renderIp({ ip: '10.0.9.9', state: 'unknown' });
    const known = renderIp({
      ip: '10.0.0.17',
      state: 'leased',
      instanceId: 'i-0123456789abcdef0',
      eniId: 'eni-0aa',
      subnetId: 'subnet-0a',
      pod: { namespace: 'default', pod: 'web-1', containerId: '0123456789abcdef' },
    });

    // Assess
    expect(unknown.split('\n')).toEqual(['ip     10.0.9.9', 'state  unknown']);
    expect(known).toContain('node   i-0123456789abcdef0');
    expect(known).toContain('pod    default/web-1 (0123456789ab)');
  });
});
