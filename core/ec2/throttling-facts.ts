/**
 * EC2's request throttling as its developer guide documents it ("Request throttling"): each
 * API action has its own token bucket per account and Region ("each API is evaluated
 * individually ... requests for other API are not affected"), sized by the action's category.
 * The control plane's budget and the local EC2 simulator both read these, so the two can
 * never disagree about EC2.
 */

/** The resource-intensive network-interface and address actions, with their own bucket. */
export const NETWORK_INTERFACE_ACTIONS: ReadonlySet<string> = new Set([
  'AssignPrivateIpAddresses',
  'UnassignPrivateIpAddresses',
  'AssignIpv6Addresses',
  'CreateNetworkInterface',
  'DeleteNetworkInterface',
  'ModifyNetworkInterfaceAttribute',
]);

/** Describes that fall in the smaller bucket when they carry neither a filter, ids nor paging. */
export const UNFILTERED_SENSITIVE_DESCRIBES: ReadonlySet<string> = new Set([
  'DescribeInstances',
  'DescribeNetworkInterfaces',
  'DescribeSecurityGroups',
  'DescribeInstanceStatus',
  'DescribeSnapshots',
  'DescribeSpotInstanceRequests',
  'DescribeVolumes',
]);

export const TAG_ACTIONS: ReadonlySet<string> = new Set(['CreateTags', 'DeleteTags']);

export const NON_MUTATING_ACTION = /^(Describe|List|Search|Get)/;

export interface EC2BucketSize {
  readonly capacity: number;
  readonly refillPerSecond: number;
}

export const EC2_DOCUMENTED_BUCKETS = {
  nonMutating: { capacity: 100, refillPerSecond: 20 },
  unfilteredDescribe: { capacity: 50, refillPerSecond: 10 },
  mutating: { capacity: 50, refillPerSecond: 5 },
  networkInterface: { capacity: 100, refillPerSecond: 5 },
  tags: { capacity: 100, refillPerSecond: 10 },
  runInstances: { capacity: 1000, refillPerSecond: 2 },
  terminateInstances: { capacity: 1000, refillPerSecond: 20 },
} as const satisfies Record<string, EC2BucketSize>;

/**
 * The key of the bucket a call draws from: the action itself, and for the Describes EC2
 * charges differently when unnarrowed, the action's unfiltered variant.
 */
export function bucketKeyOf(action: string, unfilteredDescribe: boolean): string {
  return unfilteredDescribe ? `${action} (unfiltered)` : action;
}
