/**
 * Which subnets a node's next ENI may use, best first: the node's custom-network subnet;
 * else SUBNET_IDS; else subnets tagged kubernetes.io/role/cni plus the node's own subnet —
 * always in the node's zone, most free addresses first. Each pass refreshes the ledger's
 * subnet items with what EC2 answered.
 */
import type { Subnet } from '@aws-sdk/client-ec2';
import { TAGS } from '../contract/tags';
import { putSubnet } from '../ledger';
import type { NodeRecord, SubnetRecord } from '../ledger/items';
import type { ControlPlaneContext } from './context';
import { describeSubnets, tagValue } from './describe';

export interface SubnetChoice {
  subnetId: string;
  cidr: string;
  free: number;
  securityGroups: string[];
}

export async function candidateSubnets(ctx: ControlPlaneContext, node: NodeRecord): Promise<SubnetChoice[]> {
  const groups = node.customNetwork?.securityGroups ?? node.securityGroups;
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
  const now = ctx.ledger.now().toISOString();
  await Promise.all(subnets.map((s) => putSubnet(ctx.ledger, subnetRecordOf(s, now))));
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
