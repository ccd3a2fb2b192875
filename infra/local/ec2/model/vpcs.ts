import { isCidr, parseCidr } from '../../../../core/net/ipv4';
import { Ec2ApiError, notFound } from '../errors';
import { newResourceId } from '../ids';
import type { FilterFields } from './filters';
import type { TagMap, VpcRecord } from './records';
import type { Ec2Store } from './store';

export const VPC_FILTERS: FilterFields<VpcRecord> = {
  'vpc-id': (v) => [v.vpcId],
  'cidr-block': (v) => [v.cidrBlock],
  cidr: (v) => [v.cidrBlock],
  state: () => ['available'],
  'is-default': () => ['false'],
};

export function requireVpc(store: Ec2Store, vpcId: string): VpcRecord {
  const vpc = store.vpcs.get(vpcId);
  if (!vpc) throw notFound('InvalidVpcID.NotFound', 'vpc', vpcId);
  return vpc;
}

export function createVpc(store: Ec2Store, input: { cidrBlock: string; tags: TagMap }): VpcRecord {
  if (!isCidr(input.cidrBlock)) {
    throw new Ec2ApiError(
      'InvalidParameterValue',
      `Value (${input.cidrBlock}) for parameter cidrBlock is invalid.`,
    );
  }
  const cidr = parseCidr(input.cidrBlock);
  if (cidr.prefixLength < 16 || cidr.prefixLength > 28) {
    throw new Ec2ApiError(
      'InvalidVpc.Range',
      `The CIDR '${input.cidrBlock}' is invalid: VPC blocks are /16 to /28.`,
    );
  }
  const vpc: VpcRecord = {
    vpcId: newResourceId('vpc'),
    cidrBlock: input.cidrBlock,
    cidr,
    dhcpOptionsId: newResourceId('dopt'),
    tags: input.tags,
  };
  store.vpcs.set(vpc.vpcId, vpc);
  return vpc;
}
