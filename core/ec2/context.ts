/** What the orchestration functions need, passed as one object (the Lambdas and the local host build it). */
import { type Ledger, NodeBusyError, type NodeLock, renewNodeLock } from '../ledger';
import type { ClusterConfig } from '../ledger/items';
import type { ControlPlaneEc2 } from './client';

export interface LogSink {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export interface ControlPlaneContext {
  ledger: Ledger;
  ec2: ControlPlaneEc2;
  config: ClusterConfig;
  log: LogSink;
  /** How long a node lock outlives a crashed holder (default 30 s); every step extends it. */
  lockTtlMs?: number;
  /** The node lock the current request holds, renewed after every step. */
  heldLock?: NodeLock;
  /** How long a request waits for a node's lock before answering "busy" (default 20 s). */
  lockWaitMs?: number;
  /** Seconds an unowned available ENI tagged with the cluster ages before it is deleted (default 300). */
  leakGraceSeconds?: number;
  /** How long to wait for a detached ENI to become available before leaving it to the reconciler. */
  detachWaitMs?: number;
  /**
   * Called after each step that changes EC2 or the ledger. Fault-injection tests make it
   * never resolve to stand for the process dying at that point.
   */
  afterStep?: (step: string, detail: Record<string, unknown>) => Promise<void> | void;
}

export async function stepDone(
  ctx: ControlPlaneContext,
  step: string,
  detail: Record<string, unknown> = {},
): Promise<void> {
  if (ctx.afterStep) await ctx.afterStep(step, detail);
  const lock = ctx.heldLock;
  if (!lock) return;
  // A lock with most of its life left is still ours (no one may take it before it lapses):
  // renewing it after every step would cost a ledger write per step for nothing.
  const ttlMs = ctx.lockTtlMs ?? DEFAULT_LOCK_TTL_MS;
  if (lock.expiresAt - ctx.ledger.now().getTime() > (ttlMs * 2) / 3) return;
  // A step that outlived the lock must not be followed by more: another request may own the node now.
  if (!(await renewNodeLock(ctx.ledger, lock, ttlMs))) {
    throw new NodeBusyError(`lost the lock of node ${lock.instanceId} after ${step}; retry the request`);
  }
}

const DEFAULT_LOCK_TTL_MS = 30_000;

export const silentLog: LogSink = { info: () => {}, warn: () => {}, error: () => {} };
