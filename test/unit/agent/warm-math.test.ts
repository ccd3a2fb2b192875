import type { WarmTargets } from '../../../node-agent/config/types';
import { ReleaseGate } from '../../../node-agent/pool/release-gate';
import {
  type LeaseUnit,
  type NodeCapacity,
  nodeCapacity,
  type PoolCounts,
  type UnitUsage,
  unitsToLease,
  unitsToRelease,
} from '../../../node-agent/pool/warm-math';

const M5_LARGE = { maxEnis: 3, ipv4PerEni: 10, maxPods: 29 };
const IP_CAPACITY = nodeCapacity(M5_LARGE, 'ipv4', undefined, undefined);

function ipRule(warmIpTarget: number, minimumIpTarget: number, unit: LeaseUnit = 'ipv4') {
  return { targets: { rule: 'ip', warmIpTarget, minimumIpTarget } as WarmTargets, unit };
}

/** `n` secondary addresses on ENIs of 9, the first `inUse` of them assigned. */
function addresses(n: number, inUse = 0): UnitUsage[] {
  return Array.from({ length: n }, (_, i) => ({
    address: `10.0.${Math.floor(i / 9)}.${10 + (i % 9)}`,
    eniId: `eni-${Math.floor(i / 9)}`,
    deviceIndex: Math.floor(i / 9),
    inUse: i < inUse ? 1 : 0,
  }));
}

function counts(total: number, assigned: number, cooling = 0, waiting = 0): PoolCounts {
  return { total, assigned, cooling, waiting };
}

