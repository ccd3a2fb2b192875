/**
 * A warm-pool top-up (a lease with no pod waiting on it) that could only be served by EC2
 * calls, asked while the EC2 budget has no surplus, is refused before the node's lock is
 * taken: in a scale-up hundreds of them arrive, and refusing each costs the ledger reads
 * only, where the locked path would write the lock twice. Whatever the ledger holds that a
 * lease could reuse without EC2 (cooled addresses, a carved prefix's spare), or a retry of
 * a request already answered or half done, goes the locked path, which decides exactly.
 */
import type { LeaseRequest } from '../contract/api';
import { type AddressRecord, getIntent, listNodeAddresses, storedAnswer } from '../ledger';
import { WarmPoolDeferredError } from './budget';
import { spareAddresses } from './carve';
import type { ControlPlaneContext } from './context';
import { requireNode } from './node-registry';

/**
 * The call a top-up makes first while the node's ENIs have room, which is nearly always (a
 * carving node's 35–45 addresses fit its primary ENI); a top-up that would have needed a
 * new ENI instead is only delayed until the bucket refills.
 */
const FIRST_CALL = 'AssignPrivateIpAddresses';

export async function deferWarmTopUpWithoutSurplus(
  ctx: ControlPlaneContext,
  instanceId: string,
  operation: string,
  request: LeaseRequest,
): Promise<void> {
  if (request.forPods !== 0) return;
  if (ctx.ec2.hasSurplusFor(FIRST_CALL)) return;
  const key = request.idempotencyKey;
  if (await storedAnswer(ctx.ledger, instanceId, operation, key, request)) return;
  if (await getIntent(ctx.ledger, instanceId, key)) return;
  await requireNode(ctx, instanceId);
  const records = await listNodeAddresses(ctx.ledger, instanceId);
  if (holdsReusable(records, request.prefixes !== undefined ? 'prefix' : 'ipv4', ctx.ledger.now().getTime()))
    return;
  throw new WarmPoolDeferredError();
}

function holdsReusable(records: readonly AddressRecord[], kind: 'ipv4' | 'prefix', now: number): boolean {
  const cooled = records.some(
    (a) => a.state === 'cooling' && a.kind === kind && (a.coolingUntil ?? 0) <= now,
  );
  return cooled || (kind === 'ipv4' && spareAddresses(records).length > 0);
}
