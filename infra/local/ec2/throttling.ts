/**
 * EC2's request throttling: a token bucket per category (per account and Region), sizes and
 * refill rates as documented in the EC2 developer guide, "Request throttling".
 */

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

export interface BucketSize {
  readonly capacity: number;
  readonly refillPerSecond: number;
}

export type BucketOverrides = Partial<Record<BucketCategory, Partial<BucketSize>>>;

export const EC2_BUCKETS: Readonly<Record<BucketCategory, BucketSize>> = {
  nonMutating: { capacity: 100, refillPerSecond: 20 },
  unfilteredDescribe: { capacity: 50, refillPerSecond: 10 },
  mutating: { capacity: 50, refillPerSecond: 5 },
  networkInterface: { capacity: 100, refillPerSecond: 5 },
  tags: { capacity: 100, refillPerSecond: 10 },
  runInstances: { capacity: 1000, refillPerSecond: 2 },
  terminateInstances: { capacity: 1000, refillPerSecond: 20 },
};

const NETWORK_INTERFACE_ACTIONS = new Set([
  'AssignPrivateIpAddresses',
  'UnassignPrivateIpAddresses',
  'AssignIpv6Addresses',
  'CreateNetworkInterface',
  'DeleteNetworkInterface',
  'ModifyNetworkInterfaceAttribute',
]);

/** Describe calls that fall in the smaller bucket when they carry neither a filter nor paging. */
const UNFILTERED_SENSITIVE = new Set([
  'DescribeInstances',
  'DescribeNetworkInterfaces',
  'DescribeSecurityGroups',
  'DescribeInstanceStatus',
  'DescribeSnapshots',
  'DescribeSpotInstanceRequests',
  'DescribeVolumes',
]);

export function categoryOf(action: string, filteredOrPaged: boolean): BucketCategory {
  if (action === 'RunInstances') return 'runInstances';
  if (action === 'TerminateInstances') return 'terminateInstances';
  if (action === 'CreateTags' || action === 'DeleteTags') return 'tags';
  if (NETWORK_INTERFACE_ACTIONS.has(action)) return 'networkInterface';
  if (/^(Describe|List|Search|Get)/.test(action)) {
    return UNFILTERED_SENSITIVE.has(action) && !filteredOrPaged ? 'unfilteredDescribe' : 'nonMutating';
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
  private buckets = new Map<BucketCategory, TokenBucket>();
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
    let bucket = this.buckets.get(category);
    if (!bucket) {
      bucket = new TokenBucket(this.sizes[category], this.now);
      this.buckets.set(category, bucket);
    }
    return bucket.tryTake();
  }
}
