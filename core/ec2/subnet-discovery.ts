/**
 * Which subnets a node's next ENI may use, best first: the node's custom-network subnet;
 * else SUBNET_IDS; else subnets tagged kubernetes.io/role/cni plus the node's own subnet —
 * always in the node's zone, most free addresses first. EC2's answer is shared for a few
 * seconds by every lease in the process (a stale free count only means a subnet is tried and
 * found full); whoever fetched it refreshes the ledger's subnet items.
 */
import type { Subnet } from '@aws-sdk/client-ec2';
import { TAGS } from '../contract/tags';
import { putSubnet } from '../ledger';
import type { NodeRecord, SubnetRecord } from '../ledger/items';
import type { ControlPlaneContext } from './context';
import { describeSubnets, tagValue } from './describe';
import { cachedView } from './view-cache';

/** How long one DescribeSubnets answer serves every lease in the process. */
export const SUBNET_VIEW_MAX_AGE_MS = 5_000;

export interface SubnetChoice {
  subnetId: string;
  cidr: string;
  free: number;
  securityGroups: string[];
}

export async function candidateSubnets(ctx: ControlPlaneContext, node: NodeRecord): Promise<SubnetChoice[]> {
  const groups = node.customNetwork?.securityGroups ?? node.securityGroups;
  const key = `subnets/${node.customNetwork?.subnetId ?? ''}/${node.primaryEni.subnetId}`;
  const { value: subnets, fresh } = await cachedView(ctx.ec2, key, SUBNET_VIEW_MAX_AGE_MS, () =>
    subnetsFor(ctx, node),
  );
  if (fresh) {
    const now = ctx.ledger.now().toISOString();
    await Promise.all(subnets.map((s) => putSubnet(ctx.ledger, subnetRecordOf(s, now))));
  }
  return subnets
    .filter((s) => s.AvailabilityZone === node.availabilityZone)
    .map((s) => ({
      subnetId: s.SubnetId!,
      cidr: s.CidrBlock!,
      free: s.AvailableIpAddressCount ?? 0,
      securityGroups: groups,
    }))
    .sort((a, b) => b.free - a.free);
}

async function subnetsFor(ctx: ControlPlaneContext, node: NodeRecord): Promise<Subnet[]> {
  let subnets: Subnet[];
  if (node.customNetwork) {
    subnets = await describeSubnets(ctx.ec2, [{ Name: 'subnet-id', Values: [node.customNetwork.subnetId] }]);
  } else if (ctx.config.subnetIds?.length) {
    subnets = await describeSubnets(ctx.ec2, [{ Name: 'subnet-id', Values: ctx.config.subnetIds }]);
  } else {
    const tagged = await describeSubnets(ctx.ec2, [
      { Name: 'vpc-id', Values: [ctx.config.vpcId] },
      { Name: 'tag-key', Values: [TAGS.subnetDiscovery] },
    ]);
    const own = tagged.some((s) => s.SubnetId === node.primaryEni.subnetId)
      ? []
      : await describeSubnets(ctx.ec2, [{ Name: 'subnet-id', Values: [node.primaryEni.subnetId] }]);
    subnets = [...tagged.filter((s) => tagValue(s.Tags, TAGS.subnetDiscovery) !== '0'), ...own];
  }
  return subnets;
}

export function subnetRecordOf(s: Subnet, refreshedAt: string): SubnetRecord {
  const tag = tagValue(s.Tags, TAGS.subnetDiscovery);
  return {
    subnetId: s.SubnetId!,
    cidr: s.CidrBlock!,
    availabilityZone: s.AvailabilityZone ?? '',
    ec2Free: s.AvailableIpAddressCount ?? 0,
    discoverable: tag !== undefined && tag !== '0',
    refreshedAt,
  };
}
