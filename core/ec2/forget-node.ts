/**
 * An instance is gone (terminated): its addresses and ENIs leave the ledger. ENIs the
 * instance took with it (DeleteOnTermination) are gone from EC2 already; one that was
 * left behind `available` is deleted here, so nothing of the node leaks.
 */

import { DeleteNetworkInterfaceCommand } from '@aws-sdk/client-ec2';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { forgetAddress, listNodeAddresses, listNodeEnis, nodePartition } from '../ledger';
import { ec2ErrorCode } from './client';
import type { ControlPlaneContext } from './context';
import { describeEnis, isNoManage } from './describe';

export async function forgetNode(
  ctx: ControlPlaneContext,
  instanceId: string,
): Promise<{ addresses: number; enis: number }> {
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
