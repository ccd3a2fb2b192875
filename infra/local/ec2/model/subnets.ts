import { cidrContains, cidrLast, cidrsOverlap, isCidr, parseCidr } from '../../../../core/net/ipv4';
import { Ec2ApiError, notFound } from '../errors';
import { newResourceId } from '../ids';
import type { FilterFields } from './filters';
import type { SubnetRecord, TagMap } from './records';
import type { Ec2Store } from './store';
import { availableAddressCount } from './subnet-addresses';
import { requireVpc } from './vpcs';

export const SUBNET_FILTERS: FilterFields<SubnetRecord> = {
  'subnet-id': (s) => [s.subnetId],
  'vpc-id': (s) => [s.vpcId],
  'availability-zone': (s) => [s.availabilityZone],
  'availability-zone-id': (s) => [s.availabilityZoneId],
  'cidr-block': (s) => [s.cidrBlock],
  'available-ip-address-count': (s) => [String(availableAddressCount(s))],
  state: () => ['available'],
};

export function requireSubnet(store: Ec2Store, subnetId: string): SubnetRecord {
  const subnet = store.subnets.get(subnetId);
  if (!subnet) throw notFound('InvalidSubnetID.NotFound', 'subnet', subnetId);
  return subnet;
}

export interface CreateSubnetInput {
  readonly vpcId: string;
  readonly cidrBlock: string;
  readonly availabilityZone?: string;
  readonly tags: TagMap;
}

export function createSubnet(store: Ec2Store, input: CreateSubnetInput): SubnetRecord {
  const vpc = requireVpc(store, input.vpcId);
  if (!isCidr(input.cidrBlock)) {
    throw new Ec2ApiError(
      'InvalidParameterValue',
      `Value (${input.cidrBlock}) for parameter cidrBlock is invalid.`,
    );
  }
  const cidr = parseCidr(input.cidrBlock);
  if (
    cidr.prefixLength < 16 ||
    cidr.prefixLength > 28 ||
    !cidrContains(vpc.cidr, cidr.network) ||
    !cidrContains(vpc.cidr, cidrLast(cidr))
  ) {
    throw new Ec2ApiError('InvalidSubnet.Range', `The CIDR '${input.cidrBlock}' is invalid.`);
  }
  for (const other of store.subnets.values()) {
    if (other.vpcId === vpc.vpcId && cidrsOverlap(other.cidr, cidr)) {
      throw new Ec2ApiError(
        'InvalidSubnet.Conflict',
        `The CIDR '${input.cidrBlock}' conflicts with another subnet`,
      );
    }
  }
  const zone = input.availabilityZone
    ? store.zones.find((z) => z.zoneName === input.availabilityZone)
    : store.zones[0];
  if (!zone) {
    throw new Ec2ApiError(
      'InvalidParameterValue',
      `Value (${input.availabilityZone}) for parameter availabilityZone is invalid. ` +
        `Subnets can currently only be created in the following availability zones: ${store.zones.map((z) => z.zoneName).join(', ')}.`,
    );
  }
  const subnet: SubnetRecord = {
    subnetId: newResourceId('subnet'),
    vpcId: vpc.vpcId,
    cidrBlock: input.cidrBlock,
    cidr,
    availabilityZone: zone.zoneName,
    availabilityZoneId: zone.zoneId,
    tags: input.tags,
    used: new Set(),
  };
  store.subnets.set(subnet.subnetId, subnet);
  return subnet;
}
