/**
 * Assigning addresses on one ENI and recording them as leased: one
 * AssignPrivateIpAddresses with a count (or Ipv4PrefixCount), then one conditional write
 * per address. An address the ledger says another node holds is never handed out.
 */
import { AssignPrivateIpAddressesCommand } from '@aws-sdk/client-ec2';
import type { LeasedAddress } from '../contract/api';
import { ADDRESS_STATES, type EniRecord, type LeaseOver, recordLease } from '../ledger';
import { ec2ErrorCode } from './client';
import { type ControlPlaneContext, stepDone } from './context';
import { leasedEniOf } from './eni-records';

export type AddressKind = 'ipv4' | 'prefix';

/** EC2 codes that mean "this ENI or subnet has no more room": try elsewhere, not a fault. */
export const NO_ROOM_CODES = new Set([
  'PrivateIpAddressLimitExceeded',
  'InsufficientFreeAddressesInSubnet',
  'InsufficientCidrBlocks',
]);

export interface AssignOutcome {
  granted: LeasedAddress[];
  /** Set when EC2 refused for lack of room. */
  noRoomCode?: string;
}

/** What EC2 assigned (addresses or /28 prefixes), or why it had no room. */
export type Ec2Assignment = { assigned: string[] } | { noRoomCode: string };

export async function assignInEc2(
  ctx: ControlPlaneContext,
  eni: EniRecord,
  kind: AddressKind,
  count: number,
): Promise<Ec2Assignment> {
  try {
    const out = await ctx.ec2.client.send(
      new AssignPrivateIpAddressesCommand(
        kind === 'prefix'
          ? { NetworkInterfaceId: eni.eniId, Ipv4PrefixCount: count }
          : { NetworkInterfaceId: eni.eniId, SecondaryPrivateIpAddressCount: count },
      ),
    );
    const assigned =
      kind === 'prefix'
        ? (out.AssignedIpv4Prefixes ?? []).map((p) => p.Ipv4Prefix!)
        : (out.AssignedPrivateIpAddresses ?? []).map((a) => a.PrivateIpAddress!);
    await stepDone(ctx, 'addresses-assigned', { eniId: eni.eniId, assigned });
    return { assigned };
  } catch (error) {
    const code = ec2ErrorCode(error);
    if (code && NO_ROOM_CODES.has(code)) return { noRoomCode: code };
    throw error;
  }
}

export async function assignOnEni(
  ctx: ControlPlaneContext,
  eni: EniRecord,
  kind: AddressKind,
  count: number,
  leaseId: string,
): Promise<AssignOutcome> {
  const outcome = await assignInEc2(ctx, eni, kind, count);
  if ('noRoomCode' in outcome) return { granted: [], noRoomCode: outcome.noRoomCode };
  const granted = await recordLeases(ctx, eni, kind, outcome.assigned, leaseId);
  await stepDone(ctx, 'addresses-recorded', { eniId: eni.eniId, granted: granted.length });
  return { granted };
}

export async function recordLeases(
  ctx: ControlPlaneContext,
  eni: EniRecord,
  kind: AddressKind,
  addresses: string[],
  leaseId: string,
  source: {
    /** The carved /28 the addresses come out of, if any. */
    carvedFrom?: string;
    /** The release that cooled the (single) address leased again; see AddressRecord.releasedBy. */
    releasedBy?: string;
    /** What the address's item may hold now (see LeaseOver); EC2 just assigned it by default. */
    over?: LeaseOver;
  } = {},
): Promise<LeasedAddress[]> {
  const { carvedFrom, releasedBy, over = 'assigned' } = source;
  const leasedAt = ctx.ledger.now().toISOString();
  const granted: LeasedAddress[] = [];
  for (const address of addresses) {
    const won = await recordLease(
      ctx.ledger,
      {
        address,
        kind,
        state: ADDRESS_STATES.leased,
        instanceId: eni.instanceId,
        eniId: eni.eniId,
        subnetId: eni.subnetId,
        leaseId,
        leasedAt,
        ...(carvedFrom ? { carvedFrom } : {}),
        ...(releasedBy ? { releasedBy } : {}),
      },
      over,
    );
    if (won) {
      granted.push({ address, kind, eni: leasedEniOf(eni) });
    } else if (over === 'assigned') {
      ctx.log.error('EC2 assigned an address the ledger says another node holds; not handing it out', {
        address,
        eniId: eni.eniId,
      });
    } else {
      // The owner index showed it late: another lease took it, or a trim gave it back.
      ctx.log.info('address no longer free in the ledger; not leasing it', { address, over });
    }
  }
  return granted;
}