describe('Module: warm-math', () => {
  describe('Function: nodeCapacity', () => {
    it('caps addresses by max pods and units by MAX_ENI', () => {
      // Act
      const full = nodeCapacity(M5_LARGE, 'ipv4', undefined, undefined);
      const capped = nodeCapacity(M5_LARGE, 'ipv4', 1, undefined);
      const prefixes = nodeCapacity(M5_LARGE, 'prefix', undefined, 110);

      // Assess
      expect(full).toEqual({ maxAddresses: 27, unitsPerEni: 9, maxUnits: 27 });
      expect(capped).toEqual({ maxAddresses: 9, unitsPerEni: 9, maxUnits: 9 });
      expect(prefixes).toEqual({ maxAddresses: 110, unitsPerEni: 9, maxUnits: 27 });
    });
  });

  describe('Function: unitsToLease with WARM_IP_TARGET / MINIMUM_IP_TARGET', () => {
    it('leases up to MINIMUM_IP_TARGET on an empty node', () => {
      // Act
      const n = unitsToLease(ipRule(2, 10), counts(0, 0), [], IP_CAPACITY);

      // Assess
      expect(n).toBe(10);
    });

    it('keeps WARM_IP_TARGET free once the minimum is in use (README: MIN=30, WARM=2 → 32)', () => {
      // Prepare
      const big = nodeCapacity({ maxEnis: 8, ipv4PerEni: 30, maxPods: 234 }, 'ipv4', undefined, undefined);

      // Act
      const atStart = unitsToLease(ipRule(2, 30), counts(0, 0), [], big);
      const after30Pods = unitsToLease(ipRule(2, 30), counts(30, 30), addresses(30, 30), big);

      // Assess
      expect(atStart).toBe(30);
      expect(after30Pods).toBe(2);
    });

    it('does not count cooling addresses as available', () => {
      // Act
      const n = unitsToLease(ipRule(5, 0), counts(10, 5, 3), addresses(10, 8), IP_CAPACITY);

      // Assess
      expect(n).toBe(3);
    });

    it('leases for waiting pods even with no warm target', () => {
      // Act
      const n = unitsToLease(ipRule(0, 0), counts(2, 2, 0, 3), addresses(2, 2), IP_CAPACITY);

      // Assess
      expect(n).toBe(3);
    });

    it('leases for waiting pods and the warm target in one batch', () => {
      // Act: 10 leased, none assigned, 20 pods waiting, WARM_IP_TARGET=5
      const n = unitsToLease(ipRule(5, 10), counts(10, 0, 0, 20), addresses(10, 0), IP_CAPACITY);

      // Assess
      expect(n).toBe(15);
    });

    it('never grows past max pods', () => {
      // Act
      const n = unitsToLease(ipRule(10, 0), counts(25, 25), addresses(25, 25), IP_CAPACITY);

      // Assess
      expect(n).toBe(2);
    });

    it('leases nothing when the targets are met', () => {
      // Act
      const n = unitsToLease(ipRule(5, 10), counts(10, 5), addresses(10, 5), IP_CAPACITY);

      // Assess
      expect(n).toBe(0);
    });

    it('counts /28 prefixes in prefix delegation mode (seeds: WARM_IP_TARGET=16, one pod → second prefix)', () => {
      // Prepare
      const capacity = nodeCapacity(M5_LARGE, 'prefix', undefined, 110);
      const onePrefix = [{ address: '10.0.1.16/28', eniId: 'eni-0', deviceIndex: 0, inUse: 1 }];

      // Act
      const empty = unitsToLease(ipRule(16, 0, 'prefix'), counts(0, 0), [], capacity);
      const afterOnePod = unitsToLease(ipRule(16, 0, 'prefix'), counts(16, 1), onePrefix, capacity);

      // Assess
      expect(empty).toBe(1);
      expect(afterOnePod).toBe(1);
    });
  });

  describe('Function: unitsToLease with WARM_ENI_TARGET', () => {
    it('leases a whole ENI’s worth when available falls below one ENI', () => {
      // Prepare
      const rule = { targets: { rule: 'eni', warmEniTarget: 1 } as WarmTargets, unit: 'ipv4' as const };

      // Act
      const atStart = unitsToLease(rule, counts(0, 0), [], IP_CAPACITY);
      const afterOnePod = unitsToLease(rule, counts(9, 1), addresses(9, 1), IP_CAPACITY);
      const full = unitsToLease(rule, counts(9, 0), addresses(9), IP_CAPACITY);

      // Assess
      expect(atStart).toBe(9);
      expect(afterOnePod).toBe(9);
      expect(full).toBe(0);
    });

    it('leases nothing with WARM_ENI_TARGET=0 until a pod waits', () => {
      // Prepare
      const rule = { targets: { rule: 'eni', warmEniTarget: 0 } as WarmTargets, unit: 'ipv4' as const };

      // Act
      const idle = unitsToLease(rule, counts(0, 0), [], IP_CAPACITY);
      const waiting = unitsToLease(rule, counts(0, 0, 0, 1), [], IP_CAPACITY);

      // Assess
      expect(idle).toBe(0);
      expect(waiting).toBe(9);
    });
  });

  describe('Function: unitsToLease with WARM_PREFIX_TARGET', () => {
    it('keeps the target number of wholly free prefixes', () => {
      // Prepare
      const rule = {
        targets: { rule: 'prefix', warmPrefixTarget: 1 } as WarmTargets,
        unit: 'prefix' as const,
      };
      const capacity: NodeCapacity = nodeCapacity(M5_LARGE, 'prefix', undefined, 110);
      const used = [{ address: '10.0.1.16/28', eniId: 'eni-0', deviceIndex: 0, inUse: 1 }];
      const free = [{ address: '10.0.1.32/28', eniId: 'eni-0', deviceIndex: 0, inUse: 0 }];

      // Act
      const oneUsed = unitsToLease(rule, counts(16, 1), used, capacity);
      const oneFree = unitsToLease(rule, counts(32, 1), [...used, ...free], capacity);

      // Assess
      expect(oneUsed).toBe(1);
      expect(oneFree).toBe(0);
    });
  });

  describe('Function: unitsToRelease', () => {
    it('releases max(min(available − WARM, total − MIN), 0) free addresses, highest ENI first', () => {
      // Act
      const released = unitsToRelease(ipRule(2, 5), counts(18, 3), addresses(18, 3), IP_CAPACITY);

      // Assess
      expect(released).toHaveLength(13);
      expect(released.every((a) => !addresses(3).some((u) => u.address === a))).toBe(true);
      expect(released[0]).toMatch(/^10\.0\.1\./);
    });

    it('never releases an address in use or cooling, nor while pods wait', () => {
      // Act
      const allInUse = unitsToRelease(ipRule(0, 0), counts(5, 3, 2), addresses(5, 5), IP_CAPACITY);
      const waiting = unitsToRelease(ipRule(0, 0), counts(5, 0, 0, 1), addresses(5), IP_CAPACITY);

      // Assess
      expect(allInUse).toEqual([]);
      expect(waiting).toEqual([]);
    });

    it('releases only whole free secondary ENIs under WARM_ENI_TARGET', () => {
      // Prepare
      const rule = { targets: { rule: 'eni', warmEniTarget: 1 } as WarmTargets, unit: 'ipv4' as const };

      // Act
      const keepOne = unitsToRelease(rule, counts(27, 1), addresses(27, 1), IP_CAPACITY);
      const keepAll = unitsToRelease(rule, counts(18, 1), addresses(18, 1), IP_CAPACITY);

      // Assess
      expect(keepOne).toHaveLength(9);
      expect(keepOne.every((a) => a.startsWith('10.0.2.'))).toBe(true);
      expect(keepAll).toEqual([]);
    });

    it('releases free prefixes beyond WARM_PREFIX_TARGET', () => {
      // Prepare
      const rule = {
        targets: { rule: 'prefix', warmPrefixTarget: 1 } as WarmTargets,
        unit: 'prefix' as const,
      };
      const capacity = nodeCapacity(M5_LARGE, 'prefix', undefined, 110);
      const units = ['16', '32', '48'].map((n, i) => ({
        address: `10.0.1.${n}/28`,
        eniId: 'eni-0',
        deviceIndex: 0,
        inUse: i === 0 ? 4 : 0,
      }));

      // Act
      const released = unitsToRelease(rule, counts(48, 4), units, capacity);

      // Assess
      expect(released).toEqual(['10.0.1.48/28']);
    });

    it('gives back what exceeds a lowered max pods', () => {
      // Prepare
      const capacity = nodeCapacity(M5_LARGE, 'ipv4', undefined, 4);

      // Act
      const released = unitsToRelease(ipRule(10, 10), counts(9, 2), addresses(9, 2), capacity);

      // Assess
      expect(released).toHaveLength(5);
    });
  });

  describe('Class: ReleaseGate', () => {
    it('releases only after the excess persists and not more often than the interval', () => {
      // Prepare
      const gate = new ReleaseGate({ settleMs: 1000, intervalMs: 5000 });

      // Act
      const first = gate.shouldRelease(true, 0);
      const settled = gate.shouldRelease(true, 1000);
      gate.released(1000);
      const tooSoon = gate.shouldRelease(true, 3000);
      const later = gate.shouldRelease(true, 6000);

      // Assess
      expect([first, settled, tooSoon, later]).toEqual([false, true, false, true]);
    });

    it('restarts the settle time when the excess disappears', () => {
      // Prepare
      const gate = new ReleaseGate({ settleMs: 1000, intervalMs: 0 });

      // Act
      gate.shouldRelease(true, 0);
      gate.shouldRelease(false, 500);
      const afterGap = gate.shouldRelease(true, 1200);
      const settled = gate.shouldRelease(true, 2200);

      // Assess
      expect([afterGap, settled]).toEqual([false, true]);
    });
  });
});
