/**
 * The pool's background loop, off the pod's path: leases in batches what the warm targets
 * lack, gives back the excess once it has persisted (hysteresis) and is past cooldown, and
 * reports the pod↔IP map to the control plane at most every few seconds. Control-plane
 * failures only slow it down (backoff); the pool keeps serving from its cache.
 */
import { randomUUID } from 'node:crypto';
import { ApiUnavailableError } from '../../core/api-client';
import { LEASE_NOT_STARTED } from '../../core/contract/api';
import { CapacityError, InvalidInputError } from '../../core/errors';
import type { NodeLeases } from '../control-plane/types';
import type { Logger } from '../logging';
import type { HeldLease } from './checkpoint';
import type { LeasePool } from './lease-pool';
import { ReleaseGate, type ReleaseGateOptions } from './release-gate';
import {
  availableOf,
  type NodeCapacity,
  type PoolCounts,
  unitSize,
  unitsToLease,
  unitsToRelease,
  type WarmPoolRule,
} from './warm-math';

const MAX_IPV4_PER_LEASE = 250;
const MAX_PREFIXES_PER_LEASE = 16;
const MAX_RELEASE_PER_CALL = 250;

export interface PoolMaintainerOptions {
  pool: LeasePool;
  leases: NodeLeases;
  rule: WarmPoolRule;
  capacity: NodeCapacity;
  logger: Logger;
  /** Pause between passes when nothing wakes the loop (default 1 s). */
  intervalMs?: number;
  /** Least time between usage reports (default 5 s). */
  usageIntervalMs?: number;
  /** Default: an excess must last 30 s, releases 30 s apart (ipamd's scale-down pace). */
  release?: ReleaseGateOptions;
  /** After the control plane says there is no capacity, wait this long (default 30 s). */
  capacityBackoffMs?: number;
  clock?: () => number;
}

