/**
 * A client-side token bucket per EC2 action, sized by the action's throttling category (EC2
 * API docs, "Request throttling"): every attempt takes a token first, so a burst of nodes waits here instead
 * of draining the account's buckets and being answered RequestLimitExceeded. The sizes are
 * kept well under EC2's so other tools in the account keep their share.
 */

import { DependencyError } from '../errors';
import {
  bucketKeyOf,
  EC2_DOCUMENTED_BUCKETS,
  NETWORK_INTERFACE_ACTIONS,
  NON_MUTATING_ACTION,
  TAG_ACTIONS,
  UNFILTERED_SENSITIVE_DESCRIBES,
} from './throttling-facts';

export const THROTTLE_CATEGORIES = {
  nonMutating: 'non-mutating',
  unfilteredDescribe: 'unfiltered-describe',
  mutating: 'mutating',
  ipAndEni: 'ip-and-eni',
  tags: 'tags',
} as const;
export type ThrottleCategory = (typeof THROTTLE_CATEGORIES)[keyof typeof THROTTLE_CATEGORIES];

export interface BucketSize {
  capacity: number;
  refillPerSecond: number;
}

/**
 * The part of each of EC2's per-action buckets the control plane may use. The actions it
 * spends most on (Create/Attach/AssignPrivateIp…) are rarely called by anything else in an
 * EKS account once the cluster's CNI is this one, so a fifth is left for the rest.
 */
const SHARE_OF_EC2 = 0.8;
const share = (b: BucketSize): BucketSize => ({
  capacity: b.capacity * SHARE_OF_EC2,
  refillPerSecond: b.refillPerSecond * SHARE_OF_EC2,
});

/** 80 % of EC2's default buckets, so other tools in the account keep their share. */
export const DEFAULT_BUDGET: Readonly<Record<ThrottleCategory, BucketSize>> = {
  'non-mutating': share(EC2_DOCUMENTED_BUCKETS.nonMutating),
  'unfiltered-describe': share(EC2_DOCUMENTED_BUCKETS.unfilteredDescribe),
  mutating: share(EC2_DOCUMENTED_BUCKETS.mutating),
  'ip-and-eni': share(EC2_DOCUMENTED_BUCKETS.networkInterface),
  tags: share(EC2_DOCUMENTED_BUCKETS.tags),
};

/**
 * EC2 charges a Describe to its smaller bucket only when it carries no filter, no ids and no
 * paging; the control plane always narrows its Describes, so they get the larger budget.
 */
export function isFilteredOrPaged(input: unknown): boolean {
  if (typeof input !== 'object' || input === null) return false;
  return Object.entries(input).some(
    ([key, value]) =>
      ((key === 'Filters' || key.endsWith('Ids')) && Array.isArray(value) && value.length > 0) ||
      ((key === 'MaxResults' || key === 'NextToken') && value !== undefined),
  );
}

export function categoryOf(action: string, filteredOrPaged = false): ThrottleCategory {
  if (NETWORK_INTERFACE_ACTIONS.has(action)) return THROTTLE_CATEGORIES.ipAndEni;
  if (TAG_ACTIONS.has(action)) return THROTTLE_CATEGORIES.tags;
  if (UNFILTERED_SENSITIVE_DESCRIBES.has(action) && !filteredOrPaged)
    return THROTTLE_CATEGORIES.unfilteredDescribe;
  if (NON_MUTATING_ACTION.test(action)) return THROTTLE_CATEGORIES.nonMutating;
  return THROTTLE_CATEGORIES.mutating;
}

/** One bucket of the budget: in this process's memory, or shared through the ledger. */
export interface BudgetBucket {
  /** Resolves when the caller may call; refuses at once when its turn is more than `maxWaitMs` away. */
  take(maxWaitMs?: number): Promise<void>;
  /** How long a taker arriving now would wait for its token, with `ahead` more takers before it. */
  expectedWaitMs(ahead?: number): number;
}

export type BucketFactory = (bucket: string, size: BucketSize) => BudgetBucket;

export class TokenBucket implements BudgetBucket {
  private tokens: number;
  private last: number;
  private tail: Promise<void> = Promise.resolve();
  private queued = 0;

  constructor(
    private readonly size: BucketSize,
    private readonly clock: () => number = () => Date.now(),
  ) {
    this.tokens = size.capacity;
    this.last = clock();
  }

  expectedWaitMs(ahead = 0): number {
    this.refill();
    return Math.max(0, ((this.queued + 1 + ahead - this.tokens) / this.size.refillPerSecond) * 1000);
  }

