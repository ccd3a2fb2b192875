/**
 * An instance is gone (terminated): its addresses and ENIs leave the ledger. ENIs the
 * instance took with it (DeleteOnTermination) are gone from EC2 already; one that was
 * left behind `available` is deleted here, so nothing of the node leaks.
 */

import { DeleteNetworkInterfaceCommand } from '@aws-sdk/client-ec2';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import {
  forgetAddress,
  listNodeAddresses,
  listNodeEnis,
  type NodeLock,
  nodePartition,
  tryLockNode,
  unlockNode,
} from '../ledger';
import { ec2ErrorCode } from './client';
import type { ControlPlaneContext } from './context';
import { describeEnis, isNoManage } from './describe';

export interface Forgotten {
  addresses: number;
  enis: number;
}

/**
 * Forgets the node under its lock, so a lease in flight finishes first (an ENI it added is
 * then in the ledger, to be deleted here) and no lease starts on a forgotten node (the lock
 * lives on the node item). Undefined when the node stayed busy for `waitMs`: the caller
 * tries again later (EventBridge retries the event; the reconciler's next pass).
 */
export async function forgetNode(
  ctx: ControlPlaneContext,
  instanceId: string,
  waitMs = ctx.lockWaitMs ?? 20_000,
): Promise<Forgotten | undefined> {
  const deadline = Date.now() + waitMs;
  let lock: NodeLock | undefined;
  for (let pause = 10; ; pause = Math.min(pause * 2, 250)) {
    lock = await tryLockNode(ctx.ledger, instanceId, ctx.lockTtlMs);
    if (lock || Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, pause + Math.random() * pause));
  }
  if (!lock) return undefined;
  try {
    return await forgetLockedNode(ctx, instanceId);
  } finally {
    // The node item is gone with its lock; this only matters if forgetting failed midway.
    await unlockNode(ctx.ledger, lock);
  }
}

async function forgetLockedNode(ctx: ControlPlaneContext, instanceId: string): Promise<Forgotten> {
  const enis = (await listNodeEnis(ctx.ledger, instanceId)).filter((e) => e.role === 'secondary');
  const described = await describeEnis(
    ctx.ec2,
    enis.map((e) => e.eniId),
  );
  for (const eni of described) {
    if (eni.Status !== 'available' || isNoManage(eni)) continue;
    await ctx.ec2.client
      .send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eni.NetworkInterfaceId }))
      .catch((error: unknown) => {
        if (ec2ErrorCode(error) !== 'InvalidNetworkInterfaceID.NotFound') throw error;
      });
  }
  const addresses = await listNodeAddresses(ctx.ledger, instanceId);
  for (const a of addresses) await forgetAddress(ctx.ledger, instanceId, a.address);
  // The node item goes last: while it exists, a repeat of this cleanup finds the rest.
  const items = await nodePartition(ctx.ledger, instanceId);
  const ordered = [...items.filter((i) => i.sk !== 'NODE'), ...items.filter((i) => i.sk === 'NODE')];
  for (const item of ordered) {
    await ctx.ledger.doc.send(
      new DeleteCommand({ TableName: ctx.ledger.tableName, Key: { pk: item.pk, sk: item.sk } }),
    );
  }
  ctx.log.info('node forgotten', { instanceId, addresses: addresses.length, enis: enis.length });
  return { addresses: addresses.length, enis: enis.length };
}