export class PoolMaintainer {
  private readonly clock: () => number;
  private readonly gate: ReleaseGate;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private leaseBlockedUntil = 0;
  private unavailableBackoffMs = 0;
  private retryLease: LeaseAsked | undefined;
  /** The lease that set `leaseBlockedUntil` was a warm-pool top-up the control plane deferred. */
  private blockedLeaseWasWarmOnly = false;
  private pendingRelease: PendingRelease | undefined;
  /** An unanswered release is asked again no sooner than this, backing off as leases do. */
  private releaseRetryAt = 0;
  private releaseBackoffMs = 0;
  private usageDirty = true;
  private lastUsageAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: PoolMaintainerOptions) {
    this.clock = options.clock ?? Date.now;
    this.gate = new ReleaseGate(options.release ?? { settleMs: 30_000, intervalMs: 30_000 });
    const markDirty = () => {
      this.usageDirty = true;
    };
    options.pool.events.on('assigned', markDirty);
    options.pool.events.on('unassigned', markDirty);
  }

  start(): void {
    this.stopped = false;
    this.options.pool.onShortage = () => this.kick();
    this.kick();
  }

  /**
   * Resolves after the first pass since start() (or after `timeoutMs`), so a fresh node can
   * hold its first lease before it declares itself ready; a control plane that is down only
   * delays readiness by the timeout, since the cache may still serve.
   */
  async firstPass(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.running,
      new Promise((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.options.pool.onShortage = () => {};
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Runs a pass now, or right after the one in progress. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.running = this.runOnce()
      .catch((error) => {
        this.options.pool.events.emit('agentError', { fn: 'poolPass', error });
        this.options.logger.error('pool pass failed', error);
      })
      .finally(() => {
        this.running = undefined;
        if (this.stopped) return;
        if (this.again) {
          this.again = false;
          this.kick();
        } else {
          this.timer = setTimeout(() => this.kick(), this.options.intervalMs ?? 1_000);
        }
      });
  }

  /** One pass: lease what is short, else release what is over, then report usage if due. */
  async runOnce(): Promise<void> {
    const { pool, rule, capacity } = this.options;
    if (this.pendingRelease && this.clock() >= this.releaseRetryAt)
      await this.sendRelease(this.pendingRelease);
    // An unanswered lease is settled first, even if the pool no longer falls short.
    if (this.retryLease) await this.lease(this.retryLease.units, this.retryLease.forPods);
    const { counts, units } = pool.snapshot();
    pool.wakeAll();
    const short = unitsToLease(rule, counts, units, capacity);
    if (short > 0) {
      this.gate.shouldRelease(false, this.clock());
      await this.lease(short, addressesForWaitingPods(counts));
    } else if (!this.pendingRelease) {
      // One release at a time: a new one would take the place of one still unanswered.
      const excess = unitsToRelease(rule, counts, units, capacity);
      if (this.gate.shouldRelease(excess.length > 0, this.clock())) await this.release(excess);
    }
    await this.reportUsageIfDue();
  }

  private async lease(units: number, waitingPods: number): Promise<void> {
    const now = this.clock();
    // A warm-pool top-up the control plane deferred does not hold back pods that wait now.
    if (now < this.leaseBlockedUntil && !(this.blockedLeaseWasWarmOnly && waitingPods > 0)) return;
    const unit = this.options.rule.unit;
    // A lease whose answer was lost may have been granted: it is asked again exactly as it
    // was (same key, same count), whatever the pool needs now, so the control plane answers
    // with the addresses it already leased instead of leaving them held for nobody. Any
    // excess goes back through the normal release path.
    const batch =
      this.retryLease?.units ??
      Math.min(units, unit === 'prefix' ? MAX_PREFIXES_PER_LEASE : MAX_IPV4_PER_LEASE);
    const key = this.retryLease?.key ?? randomUUID();
    const forPods = this.retryLease?.forPods ?? Math.min(waitingPods, batch * unitSize(unit));
    this.retryLease = { key, units: batch, forPods };
    try {
      const response = await this.options.leases.lease(
        unit === 'prefix'
          ? { idempotencyKey: key, prefixes: batch, forPods }
          : { idempotencyKey: key, ipv4: batch, forPods },
      );
      this.retryLease = undefined;
      this.unavailableBackoffMs = 0;
      const leasedAt = new Date(this.clock()).toISOString();
      const held: HeldLease[] = response.addresses.map((a) => ({ ...a, leasedAt }));
      await this.options.pool.addLeases(held);
      this.gate.leased();
      const addresses = held.reduce((n, l) => n + (l.kind === 'prefix' ? 16 : 1), 0);
      this.options.pool.events.emit('leased', { units: held.length, addresses });
      this.options.logger.info('leased addresses', { requested: batch, unit, granted: held.length });
    } catch (error) {
      const deferred = forPods === 0 && leaseNotStarted(error);
      if (deferred) this.options.pool.events.emit('leaseDeferred', { units: batch });
      else this.options.pool.events.emit('controlPlaneError', { operation: 'lease', error });
      // A 409, a 4xx refusal or a lease refused before it started means nothing was leased:
      // the next lease starts afresh, asking for what the pool needs by then.
      if (error instanceof CapacityError || error instanceof InvalidInputError || leaseNotStarted(error))
        this.retryLease = undefined;
      this.blockedLeaseWasWarmOnly = deferred;
      if (error instanceof CapacityError) {
        this.leaseBlockedUntil = this.clock() + (this.options.capacityBackoffMs ?? 30_000);
        this.options.logger.warn('control plane has no capacity for this node', { reason: error.reason });
      } else {
        this.unavailableBackoffMs = Math.min(Math.max(this.unavailableBackoffMs * 2, 250), 10_000);
        const retryInMs = retryHintMs(error) ?? this.unavailableBackoffMs;
        this.leaseBlockedUntil = this.clock() + retryInMs;
        if (deferred)
          this.options.logger.info(
            "warm-pool top-up deferred: the cluster's EC2 budget is kept for pods waiting on other nodes",
            { retryInMs: Math.round(retryInMs) },
          );
        else this.options.logger.warn('lease failed; serving from the cache', error);
      }
    }
  }

  private async release(addresses: string[]): Promise<void> {
    const taken = await this.options.pool.withdraw(addresses.slice(0, MAX_RELEASE_PER_CALL));
    if (taken.length === 0) return;
    await this.sendRelease({ key: randomUUID(), taken });
  }

  /**
   * A release whose outcome is unknown (timeout, 5xx, connection lost after sending) may
   * have happened: its addresses stay out of use and it is sent again, same key, same
   * addresses, until the control plane answers. Only a refusal (4xx) means nothing happened,
   * and only then do the addresses go back into the pool.
   */
  private async sendRelease(release: PendingRelease): Promise<void> {
    const { pool } = this.options;
    try {
      await this.options.leases.release({
        idempotencyKey: release.key,
        addresses: release.taken.map((l) => l.address),
      });
      this.pendingRelease = undefined;
      this.releaseBackoffMs = 0;
      this.gate.released(this.clock());
      pool.events.emit('released', { units: release.taken.length });
      this.options.logger.info('released excess addresses', { units: release.taken.length });
    } catch (error) {
      pool.events.emit('controlPlaneError', { operation: 'release', error });
      if (error instanceof InvalidInputError) {
        this.pendingRelease = undefined;
        await pool.restore(release.taken);
        this.options.logger.warn('release refused; keeping the addresses', error);
      } else {
        this.pendingRelease = release;
        // A control plane that is down is not asked every pass by every node.
        this.releaseBackoffMs = Math.min(Math.max(this.releaseBackoffMs * 2, 250), 10_000);
        this.releaseRetryAt = this.clock() + (retryHintMs(error) ?? this.releaseBackoffMs);
        this.options.logger.warn(
          'release outcome unknown; its addresses stay unused until it is retried',
          error,
        );
      }
    }
  }

  private async reportUsageIfDue(): Promise<void> {
    const now = this.clock();
    if (!this.usageDirty || now - this.lastUsageAt < (this.options.usageIntervalMs ?? 5_000)) return;
    this.usageDirty = false;
    this.lastUsageAt = now;
    const assignments = this.options.pool.assignments().map((a) => ({
      ip: a.ip,
      // The API needs names; a sandbox started without Kubernetes arguments has none.
      namespace: a.namespace || '-',
      pod: a.pod || a.containerId.slice(0, 253),
      containerId: a.containerId,
    }));
    try {
      await this.options.leases.reportUsage({ assignments, reportedAt: new Date(now).toISOString() });
    } catch (error) {
      this.usageDirty = true;
      this.options.pool.events.emit('controlPlaneError', { operation: 'usage', error });
      this.options.logger.warn('usage report failed; will retry', error);
    }
  }
}

interface LeaseAsked {
  key: string;
  units: number;
  forPods: number;
}

/** Addresses the pods waiting in assign() still lack. */
function addressesForWaitingPods(counts: PoolCounts): number {
  return Math.max(counts.waiting - availableOf(counts), 0);
}

/**
 * When the control plane says a refused lease could be served (its EC2 budget's queue), with
 * up to half a second added so the nodes it refused together do not all ask again at once.
 */
function retryHintMs(error: unknown): number | undefined {
  if (!leaseNotStarted(error)) return undefined;
  const seconds = (error as ApiUnavailableError).body?.retryAfterSeconds;
  if (seconds === undefined || !(seconds > 0)) return undefined;
  return Math.min(seconds, MAX_RETRY_HINT_SECONDS) * 1000 + Math.random() * RETRY_SPREAD_MS;
}

const MAX_RETRY_HINT_SECONDS = 30;
const RETRY_SPREAD_MS = 500;

function leaseNotStarted(error: unknown): boolean {
  return error instanceof ApiUnavailableError && error.body?.code === LEASE_NOT_STARTED;
}

interface PendingRelease {
  key: string;
  taken: HeldLease[];
}
