/** Tag keys on ENIs and subnets that the AWS VPC CNI defined and Ledger CNI keeps, so tooling carries over. */
export const TAGS = {
  clusterName: 'cluster.k8s.amazonaws.com/name',
  instanceId: 'node.k8s.amazonaws.com/instance_id',
  createdAt: 'node.k8s.amazonaws.com/createdAt',
  /** An ENI with this tag is never touched: not filled, not detached, not swept. */
  noManage: 'node.k8s.amazonaws.com/no_manage',
  /** Subnets with this tag (any value but "0") are candidates for new ENIs. */
  subnetDiscovery: 'kubernetes.io/role/cni',
  /** Instance tag naming the custom-networking config to use, as the ENIConfig label does. */
  eniConfig: 'k8s.amazonaws.com/eniConfig',
} as const;

/** Prefixes that ADDITIONAL_ENI_TAGS may not use: they would collide with the tags above or AWS's own. */
export const RESERVED_TAG_PREFIXES = ['k8s.amazonaws.com', 'kubernetes.io', 'aws:'] as const;

export function isReservedTagKey(key: string): boolean {
  const k = key.toLowerCase();
  return RESERVED_TAG_PREFIXES.some((p) => k.startsWith(p) || k.includes(`.${p}`));
}
