import { Ec2ApiError, notFound } from '../errors';
import { newResourceId } from '../ids';
import type { FilterFields } from './filters';
import type { SecurityGroupRecord, TagMap } from './records';
import type { Ec2Store } from './store';
import { requireVpc } from './vpcs';

export const SECURITY_GROUP_FILTERS: FilterFields<SecurityGroupRecord> = {
  'group-id': (g) => [g.groupId],
  'group-name': (g) => [g.groupName],
  'vpc-id': (g) => [g.vpcId],
  description: (g) => [g.description],
};

export function createSecurityGroup(
  store: Ec2Store,
  input: { groupName: string; description: string; vpcId: string; tags: TagMap },
): SecurityGroupRecord {
  requireVpc(store, input.vpcId);
  for (const g of store.securityGroups.values()) {
    if (g.vpcId === input.vpcId && g.groupName === input.groupName) {
      throw new Ec2ApiError(
        'InvalidGroup.Duplicate',
        `The security group '${input.groupName}' already exists for VPC '${input.vpcId}'`,
      );
    }
  }
  const group: SecurityGroupRecord = { groupId: newResourceId('sg'), ...input };
  store.securityGroups.set(group.groupId, group);
  return group;
}

/** Groups for an interface must exist and belong to the interface's VPC. */
export function requireGroupsInVpc(store: Ec2Store, groupIds: readonly string[], vpcId: string): string[] {
  for (const id of groupIds) {
    const group = store.securityGroups.get(id);
    if (!group) throw notFound('InvalidGroup.NotFound', 'security group', id);
    if (group.vpcId !== vpcId) {
      throw new Ec2ApiError('InvalidParameterValue', `Security group ${id} does not belong to VPC ${vpcId}`);
    }
  }
  return [...new Set(groupIds)];
}

/** An interface created without groups gets the VPC's first group, standing in for EC2's default group. */
export function defaultGroupOf(store: Ec2Store, vpcId: string): string[] {
  for (const g of store.securityGroups.values()) if (g.vpcId === vpcId) return [g.groupId];
  return [];
}