  /**
   * Resolves when a token was taken; callers are served in arrival order. A caller whose
   * turn would come later than `maxWaitMs` is refused at once, queueing nothing: a request
   * that holds a node's lock must not sit in this queue past the lock's lifetime.
   */
  take(maxWaitMs = Number.POSITIVE_INFINITY): Promise<void> {
    this.refill();
    const expectedWaitMs = ((this.queued + 1 - this.tokens) / this.size.refillPerSecond) * 1000;
    if (expectedWaitMs > maxWaitMs)
      return Promise.reject(new Ec2BudgetSpentError(expectedWaitMs - maxWaitMs));
    this.queued++;
    const turn = this.tail.then(() => this.waitForToken()).finally(() => this.queued--);
    this.tail = turn.catch(() => undefined);
    return turn;
  }

  available(): number {
    this.refill();
    return this.tokens;
  }

  private async waitForToken(): Promise<void> {
    for (;;) {
      this.refill();
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      const waitMs = Math.ceil(((1 - this.tokens) / this.size.refillPerSecond) * 1000);
      await new Promise((r) => setTimeout(r, waitMs));
    }
  }

  private refill(): void {
    const now = this.clock();
    this.tokens = Math.min(
      this.size.capacity,
      this.tokens + ((now - this.last) / 1000) * this.size.refillPerSecond,
    );
    this.last = now;
  }
}

/** The part of each bucket that calls made for warm pools leave to calls pods wait on. */
export const SHARE_KEPT_FOR_WAITING_PODS = 0.25;

/** Longest a call may queue for a token before the request gives up (well under the node lock's 30 s). */
export const DEFAULT_MAX_BUDGET_WAIT_MS = 10_000;

/**
 * The budget for EC2 calls is spent for longer than a request may wait: retry the request
 * later. `untilServedMs` is how long until a request arriving then would wait no longer than
 * the bound, which is when asking again is worth it.
 */
export class Ec2BudgetSpentError extends DependencyError {
  readonly retryAfterSeconds: number;

  constructor(untilServedMs: number) {
    const seconds = Math.max(1, Math.ceil(untilServedMs / 1000));
    super(
      `the control plane's EC2 call budget is spent; a request could be served again in about ${seconds} s, so retry it then`,
    );
    this.retryAfterSeconds = seconds;
  }
}

/** When a deferred warm-pool top-up is worth asking again: about when the kept share refills. */
const WARM_POOL_RETRY_MS = 5_000;

/**
 * The call would fill a warm pool while the budget has no surplus: pods elsewhere wait on
 * what is left. Nothing was sent; the node asks again once its backoff has passed.
 */
export class WarmPoolDeferredError extends Ec2BudgetSpentError {
  constructor() {
    super(WARM_POOL_RETRY_MS);
    this.message =
      "the control plane's EC2 budget is kept for pods waiting on other nodes; warm-pool top-ups wait until it has room to spare, so retry later";
  }
}

export class Ec2Budget {
  private readonly buckets = new Map<string, BudgetBucket>();

  constructor(
    private readonly sizes: Partial<Record<ThrottleCategory, BucketSize>> = {},
    private readonly maxWaitMs = DEFAULT_MAX_BUDGET_WAIT_MS,
    private readonly makeBucket: BucketFactory = (_, size) => new TokenBucket(size),
  ) {}

  take(action: string, input?: unknown): Promise<void> {
    return this.bucketFor(action, input).take(this.maxWaitMs);
  }

  canTakeSoon(action: string, withinMs = this.maxWaitMs): boolean {
    return this.expectedWaitMs(action) <= Math.min(withinMs, this.maxWaitMs);
  }

  /** How long a call of this action made now would queue for its token. */
  expectedWaitMs(action: string): number {
    return this.bucketFor(action, undefined).expectedWaitMs();
  }

  /**
   * True when a call of this action could be made now and still leave a share of the bucket
   * for calls that pods are waiting on: warm-pool top-ups draw only on that surplus, so in a
   * scale-up they never queue ahead of a pod.
   */
  hasSurplus(action: string): boolean {
    const category = categoryOf(action, false);
    const size = this.sizes[category] ?? DEFAULT_BUDGET[category];
    const kept = Math.ceil(size.capacity * SHARE_KEPT_FOR_WAITING_PODS);
    return this.bucketFor(action, undefined).expectedWaitMs(kept) === 0;
  }

  private bucketFor(action: string, input: unknown): BudgetBucket {
    const category = categoryOf(action, isFilteredOrPaged(input));
    const key = bucketKeyOf(action, category === THROTTLE_CATEGORIES.unfilteredDescribe);
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = this.makeBucket(key, this.sizes[category] ?? DEFAULT_BUDGET[category]);
      this.buckets.set(key, bucket);
    }
    return bucket;
  }
}
