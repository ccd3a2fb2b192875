/**
 * Giving back what a node no longer holds, called under the node's lock: cooled addresses
 * are unassigned in EC2 and forgotten (a carved one rejoins its prefix's spare, and a
 * prefix with nothing but spare is unassigned); secondary ENIs left with nothing are
 * detached and deleted. The ledger record goes last, so a crash leaves something the next pass finds.
 *
 * The node's records are listed from the owner index, which DynamoDB reads eventually
 * consistently: a lease recorded a moment before may not show yet. So each address is
 * checked on its own item before anything goes back to EC2, and an ENI is removed only when
 * EC2 itself shows it holding nothing.
 */
import {
  DeleteNetworkInterfaceCommand,
  DetachNetworkInterfaceCommand,
  UnassignPrivateIpAddressesCommand,
} from '@aws-sdk/client-ec2';
import {
  type AddressRecord,
  deleteEni,
  type EniRecord,
  forgetAddress,
  forgetCooled,
  freeSlot,
  getAddress,
  listNodeAddresses,
  listNodeEnis,
  type NodeRecord,
} from '../ledger';
import { addressesOf, parseCidr } from '../net/ipv4';
import { ec2ErrorCode } from './client';
import { type ControlPlaneContext, stepDone } from './context';
import { describeEnis, secondaryAddressesOf } from './describe';

export async function trimNode(ctx: ControlPlaneContext, node: NodeRecord): Promise<void> {
  const now = ctx.ledger.now().getTime();
  const addresses = await listNodeAddresses(ctx.ledger, node.instanceId);
  const listedCooled = addresses.filter((a) => a.state === 'cooling' && (a.coolingUntil ?? 0) <= now);
  const cooled: AddressRecord[] = [];
  for (const a of listedCooled) if (await stillCooled(ctx, node, a.address, now)) cooled.push(a);
  // A carved address goes back to its prefix's spare: EC2 only knows the prefix.
  for (const a of cooled.filter((x) => x.carvedFrom))
    await forgetCooled(ctx.ledger, node.instanceId, a.address, now);
  const emptied: AddressRecord[] = [];
  for (const prefix of emptyCarvedPrefixes(addresses, cooled))
    if (await nothingCarvedFrom(ctx, prefix.address)) emptied.push(prefix);
  const returned = [...cooled.filter((a) => !a.carvedFrom), ...emptied];
  const byEni = new Map<string, typeof returned>();
  for (const a of returned) byEni.set(a.eniId, [...(byEni.get(a.eniId) ?? []), a]);
  for (const [eniId, list] of byEni) {
    const ipv4 = list.filter((a) => a.kind === 'ipv4').map((a) => a.address);
    const prefixes = list.filter((a) => a.kind === 'prefix').map((a) => a.address);
    await unassign(ctx, eniId, ipv4, prefixes);
    await stepDone(ctx, 'addresses-unassigned', { eniId, count: list.length });
    for (const a of list) {
      if (a.state === 'cooling') await forgetCooled(ctx.ledger, node.instanceId, a.address, now);
      else await forgetAddress(ctx.ledger, node.instanceId, a.address);
    }
  }
  const stillHeld = new Set(
    addresses
      .filter((a) => a.state !== 'primary' && !cooled.includes(a) && !emptied.includes(a))
      .map((a) => a.eniId),
  );
  const enis = await listNodeEnis(ctx.ledger, node.instanceId);
  for (const eni of enis) {
    if (eni.role === 'secondary' && !stillHeld.has(eni.eniId)) await removeEni(ctx, eni);
  }
}

/** The address's own item (read consistently) says it is the node's and its cooling is over. */
async function stillCooled(
  ctx: ControlPlaneContext,
  node: NodeRecord,
  address: string,
  now: number,
): Promise<boolean> {
  const record = await getAddress(ctx.ledger, address);
  return (
    record?.instanceId === node.instanceId && record.state === 'cooling' && (record.coolingUntil ?? 0) <= now
  );
}

