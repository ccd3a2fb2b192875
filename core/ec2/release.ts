/**
 * Releasing addresses: the node gives them back (after its own cooldown); they cool in the
 * ledger for the cluster's cooling period, during which the same node may lease them again
 * without an EC2 call. Afterwards `trimNode` hands them back to EC2 and removes ENIs that
 * hold nothing any more.
 */
import type { ReleaseRequest, ReleaseResponse } from '../contract/api';
import { markCooling, storeAnswer } from '../ledger';
import { type ControlPlaneContext, stepDone } from './context';
import { onceUnderNodeLock } from './node-operation';
import { trimNode } from './trim';

export const RELEASE_OPERATION = 'release';

export async function releaseAddresses(
  ctx: ControlPlaneContext,
  instanceId: string,
  request: ReleaseRequest,
): Promise<ReleaseResponse> {
  return onceUnderNodeLock(ctx, instanceId, RELEASE_OPERATION, request, async (ctx, node) => {
    const key = request.idempotencyKey;
    const coolingUntil = ctx.ledger.now().getTime() + ctx.config.coolingSeconds * 1000;
    const released: string[] = [];
    const unknown: string[] = [];
    for (const address of [...new Set(request.addresses)]) {
      const ok = await markCooling(ctx.ledger, instanceId, address, coolingUntil, key);
      (ok ? released : unknown).push(address);
    }
    await stepDone(ctx, 'addresses-cooling', { released: released.length });
    const answer: ReleaseResponse = { released, unknown };
    await storeAnswer(ctx.ledger, instanceId, RELEASE_OPERATION, key, request, answer);
    ctx.log.info('addresses released', { instanceId, released: released.length, unknown: unknown.length });
    // Addresses whose cooling already ended (from this or earlier releases) go back to EC2 now.
    await trimNode(ctx, node);
    return answer;
  });
}
