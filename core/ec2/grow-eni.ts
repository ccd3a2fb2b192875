/**
 * Adding an ENI to a node: CreateNetworkInterface with its addresses (ClientToken, tags),
 * claim the next free device index, attach, record. Each step is announced in the lease's
 * intent first, so a retry of the same request or the reconciler can finish or undo it.
 * DeleteOnTermination is left to the reconciler (see markDeleteOnTermination): the
 * instance-events handler already deletes a terminated node's ENIs, so the flag is only a
 * second safety net and not worth a call on the pod's path.
 */
import { createHash } from 'node:crypto';
import {
  AttachNetworkInterfaceCommand,
  CreateNetworkInterfaceCommand,
  DeleteNetworkInterfaceCommand,
  ModifyNetworkInterfaceAttributeCommand,
  type NetworkInterface,
  type Tag,
} from '@aws-sdk/client-ec2';
import { TAGS } from '../contract/tags';
import {
  claimSlot,
  type EniRecord,
  freeSlot,
  INTENT_STEPS,
  type LeaseIntent,
  listSlots,
  type NodeRecord,
  putEni,
  putIntent,
} from '../ledger';
import { CAPACITY_REASONS, capacityError } from './capacity';
import { ec2ErrorCode } from './client';
import { type ControlPlaneContext, stepDone } from './context';
import { describeEnis, describeInstance } from './describe';
import { eniRecordOf, recordEniPrimary } from './eni-records';
import type { SubnetChoice } from './subnet-discovery';

/** What a new ENI is created holding besides its primary address: one call instead of two. */
export interface InitialAddresses {
  kind: 'ipv4' | 'prefix';
  count: number;
}

export function eniTags(ctx: ControlPlaneContext, node: NodeRecord, createdAt: string): Tag[] {
  return [
    ...Object.entries(node.additionalEniTags).map(([Key, Value]) => ({ Key, Value })),
    { Key: TAGS.clusterName, Value: ctx.config.clusterName },
    { Key: TAGS.instanceId, Value: node.instanceId },
    { Key: TAGS.createdAt, Value: createdAt },
  ];
}

/**
 * Creates the ENI in the subnet; answers undefined when the subnet has no room for it.
 * `enisBefore` are the ENIs the ledger records for the node now. They are part of the
 * ClientToken: a retry that crashed before recording its ENI sends the same token and gets
 * that ENI back, while the next ENI of a lease (also in a retry, once the first is recorded)
 * gets a token of its own instead of the recorded ENI a second time.
 */
export async function createEni(
  ctx: ControlPlaneContext,
  node: NodeRecord,
  intent: LeaseIntent,
  subnet: SubnetChoice,
  enisBefore: readonly string[],
  addresses: InitialAddresses,
): Promise<NetworkInterface | undefined> {
  // The token covers every parameter: EC2 refuses a repeated token sent with other parameters.
  const clientToken = createHash('sha256')
    .update(
      `${node.instanceId}/${intent.intentId}/${intent.createdAt}/${subnet.subnetId}/${[...enisBefore].sort().join(',')}/${addresses.kind}/${addresses.count}/${intent.enisAbandoned ?? 0}`,
    )
    .digest('hex')
    .slice(0, 48);
  await advance(ctx, intent, {
    step: INTENT_STEPS.started,
    clientToken,
    subnetId: subnet.subnetId,
    eniId: undefined,
    deviceIndex: undefined,
  });
  await stepDone(ctx, 'intent-written', { clientToken });
  // The same intent must send the same parameters, or EC2 refuses the repeated ClientToken.
  const createdAt = intent.createdAt;
  try {
    const out = await ctx.ec2.client.send(
      new CreateNetworkInterfaceCommand({
        SubnetId: subnet.subnetId,
        Groups: subnet.securityGroups,
        ClientToken: clientToken,
        Description: `ledger-cni ${node.instanceId}`,
        ...(addresses.count > 0
          ? addresses.kind === 'prefix'
            ? { Ipv4PrefixCount: addresses.count }
            : { SecondaryPrivateIpAddressCount: addresses.count }
          : {}),
        TagSpecifications: [{ ResourceType: 'network-interface', Tags: eniTags(ctx, node, createdAt) }],
      }),
    );
    const eni = out.NetworkInterface!;
    await advance(ctx, intent, { step: INTENT_STEPS.eniCreated, eniId: eni.NetworkInterfaceId });
    await stepDone(ctx, 'eni-created', { eniId: eni.NetworkInterfaceId });
    return eni;
  } catch (error) {
    const code = ec2ErrorCode(error);
    if (code === 'InsufficientFreeAddressesInSubnet' || code === 'InsufficientCidrBlocks') return undefined;
    throw error;
  }
}

/**
 * Attaches a created ENI (or finishes attaching one after a crash) and records it.
 * If no device index is free, the ENI is deleted again and the node's ENI limit reported.
 */
export async function attachAndRecord(
  ctx: ControlPlaneContext,
  node: NodeRecord,
  intent: LeaseIntent,
  eni: NetworkInterface,
  subnetCidr: string,
): Promise<EniRecord> {
  const eniId = eni.NetworkInterfaceId!;
  let current = eni;
  if (!current.Attachment || current.Attachment.InstanceId !== node.instanceId) {
    const { deviceIndex, attachmentId } = await attachAtFreeIndex(ctx, node, intent, eniId);
    await advance(ctx, intent, { step: INTENT_STEPS.eniAttached, eniId, deviceIndex });
    await stepDone(ctx, 'eni-attached', { eniId, deviceIndex });
    // The attach answer names the attachment: no Describe needed to record the ENI.
    current = attachmentId
      ? {
          ...current,
          Attachment: { AttachmentId: attachmentId, DeviceIndex: deviceIndex, InstanceId: node.instanceId },
        }
      : ((await describeEnis(ctx.ec2, [eniId]))[0] ?? current);
  }
  const record = eniRecordOf(
    current,
    node.instanceId,
    'secondary',
    subnetCidr,
    ctx.ledger.now().toISOString(),
  );
  await putEni(ctx.ledger, record);
  await recordEniPrimary(ctx.ledger, record);
  await stepDone(ctx, 'eni-recorded', { eniId });
  return record;
}

