import {
  addressesHeld,
  carvePlan,
  MOST_SPARE_PER_LEASE,
  prefixReserve,
  slotsUsedByEni,
  spareAddresses,
} from '../../../core/ec2/carve';
import type { AddressRecord } from '../../../core/ledger';

const record = (address: string, extra: Partial<AddressRecord> = {}): AddressRecord => ({
  address,
  kind: 'ipv4',
  state: 'leased',
  instanceId: 'i-1',
  eniId: 'eni-1',
  subnetId: 'subnet-1',
  ...extra,
});

describe('carvePlan', () => {
  it('covers whole prefixes with prefixes and a small remainder with single addresses', () => {
    // Prepare / Act
    const plan = carvePlan(35, 14, 0);
    // Assess
    expect(plan).toEqual({ prefixes: 2, singles: 3 });
  });

  it('rounds a remainder up to a prefix when the spare it leaves is small', () => {
    expect(carvePlan(10, 14, 0)).toEqual({ prefixes: 1, singles: 0 });
    expect(carvePlan(16 - MOST_SPARE_PER_LEASE, 14, 0)).toEqual({ prefixes: 1, singles: 0 });
    expect(carvePlan(16 - MOST_SPARE_PER_LEASE - 1, 14, 0)).toEqual({ prefixes: 0, singles: 8 });
  });

  it('takes a prefix instead of single addresses that would eat the slots the node needs to grow', () => {
    // Prepare: 5 free slots, 4 of them needed for prefixes later
    // Act
    const plan = carvePlan(3, 5, 4);
    // Assess
    expect(plan).toEqual({ prefixes: 1, singles: 0 });
  });

  it('never plans more slots than the ENI has free', () => {
    expect(carvePlan(100, 3, 0)).toEqual({ prefixes: 3, singles: 0 });
    expect(carvePlan(18, 1, 0)).toEqual({ prefixes: 1, singles: 0 });
    expect(carvePlan(5, 0, 0)).toEqual({ prefixes: 0, singles: 0 });
  });
});

describe('prefixReserve', () => {
  it('keeps a slot per 16 addresses the node may still need', () => {
    expect(prefixReserve(58, 0)).toBe(4);
    expect(prefixReserve(58, 50)).toBe(1);
    expect(prefixReserve(58, 60)).toBe(0);
  });
});

describe('the ledger view of carved prefixes', () => {
  const prefix = record('10.0.1.16/28', { kind: 'prefix', state: 'carved' });
  const leased = record('10.0.1.17', { carvedFrom: '10.0.1.16/28' });
  const cooling = record('10.0.1.18', { carvedFrom: '10.0.1.16/28', state: 'cooling', coolingUntil: 1 });
  const single = record('10.0.1.5');
  const primary = record('10.0.1.4', { state: 'primary' });
  const records = [prefix, leased, cooling, single, primary];

  it('counts the addresses of a carved prefix without a record as spare', () => {
    // Act
    const spare = spareAddresses(records);
    // Assess
    expect(spare).toHaveLength(14);
    expect(spare.map((s) => s.address)).not.toContain('10.0.1.17');
    expect(spare.map((s) => s.address)).not.toContain('10.0.1.18');
    expect(spare[0]).toEqual({ address: '10.0.1.16', prefix: '10.0.1.16/28', eniId: 'eni-1' });
  });

  it('counts a carved prefix as one slot and its addresses as none', () => {
    expect(slotsUsedByEni(records).get('eni-1')).toBe(3);
  });

  it('counts what the node holds: 16 per carved prefix, one per single address', () => {
    expect(addressesHeld(records)).toBe(17);
  });
});
