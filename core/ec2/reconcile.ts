/**
 * The reconciler's pass: refresh subnets; forget nodes whose instance is gone; for each node
 * whose lock is free, roll back what crashed requests left half done (unrecorded addresses
 * unassigned, created ENIs attached and recorded or deleted), set DeleteOnTermination where
 * leases left it unset, and trim; finally delete
 * `available` ENIs tagged with the cluster that the ledger does not own, after a grace period.
 */
import { DeleteNetworkInterfaceCommand, UnassignPrivateIpAddressesCommand } from '@aws-sdk/client-ec2';
import { TAGS } from '../contract/tags';
import {
  deleteEni,
  deleteIntent,
  forgetAddress,
  freeSlot,
  getEni,
  hasStoredAnswer,
  ITEM_KINDS,
  type LeaseIntent,
  listAllEnis,
  listIntents,
  listNodeAddresses,
  listNodeEnis,
  listNodes,
  listSlots,
  markCooling,
  type NodeRecord,
  nodePartition,
  notRecordedFor,
  putSubnet,
  tryLockNode,
  unlockNode,
} from '../ledger';
import { ec2ErrorCode } from './client';
import { type ControlPlaneContext, stepDone } from './context';
import {
  describeEnis,
  describeEnisByFilter,
  describeSubnets,
  instanceStates,
  isNoManage,
  secondaryAddressesOf,
  tagValue,
} from './describe';
import { forgetNode } from './forget-node';
import { attachAndRecord, markDeleteOnTermination } from './grow-eni';
import { LEASE_OPERATION } from './lease';
import { subnetRecordOf } from './subnet-discovery';
import { trimNode } from './trim';

export interface ReconcileReport {
  subnets: number;
  nodesForgotten: string[];
  nodesRepaired: string[];
  nodesBusy: string[];
  /** Nodes whose repair failed this pass (logged); the next pass tries them again. */
  nodesFailed: string[];
  addressesRolledBack: number;
  enisSwept: string[];
}

export async function reconcile(ctx: ControlPlaneContext): Promise<ReconcileReport> {
  const report: ReconcileReport = {
    subnets: 0,
    nodesForgotten: [],
    nodesRepaired: [],
    nodesBusy: [],
    nodesFailed: [],
    addressesRolledBack: 0,
    enisSwept: [],
  };
  const now = ctx.ledger.now().toISOString();
  const subnets = await describeSubnets(ctx.ec2, [{ Name: 'vpc-id', Values: [ctx.config.vpcId] }]);
  for (const s of subnets) await putSubnet(ctx.ledger, subnetRecordOf(s, now));
  report.subnets = subnets.length;

  const nodes = await listNodes(ctx.ledger);
  const states = await instanceStates(
    ctx.ec2,
    nodes.map((n) => n.instanceId),
  );
  for (const node of nodes) {
    // One node's failure (an EC2 refusal on one of its ENIs, a spent budget) must not keep
    // the nodes after it, or the leak sweep, from their turn: it is logged and retried next pass.
    try {
      await reconcileNode(ctx, node, states.get(node.instanceId), report);
    } catch (error) {
      report.nodesFailed.push(node.instanceId);
      ctx.log.error('reconciling a node failed; the next pass tries again', {
        instanceId: node.instanceId,
        error: String(error),
      });
    }
  }
  report.enisSwept = await sweepLeakedEnis(ctx);
  if (
    report.nodesForgotten.length ||
    report.nodesFailed.length ||
    report.addressesRolledBack ||
    report.enisSwept.length
  ) {
    ctx.log.info('reconciled', { ...report });
  }
  return report;
}

async function reconcileNode(
  ctx: ControlPlaneContext,
  node: NodeRecord,
  state: string | undefined,
  report: ReconcileReport,
): Promise<void> {
  if (state === 'terminated' || state === 'gone') {
    // A lease in flight keeps the node until the next pass.
    if (await forgetNode(ctx, node.instanceId, 0)) report.nodesForgotten.push(node.instanceId);
    else report.nodesBusy.push(node.instanceId);
    return;
  }
  const lock = await tryLockNode(ctx.ledger, node.instanceId, ctx.lockTtlMs);
  if (!lock) {
    report.nodesBusy.push(node.instanceId);
    return;
  }
  try {
    const held = { ...ctx, heldLock: lock };
    report.addressesRolledBack += await repairNode(held, node);
    await trimNode(held, node);
    report.nodesRepaired.push(node.instanceId);
  } finally {
    await unlockNode(ctx.ledger, lock);
  }
}