/**
 * Attaches at the lowest device index the ledger has free (registration recorded every
 * attachment the instance had). Only when EC2 says that index is taken after all (an ENI
 * attached outside the cluster since) is the instance described and the next index tried.
 * An attach that fails for good deletes the new ENI again.
 */
async function attachAtFreeIndex(
  ctx: ControlPlaneContext,
  node: NodeRecord,
  intent: LeaseIntent,
  eniId: string,
): Promise<{ deviceIndex: number; attachmentId?: string }> {
  let takenInEc2 = new Set<number>();
  for (let attempt = 0; ; attempt++) {
    const deviceIndex = await claimNextIndex(ctx, node, eniId, takenInEc2);
    if (deviceIndex === undefined) {
      await ctx.ec2.client.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eniId }));
      await abandonEni(ctx, intent);
      throw capacityError(
        CAPACITY_REASONS.eniLimitReached,
        `node ${node.instanceId} has no free device index below its ENI cap of ${node.eniCap}`,
      );
    }
    await advance(ctx, intent, { step: INTENT_STEPS.slotClaimed, eniId, deviceIndex });
    await stepDone(ctx, 'slot-claimed', { eniId, deviceIndex });
    try {
      const out = await ctx.ec2.client.send(
        new AttachNetworkInterfaceCommand({
          NetworkInterfaceId: eniId,
          InstanceId: node.instanceId,
          DeviceIndex: deviceIndex,
        }),
      );
      return { deviceIndex, attachmentId: out.AttachmentId };
    } catch (error) {
      await freeSlot(ctx.ledger, { instanceId: node.instanceId, deviceIndex, eniId });
      if (attempt === 0 && isDeviceIndexTaken(error)) {
        const instance = await describeInstance(ctx.ec2, node.instanceId);
        takenInEc2 = new Set((instance?.NetworkInterfaces ?? []).map((n) => n.Attachment?.DeviceIndex ?? -1));
        continue;
      }
      await ctx.ec2.client
        .send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eniId }))
        .catch(() => undefined);
      await abandonEni(ctx, intent);
      if (ec2ErrorCode(error) === 'AttachmentLimitExceeded') {
        throw capacityError(
          CAPACITY_REASONS.eniLimitReached,
          `EC2 refused another ENI on ${node.instanceId} (${node.instanceType}): attachment limit reached`,
        );
      }
      throw error;
    }
  }
}

/** The intent forgets a deleted ENI, so the lease's next ENI is created under a new token. */
export async function abandonEni(ctx: ControlPlaneContext, intent: LeaseIntent): Promise<void> {
  await advance(ctx, intent, {
    step: INTENT_STEPS.started,
    enisAbandoned: (intent.enisAbandoned ?? 0) + 1,
    clientToken: undefined,
    eniId: undefined,
    deviceIndex: undefined,
  });
}

function isDeviceIndexTaken(error: unknown): boolean {
  return (
    ec2ErrorCode(error) === 'InvalidParameterValue' && /device index/i.test(String((error as Error).message))
  );
}

/** The lowest device index neither the ledger nor the given EC2 view has in use, claimed for the ENI. */
async function claimNextIndex(
  ctx: ControlPlaneContext,
  node: NodeRecord,
  eniId: string,
  takenInEc2: ReadonlySet<number>,
): Promise<number | undefined> {
  const slots = await listSlots(ctx.ledger, node.instanceId);
  const own = slots.find((s) => s.eniId === eniId);
  if (own) return own.deviceIndex;
  const used = new Set<number>([...slots.map((s) => s.deviceIndex), ...takenInEc2]);
  for (let index = 1; index < node.eniCap; index++) {
    if (used.has(index)) continue;
    if (await claimSlot(ctx.ledger, { instanceId: node.instanceId, deviceIndex: index, eniId })) return index;
  }
  return undefined;
}

/** Moves the intent on (the caller's object too, so later steps keep earlier fields) and persists it. */
export async function advance(
  ctx: ControlPlaneContext,
  intent: LeaseIntent,
  changes: Partial<LeaseIntent>,
): Promise<void> {
  Object.assign(intent, changes, { updatedAt: ctx.ledger.now().toISOString() });
  await putIntent(ctx.ledger, intent);
}

/**
 * Sets DeleteOnTermination on an attached ENI that lacks it, when the EC2 budget has room
 * right now: it must never take a token a lease is waiting for.
 */
export async function markDeleteOnTermination(
  ctx: ControlPlaneContext,
  eni: NetworkInterface,
): Promise<boolean> {
  const attachmentId = eni.Attachment?.AttachmentId;
  if (!attachmentId || eni.Attachment?.DeleteOnTermination) return false;
  if (!ctx.ec2.canCallSoon('ModifyNetworkInterfaceAttribute', 0)) return false;
  await ctx.ec2.client.send(
    new ModifyNetworkInterfaceAttributeCommand({
      NetworkInterfaceId: eni.NetworkInterfaceId,
      Attachment: { AttachmentId: attachmentId, DeleteOnTermination: true },
    }),
  );
  return true;
}
