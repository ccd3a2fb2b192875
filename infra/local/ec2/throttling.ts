/**
 * EC2's request throttling: a token bucket per API action (per account and Region), sized by
 * the action's category as documented in the EC2 developer guide, "Request throttling".
 */

import {
  bucketKeyOf,
  EC2_DOCUMENTED_BUCKETS,
  type EC2BucketSize,
  NETWORK_INTERFACE_ACTIONS,
  NON_MUTATING_ACTION,
  TAG_ACTIONS,
  UNFILTERED_SENSITIVE_DESCRIBES,
} from '../../../core/ec2/throttling-facts';

export const BUCKET_CATEGORIES = [
  'nonMutating',
  'unfilteredDescribe',
  'mutating',
  'networkInterface',
  'tags',
  'runInstances',
  'terminateInstances',
] as const;
export type BucketCategory = (typeof BUCKET_CATEGORIES)[number];

export type BucketSize = EC2BucketSize;

export type BucketOverrides = Partial<Record<BucketCategory, Partial<BucketSize>>>;

export const EC2_BUCKETS: Readonly<Record<BucketCategory, BucketSize>> = EC2_DOCUMENTED_BUCKETS;

export function categoryOf(action: string, filteredOrPaged: boolean): BucketCategory {
  if (action === 'RunInstances') return 'runInstances';
  if (action === 'TerminateInstances') return 'terminateInstances';
  if (TAG_ACTIONS.has(action)) return 'tags';
  if (NETWORK_INTERFACE_ACTIONS.has(action)) return 'networkInterface';
  if (NON_MUTATING_ACTION.test(action)) {
    return UNFILTERED_SENSITIVE_DESCRIBES.has(action) && !filteredOrPaged
      ? 'unfilteredDescribe'
      : 'nonMutating';
  }
  return 'mutating';
}

class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    readonly size: BucketSize,
    private readonly now: () => number,
  ) {
    this.tokens = size.capacity;
    this.updatedAt = now();
  }

  tryTake(): boolean {
    const t = this.now();
    this.tokens = Math.min(
      this.size.capacity,
      this.tokens + ((t - this.updatedAt) / 1000) * this.size.refillPerSecond,
    );
    this.updatedAt = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export class Throttler {
  private buckets = new Map<string, TokenBucket>();
  private sizes: Record<BucketCategory, BucketSize> = { ...EC2_BUCKETS };
  enabled = true;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Turns throttling on or off; overrides replace sizes per category and refill every bucket. */
  configure(setting: boolean | BucketOverrides): void {
    if (typeof setting === 'boolean') {
      this.enabled = setting;
    } else {
      this.enabled = true;
      for (const [category, size] of Object.entries(setting) as [BucketCategory, Partial<BucketSize>][]) {
        if (!BUCKET_CATEGORIES.includes(category)) continue;
        this.sizes[category] = { ...this.sizes[category], ...size };
      }
    }
    this.buckets.clear();
  }

  bucketSizes(): Readonly<Record<BucketCategory, BucketSize>> {
    return this.sizes;
  }

  /** True if the request may proceed; a throttled request takes no token, as in EC2. */
  admit(action: string, filteredOrPaged: boolean): boolean {
    if (!this.enabled) return true;
    const category = categoryOf(action, filteredOrPaged);
    const key = bucketKeyOf(action, category === 'unfilteredDescribe');
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(this.sizes[category], this.now);
      this.buckets.set(key, bucket);
    }
    return bucket.tryTake();
  }
}