/** Under the node's lock: undo what crashed requests left; returns the addresses given back to EC2. */
export async function repairNode(ctx: ControlPlaneContext, node: NodeRecord): Promise<number> {
  const items = await nodePartition(ctx.ledger, node.instanceId);
  const intents = items.filter((i) => i.itemKind === ITEM_KINDS.intent) as unknown as LeaseIntent[];
  for (const intent of intents) {
    if (intent.eniId) await settleIntentEni(ctx, node, intent);
    // The lease never answered: what it recorded goes back, since the node never learned of it.
    if (!(await hasStoredAnswer(ctx.ledger, node.instanceId, LEASE_OPERATION, intent.intentId))) {
      const now = ctx.ledger.now().getTime();
      for (const a of await listNodeAddresses(ctx.ledger, node.instanceId)) {
        if (a.state === 'leased' && a.leaseId === intent.intentId)
          await markCooling(ctx.ledger, node.instanceId, a.address, now);
      }
    }
    await deleteIntent(ctx.ledger, node.instanceId, intent.intentId);
  }
  const enis = await listNodeEnis(ctx.ledger, node.instanceId);
  const described = await describeEnis(
    ctx.ec2,
    enis.map((e) => e.eniId),
  );
  const addresses = await listNodeAddresses(ctx.ledger, node.instanceId);
  const known = new Set(addresses.map((a) => a.address));
  let rolledBack = 0;
  for (const record of enis) {
    const eni = described.find((d) => d.NetworkInterfaceId === record.eniId);
    if (eni && record.role === 'secondary' && (await markDeleteOnTermination(ctx, eni)))
      await stepDone(ctx, 'delete-on-termination-set', { eniId: record.eniId });
    if (!eni) {
      // Deleted outside the control plane: the ledger lets go of it and what it held.
      for (const a of addresses.filter((x) => x.eniId === record.eniId))
        await forgetAddress(ctx.ledger, node.instanceId, a.address);
      await freeSlot(ctx.ledger, {
        instanceId: node.instanceId,
        deviceIndex: record.deviceIndex,
        eniId: record.eniId,
      });
      if (record.role === 'secondary') await deleteEni(ctx.ledger, node.instanceId, record.eniId);
      continue;
    }
    const held = secondaryAddressesOf(eni);
    const unknown = (list: string[]) =>
      notRecordedFor(
        ctx.ledger,
        node.instanceId,
        list.filter((a) => !known.has(a)),
      );
    const ipv4 = await unknown(held.ipv4);
    const prefixes = await unknown(held.prefixes);
    if (ipv4.length === 0 && prefixes.length === 0) continue;
    await ctx.ec2.client.send(
      new UnassignPrivateIpAddressesCommand({
        NetworkInterfaceId: record.eniId,
        ...(ipv4.length ? { PrivateIpAddresses: ipv4 } : {}),
        ...(prefixes.length ? { Ipv4Prefixes: prefixes } : {}),
      }),
    );
    rolledBack += ipv4.length + prefixes.length;
    ctx.log.warn('unassigned addresses no lease owns', {
      instanceId: node.instanceId,
      eniId: record.eniId,
      ipv4,
      prefixes,
    });
  }
  return rolledBack;
}

/** The intent's ENI: attached to the node → finish recording it; left available → delete it. */
async function settleIntentEni(
  ctx: ControlPlaneContext,
  node: NodeRecord,
  intent: LeaseIntent,
): Promise<void> {
  // An ENI the ledger already records (the primary, or one the lease finished) needs nothing.
  if (await getEni(ctx.ledger, node.instanceId, intent.eniId!)) return;
  const [eni] = await describeEnis(ctx.ec2, [intent.eniId!]);
  if (eni?.Attachment?.InstanceId === node.instanceId) {
    const [subnet] = await describeSubnets(ctx.ec2, [{ Name: 'subnet-id', Values: [eni.SubnetId!] }]);
    await attachAndRecord(ctx, node, intent, eni, subnet?.CidrBlock ?? '');
    return;
  }
  if (eni && eni.Status === 'available') {
    await ctx.ec2.client.send(
      new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eni.NetworkInterfaceId }),
    );
  }
  const slot = (await listSlots(ctx.ledger, node.instanceId)).find((s) => s.eniId === intent.eniId);
  if (slot) await freeSlot(ctx.ledger, slot);
}

/** `available` ENIs tagged with the cluster that neither the ledger nor an open intent owns. */
export async function sweepLeakedEnis(ctx: ControlPlaneContext): Promise<string[]> {
  const graceMs = (ctx.leakGraceSeconds ?? 300) * 1000;
  const now = ctx.ledger.now().getTime();
  const candidates = await describeEnisByFilter(ctx.ec2, [
    { Name: `tag:${TAGS.clusterName}`, Values: [ctx.config.clusterName] },
    { Name: 'status', Values: ['available'] },
  ]);
  if (candidates.length === 0) return [];
  const owned = new Set((await listAllEnis(ctx.ledger)).map((e) => e.eniId));
  for (const intent of await listIntents(ctx.ledger)) if (intent.eniId) owned.add(intent.eniId);
  const swept: string[] = [];
  for (const eni of candidates) {
    const id = eni.NetworkInterfaceId!;
    if (owned.has(id) || isNoManage(eni) || eni.Status !== 'available') continue;
    const createdAt = Date.parse(tagValue(eni.TagSet, TAGS.createdAt) ?? '');
    if (Number.isFinite(createdAt) && now - createdAt < graceMs) continue;
    try {
      await ctx.ec2.client.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: id }));
      swept.push(id);
      ctx.log.warn('deleted leaked ENI', { eniId: id, instanceId: tagValue(eni.TagSet, TAGS.instanceId) });
    } catch (error) {
      if (ec2ErrorCode(error) !== 'InvalidNetworkInterfaceID.NotFound') throw error;
    }
  }
  return swept;
}
