/**
 * A lease or release runs at most once per idempotency key. A retry that finds the stored
 * answer gets it without taking the node lock; otherwise the work runs under the lock, and
 * the answer is looked up again inside it, so two concurrent retries of one key never both
 * do the work (the second waits for the lock, then finds the first one's answer).
 */
import { storedAnswer, withNodeLock } from '../ledger';
import type { NodeRecord } from '../ledger/items';
import type { ControlPlaneContext } from './context';
import { requireNode } from './node-registry';

export async function onceUnderNodeLock<T>(
  ctx: ControlPlaneContext,
  instanceId: string,
  operation: string,
  request: { idempotencyKey: string },
  work: (locked: ControlPlaneContext, node: NodeRecord) => Promise<T>,
): Promise<T> {
  const key = request.idempotencyKey;
  const prior = await storedAnswer<T>(ctx.ledger, instanceId, operation, key, request);
  if (prior) return prior;
  const node = await requireNode(ctx, instanceId);
  return withNodeLock(
    ctx.ledger,
    instanceId,
    async (lock) => {
      const answered = await storedAnswer<T>(ctx.ledger, instanceId, operation, key, request);
      if (answered) return answered;
      return work({ ...ctx, heldLock: lock }, node);
    },
    { ttlMs: ctx.lockTtlMs, waitMs: ctx.lockWaitMs },
  );
}
