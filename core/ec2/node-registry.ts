/** Looking up a registered node, the first step of every per-node request. */
import { InvalidInputError } from '../errors';
import { getNode, type NodeRecord } from '../ledger';
import type { ControlPlaneContext } from './context';

/** The path names a node that has not registered (or was forgotten after termination): a 404. */
export class NotRegisteredError extends InvalidInputError {}

export async function requireNode(ctx: ControlPlaneContext, instanceId: string): Promise<NodeRecord> {
  const node = await getNode(ctx.ledger, instanceId);
  if (!node) throw new NotRegisteredError('instanceId', instanceId, 'a registered node: register it first');
  return node;
}