/** No address of the carved /28 has an item: none is leased or cooling, whatever the index showed. */
async function nothingCarvedFrom(ctx: ControlPlaneContext, prefix: string): Promise<boolean> {
  for (const address of addressesOf(parseCidr(prefix))) {
    if ((await getAddress(ctx.ledger, address))?.carvedFrom === prefix) return false;
  }
  return true;
}

/** Carved prefixes none of whose addresses is leased or still cooling: all spare, back to EC2. */
function emptyCarvedPrefixes(addresses: AddressRecord[], cooled: AddressRecord[]): AddressRecord[] {
  const inUse = new Set(
    addresses.filter((a) => a.carvedFrom && !cooled.includes(a)).map((a) => a.carvedFrom!),
  );
  return addresses.filter((a) => a.state === 'carved' && !inUse.has(a.address));
}

async function unassign(
  ctx: ControlPlaneContext,
  eniId: string,
  ipv4: string[],
  prefixes: string[],
): Promise<void> {
  try {
    await ctx.ec2.client.send(
      new UnassignPrivateIpAddressesCommand({
        NetworkInterfaceId: eniId,
        ...(ipv4.length ? { PrivateIpAddresses: ipv4 } : {}),
        ...(prefixes.length ? { Ipv4Prefixes: prefixes } : {}),
      }),
    );
  } catch (error) {
    // Already gone from EC2 (ENI deleted, or a repeat after a crash): the ledger just catches up.
    const code = ec2ErrorCode(error);
    if (code !== 'InvalidNetworkInterfaceID.NotFound' && code !== 'InvalidParameterValue') throw error;
  }
}

/** Detach, wait for `available`, delete; if EC2 is slow to detach, the next pass finishes it. */
export async function removeEni(ctx: ControlPlaneContext, eni: EniRecord): Promise<boolean> {
  const [current] = await describeEnis(ctx.ec2, [eni.eniId]);
  const held = current ? secondaryAddressesOf(current) : { ipv4: [], prefixes: [] };
  if (held.ipv4.length > 0 || held.prefixes.length > 0) {
    // Addresses the ledger's index did not show yet, or ones the reconciler has still to sort out.
    ctx.log.info('ENI still holds addresses in EC2; not removing it', {
      eniId: eni.eniId,
      ipv4: held.ipv4.length,
      prefixes: held.prefixes.length,
    });
    return false;
  }
  if (current?.Attachment && current.Status !== 'available' && current.Attachment.Status !== 'detaching') {
    await ctx.ec2.client
      .send(new DetachNetworkInterfaceCommand({ AttachmentId: current.Attachment.AttachmentId }))
      .catch((error: unknown) => {
        if (ec2ErrorCode(error) !== 'InvalidAttachmentID.NotFound') throw error;
      });
    await stepDone(ctx, 'eni-detached', { eniId: eni.eniId });
  }
  if (current && !(await waitAvailable(ctx, eni.eniId))) {
    ctx.log.info('ENI still detaching; the reconciler will delete it', { eniId: eni.eniId });
    return false;
  }
  if (current) {
    await ctx.ec2.client
      .send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eni.eniId }))
      .catch((error: unknown) => {
        if (ec2ErrorCode(error) !== 'InvalidNetworkInterfaceID.NotFound') throw error;
      });
    await stepDone(ctx, 'eni-deleted', { eniId: eni.eniId });
  }
  await forgetAddress(ctx.ledger, eni.instanceId, eni.primaryIp);
  await freeSlot(ctx.ledger, { instanceId: eni.instanceId, deviceIndex: eni.deviceIndex, eniId: eni.eniId });
  await deleteEni(ctx.ledger, eni.instanceId, eni.eniId);
  ctx.log.info('ENI removed', { instanceId: eni.instanceId, eniId: eni.eniId });
  return true;
}

async function waitAvailable(ctx: ControlPlaneContext, eniId: string): Promise<boolean> {
  const deadline = Date.now() + (ctx.detachWaitMs ?? 5_000);
  for (let pause = 50; ; pause = Math.min(pause * 2, 500)) {
    const [eni] = await describeEnis(ctx.ec2, [eniId]);
    if (!eni || eni.Status === 'available') return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, pause));
  }
}
