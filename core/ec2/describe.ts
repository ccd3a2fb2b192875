/** Read-only EC2 views the orchestration needs, each one call, in the shapes the ledger uses. */
import {
  type _InstanceType,
  DescribeInstancesCommand,
  DescribeInstanceTypesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  type Filter,
  type Instance,
  type NetworkInterface,
  type Subnet,
} from '@aws-sdk/client-ec2';
import { TAGS } from '../contract/tags';
import { DependencyError, InvalidInputError } from '../errors';
import type { ControlPlaneEc2 } from './client';
import { ec2ErrorCode } from './client';
import { cachedView } from './view-cache';

export interface TypeLimits {
  maxEnis: number;
  ipv4PerEni: number;
  /** EC2 delegates /28 prefixes only to Nitro and bare-metal instances. */
  prefixesSupported: boolean;
}

/** An instance type's limits never change; nodes registering together share one call. */
const typeLimitCache = new Map<string, Promise<TypeLimits>>();

export function instanceTypeLimits(ec2: ControlPlaneEc2, instanceType: string): Promise<TypeLimits> {
  let limits = typeLimitCache.get(instanceType);
  if (!limits) {
    limits = describeTypeLimits(ec2, instanceType);
    typeLimitCache.set(instanceType, limits);
    limits.catch(() => typeLimitCache.delete(instanceType));
  }
  return limits;
}

async function describeTypeLimits(ec2: ControlPlaneEc2, instanceType: string): Promise<TypeLimits> {
  const out = await ec2.client
    .send(new DescribeInstanceTypesCommand({ InstanceTypes: [instanceType as _InstanceType] }))
    .catch((error: unknown) => {
      if (ec2ErrorCode(error)?.startsWith('InvalidInstanceType'))
        throw new InvalidInputError('instanceType', instanceType, 'an EC2 instance type this Region offers');
      throw error;
    });
  const type = out.InstanceTypes?.[0];
  const info = type?.NetworkInfo;
  if (!info?.MaximumNetworkInterfaces || !info.Ipv4AddressesPerInterface) {
    throw new InvalidInputError('instanceType', instanceType, 'an EC2 instance type this Region offers');
  }
  return {
    maxEnis: info.MaximumNetworkInterfaces,
    ipv4PerEni: info.Ipv4AddressesPerInterface,
    prefixesSupported: type?.Hypervisor === 'nitro' || type?.BareMetal === true,
  };
}

/** The instance, or undefined when EC2 does not know it (terminated long ago, or never existed). */
export async function describeInstance(
  ec2: ControlPlaneEc2,
  instanceId: string,
): Promise<Instance | undefined> {
  try {
    const out = await ec2.client.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    return out.Reservations?.[0]?.Instances?.[0];
  } catch (error) {
    if (ec2ErrorCode(error) === 'InvalidInstanceID.NotFound') return undefined;
    throw error;
  }
}

/** The states of the given instances; ids EC2 no longer knows are reported as 'gone'. */
export async function instanceStates(
  ec2: ControlPlaneEc2,
  instanceIds: string[],
): Promise<Map<string, string>> {
  const states = new Map<string, string>();
  for (const id of instanceIds) states.set(id, 'gone');
  if (instanceIds.length === 0) return states;
  const out = await ec2.client.send(
    new DescribeInstancesCommand({ Filters: [{ Name: 'instance-id', Values: instanceIds }] }),
  );
  for (const reservation of out.Reservations ?? []) {
    for (const instance of reservation.Instances ?? []) {
      if (instance.InstanceId) states.set(instance.InstanceId, instance.State?.Name ?? 'gone');
    }
  }
  return states;
}

/** The ENIs with these ids that still exist (a deleted one is simply absent). */
export async function describeEnis(ec2: ControlPlaneEc2, eniIds: string[]): Promise<NetworkInterface[]> {
  if (eniIds.length === 0) return [];
  const out = await ec2.client.send(
    new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'network-interface-id', Values: eniIds }] }),
  );
  return out.NetworkInterfaces ?? [];
}

export async function describeEnisByFilter(
  ec2: ControlPlaneEc2,
  filters: Filter[],
): Promise<NetworkInterface[]> {
  const out: NetworkInterface[] = [];
  let token: string | undefined;
  do {
    const page = await ec2.client.send(
      new DescribeNetworkInterfacesCommand({ Filters: filters, NextToken: token, MaxResults: 1000 }),
    );
    out.push(...(page.NetworkInterfaces ?? []));
    token = page.NextToken;
  } while (token);
  return out;
}

export async function describeSubnets(ec2: ControlPlaneEc2, filters: Filter[]): Promise<Subnet[]> {
  const out = await ec2.client.send(new DescribeSubnetsCommand({ Filters: filters }));
  return out.Subnets ?? [];
}

/** A VPC gains CIDRs rarely and never loses one a node uses: a minute-old answer serves. */
const VPC_VIEW_MAX_AGE_MS = 60_000;

export async function vpcCidrs(ec2: ControlPlaneEc2, vpcId: string): Promise<string[]> {
  const view = await cachedView(ec2, `vpc/${vpcId}`, VPC_VIEW_MAX_AGE_MS, () => describeVpcCidrs(ec2, vpcId));
  return view.value;
}

async function describeVpcCidrs(ec2: ControlPlaneEc2, vpcId: string): Promise<string[]> {
  const out = await ec2.client.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }));
  const vpc = out.Vpcs?.[0];
  if (!vpc) throw new DependencyError(`EC2 does not know the cluster's VPC ${vpcId}`);
  const associated = (vpc.CidrBlockAssociationSet ?? [])
    .filter((a) => !a.CidrBlockState?.State || a.CidrBlockState.State === 'associated')
    .map((a) => a.CidrBlock!)
    .filter(Boolean);
  return associated.length > 0 ? associated : [vpc.CidrBlock!];
}

export function tagValue(
  tags: { Key?: string; Value?: string }[] | undefined,
  key: string,
): string | undefined {
  return tags?.find((t) => t.Key === key)?.Value;
}

export function isNoManage(eni: NetworkInterface): boolean {
  const v = tagValue(eni.TagSet, TAGS.noManage);
  return v !== undefined && v.toLowerCase() !== 'false';
}

/** Secondary addresses and delegated prefixes on the ENI (the primary address excluded). */
export function secondaryAddressesOf(eni: NetworkInterface): { ipv4: string[]; prefixes: string[] } {
  return {
    ipv4: (eni.PrivateIpAddresses ?? []).filter((a) => !a.Primary).map((a) => a.PrivateIpAddress!),
    prefixes: (eni.Ipv4Prefixes ?? []).map((p) => p.Ipv4Prefix!),
  };
}

/** Address slots the ENI still has: primary, secondaries and prefixes all count against the type's limit. */
export function roomOn(eni: NetworkInterface, ipv4PerEni: number): number {
  return Math.max(0, ipv4PerEni - (eni.PrivateIpAddresses?.length ?? 0) - (eni.Ipv4Prefixes?.length ?? 0));
}
