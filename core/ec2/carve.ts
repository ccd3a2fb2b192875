/**
 * Carving: single addresses served out of /28 prefixes the control plane holds on a node's
 * ENI. EC2 sees one prefix (one AssignPrivateIpAddresses, one address slot) for 16
 * addresses; the node still leases, uses and gives back single addresses. A prefix's
 * addresses without an item of their own are the node's spare: a later lease takes them
 * without calling EC2, and a prefix left with nothing but spare goes back to EC2.
 */
import type { LeasedAddress } from '../contract/api';
import { ADDRESS_STATES, type AddressRecord, type EniRecord, recordCarvedPrefix } from '../ledger';
import { addressesOf, PREFIX_SIZE, parseCidr } from '../net/ipv4';
import { recordLeases } from './assign';
import type { ControlPlaneContext } from './context';

/**
 * A remainder this close to a whole prefix takes the whole prefix: the spare it leaves is
 * the node's next lease, and one call beats two. Further off, single addresses cover it.
 */
export const MOST_SPARE_PER_LEASE = 7;

export interface CarvePlan {
  readonly prefixes: number;
  readonly singles: number;
}

/**
 * How to cover `want` addresses on an ENI with `room` free slots, keeping `reserve` slots
 * free for the prefixes the node may still need (a slot holds 16 addresses as a prefix but
 * one as a single address, so singles must not crowd out the node's growth).
 */
export function carvePlan(want: number, room: number, reserve: number): CarvePlan {
  if (want <= 0 || room <= 0) return { prefixes: 0, singles: 0 };
  let prefixes = Math.floor(want / PREFIX_SIZE);
  let singles = want % PREFIX_SIZE;
  const spareIfRounded = singles === 0 ? 0 : PREFIX_SIZE - singles;
  if (singles > 0 && (spareIfRounded <= MOST_SPARE_PER_LEASE || room - prefixes - singles < reserve)) {
    prefixes += 1;
    singles = 0;
  }
  prefixes = Math.min(prefixes, room);
  singles = Math.min(singles, room - prefixes);
  return { prefixes, singles };
}

/** Slots the node should keep free for prefixes to reach its pod limit from what it holds. */
export function prefixReserve(maxPods: number, held: number): number {
  return Math.ceil(Math.max(0, maxPods - held) / PREFIX_SIZE);
}

export interface SpareAddress {
  readonly address: string;
  readonly prefix: string;
  readonly eniId: string;
}

/** Addresses of the node's carved prefixes that no lease or cooldown holds. */
export function spareAddresses(records: readonly AddressRecord[]): SpareAddress[] {
  const taken = new Set(records.map((r) => r.address));
  return records
    .filter((r) => r.state === ADDRESS_STATES.carved)
    .flatMap((p) =>
      addressesOf(parseCidr(p.address))
        .filter((a) => !taken.has(a))
        .map((address) => ({ address, prefix: p.address, eniId: p.eniId })),
    );
}

/** Address slots each ENI has in use: a carved prefix is one, its addresses none. */
export function slotsUsedByEni(records: readonly AddressRecord[]): Map<string, number> {
  const used = new Map<string, number>();
  for (const r of records) if (!r.carvedFrom) used.set(r.eniId, (used.get(r.eniId) ?? 0) + 1);
  return used;
}

/** Addresses the node's records account for besides ENI primaries (a carved prefix counts 16). */
export function addressesHeld(records: readonly AddressRecord[]): number {
  return records.reduce((sum, r) => {
    if (r.state === ADDRESS_STATES.primary || r.carvedFrom) return sum;
    return sum + (r.state === ADDRESS_STATES.carved ? PREFIX_SIZE : 1);
  }, 0);
}

/**
 * Records prefixes EC2 assigned on the ENI as carved, then leases up to `want` of their
 * addresses; the rest stay spare. A prefix the ledger gives to another node is not used.
 */
export async function recordCarved(
  ctx: ControlPlaneContext,
  eni: EniRecord,
  prefixes: readonly string[],
  want: number,
  leaseId: string,
): Promise<LeasedAddress[]> {
  const granted: LeasedAddress[] = [];
  for (const prefix of prefixes) {
    const won = await recordCarvedPrefix(ctx.ledger, {
      address: prefix,
      kind: 'prefix',
      state: ADDRESS_STATES.carved,
      instanceId: eni.instanceId,
      eniId: eni.eniId,
      subnetId: eni.subnetId,
    });
    if (!won) {
      ctx.log.error('EC2 assigned a prefix the ledger says another node holds; not carving it', {
        prefix,
        eniId: eni.eniId,
      });
      continue;
    }
    const take = addressesOf(parseCidr(prefix)).slice(0, Math.max(0, want - granted.length));
    granted.push(
      ...(await recordLeases(ctx, eni, 'ipv4', take, leaseId, { carvedFrom: prefix, over: 'unrecorded' })),
    );
  }
  return granted;
}
