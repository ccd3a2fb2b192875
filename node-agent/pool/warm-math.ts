/**
 * The warm-pool arithmetic as pure functions: how many addresses (or /28 prefixes) to lease
 * and which to give back, for each rule the AWS VPC CNI defines (REFERENCE.md §1.3).
 * The pool supplies counts; nothing here knows about time, files or the network.
 */
import { PREFIX_SIZE } from '../../core/net/ipv4';
import type { WarmTargets } from '../config/types';

export type LeaseUnit = 'ipv4' | 'prefix';

/** One leased unit as the arithmetic sees it: a secondary address, or a /28 prefix. */
export interface UnitUsage {
  /** The address or prefix as leased (a.b.c.d or a.b.c.d/28). */
  readonly address: string;
  readonly eniId: string;
  readonly deviceIndex: number;
  /** Addresses of the unit assigned to pods or cooling down: the unit cannot be released. */
  readonly inUse: number;
}

export interface PoolCounts {
  /** Every leased address that a pod could use (prefixes count 16). */
  readonly total: number;
  readonly assigned: number;
  readonly cooling: number;
  /** assign() calls waiting for an address right now. */
  readonly waiting: number;
}

export interface NodeCapacity {
  /** The most addresses the node may hold for pods: max pods, capped by its ENIs. */
  readonly maxAddresses: number;
  /** Units (addresses or prefixes) one ENI can hold besides its primary address. */
  readonly unitsPerEni: number;
  /** Units the node's ENIs can hold in all (MAX_ENI or the type's limit). */
  readonly maxUnits: number;
}

export interface WarmPoolRule {
  readonly targets: WarmTargets;
  readonly unit: LeaseUnit;
}

export function unitSize(unit: LeaseUnit): number {
  return unit === 'prefix' ? PREFIX_SIZE : 1;
}

/** Addresses ready for a pod now: leased, not assigned, not cooling. */
export function availableOf(counts: PoolCounts): number {
  return counts.total - counts.assigned - counts.cooling;
}

/**
 * How many units to lease. WARM_IP_TARGET/MINIMUM_IP_TARGET:
 * short = max(WARM + waiting − available, MIN − total); WARM_ENI_TARGET: low when available <
 * addressesPerEni × target, topped up by whole ENIs' worth; WARM_PREFIX_TARGET: free /28s.
 * Waiting pods always count, and the pool never grows past the node's capacity.
 */
export function unitsToLease(
  rule: WarmPoolRule,
  counts: PoolCounts,
  units: readonly UnitUsage[],
  capacity: NodeCapacity,
): number {
  const size = unitSize(rule.unit);
  const available = availableOf(counts);
  const forWaiting = Math.max(counts.waiting - available, 0);
  let shortAddresses: number;
  switch (rule.targets.rule) {
    case 'ip': {
      const { warmIpTarget, minimumIpTarget } = rule.targets;
      // The warm target is what stays free once the waiting pods have theirs: one lease
      // covers both, where two would cost a second control-plane call (and EC2 call).
      shortAddresses = Math.max(
        warmIpTarget + counts.waiting - available,
        minimumIpTarget - counts.total,
        forWaiting,
        0,
      );
      break;
    }
    case 'eni': {
      const perEni = capacity.unitsPerEni * size;
      const short = Math.max(perEni * rule.targets.warmEniTarget - available, forWaiting, 0);
      // ipamd attaches and fills whole ENIs; leasing whole ENIs' worth keeps that footprint.
      shortAddresses = short === 0 ? 0 : Math.ceil(short / perEni) * perEni;
      break;
    }
    case 'prefix': {
      const freeUnits = units.filter((u) => u.inUse === 0).length;
      const short = Math.max(rule.targets.warmPrefixTarget - freeUnits, 0) * size;
      shortAddresses = Math.max(short, forWaiting);
      break;
    }
  }
  if (shortAddresses === 0) return 0;
  const roomAddresses = Math.max(capacity.maxAddresses - counts.total, 0);
  const roomUnits = Math.max(capacity.maxUnits - units.length, 0);
  return Math.min(Math.ceil(shortAddresses / size), Math.ceil(roomAddresses / size), roomUnits);
}

/**
 * Which leased units are in excess and may be given back, never one with an address in use.
 * Units on the highest device index go first, so whole secondary ENIs empty out and the
 * control plane can detach them.
 */
export function unitsToRelease(
  rule: WarmPoolRule,
  counts: PoolCounts,
  units: readonly UnitUsage[],
  capacity: NodeCapacity,
): string[] {
  if (counts.waiting > 0) return [];
  const size = unitSize(rule.unit);
  const free = units
    .filter((u) => u.inUse === 0)
    .sort((a, b) => b.deviceIndex - a.deviceIndex || (a.address < b.address ? 1 : -1));
  const available = availableOf(counts);
  const overCapacity = Math.max(counts.total - capacity.maxAddresses, 0);
  switch (rule.targets.rule) {
    case 'ip': {
      const { warmIpTarget, minimumIpTarget } = rule.targets;
      const over = Math.max(
        Math.min(available - warmIpTarget, counts.total - minimumIpTarget),
        overCapacity,
        0,
      );
      return free.slice(0, Math.floor(over / size)).map((u) => u.address);
    }
    case 'prefix': {
      const over = Math.max(free.length - rule.targets.warmPrefixTarget, Math.floor(overCapacity / size), 0);
      return free.slice(0, over).map((u) => u.address);
    }
    case 'eni':
      return wholeFreeEnis(rule.targets.warmEniTarget * capacity.unitsPerEni * size, available, units, size);
  }
}

/** WARM_ENI_TARGET frees only secondary ENIs with nothing in use, while enough stays warm. */
function wholeFreeEnis(
  keepAvailable: number,
  available: number,
  units: readonly UnitUsage[],
  size: number,
): string[] {
  const byEni = new Map<string, UnitUsage[]>();
  for (const u of units) byEni.set(u.eniId, [...(byEni.get(u.eniId) ?? []), u]);
  const candidates = [...byEni.values()]
    .filter((eniUnits) => eniUnits[0]!.deviceIndex !== 0 && eniUnits.every((u) => u.inUse === 0))
    .sort((a, b) => b[0]!.deviceIndex - a[0]!.deviceIndex);
  const released: string[] = [];
  let left = available;
  for (const eniUnits of candidates) {
    const addresses = eniUnits.length * size;
    if (left - addresses < keepAvailable) continue;
    left -= addresses;
    released.push(...eniUnits.map((u) => u.address));
  }
  return released;
}

/** The node's capacity in the pool's unit, from its registered limits and MAX_ENI. */
export function nodeCapacity(
  limits: { maxEnis: number; ipv4PerEni: number; maxPods: number },
  unit: LeaseUnit,
  maxEni: number | undefined,
  maxPods: number | undefined,
): NodeCapacity {
  const enis = Math.min(limits.maxEnis, maxEni ?? limits.maxEnis);
  const unitsPerEni = Math.max(limits.ipv4PerEni - 1, 0);
  const maxUnits = enis * unitsPerEni;
  return {
    maxAddresses: Math.min(maxPods ?? limits.maxPods, maxUnits * unitSize(unit)),
    unitsPerEni,
    maxUnits,
  };
}
