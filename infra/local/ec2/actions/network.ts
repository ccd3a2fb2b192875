import { Ec2ApiError } from '../errors';
import { tagMapOf } from '../model/tags';
import { paginate } from '../query/paging';
import { renderSecurityGroup, renderSubnet, renderTags, renderVpc } from '../query/render';
import { restrictToIds } from './select';
import type { ActionTable } from './types';

/** VPCs, subnets, security groups, Regions and zones: what a scenario is built from. */
export const networkActions: ActionTable = {
  CreateVpc: (p, model) => {
    const tags = tagMapOf(p.tagSpecifications('vpc').vpc ?? []);
    return { vpc: renderVpc(model, model.createVpc({ cidrBlock: p.required('CidrBlock'), tags })) };
  },

  DescribeVpcs: (p, model) => {
    const ids = p.list('VpcId');
    const vpcs = restrictToIds(
      model.listVpcs(p.filters()),
      ids,
      (v) => v.vpcId,
      (id) => !!model.getVpc(id),
      'InvalidVpcID.NotFound',
      'vpc',
    );
    const page = paginate(p, vpcs);
    return { vpcSet: page.items.map((v) => renderVpc(model, v)), nextToken: page.nextToken };
  },

  CreateSubnet: (p, model) => {
    const tags = tagMapOf(p.tagSpecifications('subnet').subnet ?? []);
    const subnet = model.createSubnet({
      vpcId: p.required('VpcId'),
      cidrBlock: p.required('CidrBlock'),
      availabilityZone: p.string('AvailabilityZone'),
      tags,
    });
    return { subnet: renderSubnet(model, subnet) };
  },

  DescribeSubnets: (p, model) => {
    const subnets = restrictToIds(
      model.listSubnets(p.filters()),
      p.list('SubnetId'),
      (s) => s.subnetId,
      (id) => !!model.getSubnet(id),
      'InvalidSubnetID.NotFound',
      'subnet',
    );
    const page = paginate(p, subnets);
    return { subnetSet: page.items.map((s) => renderSubnet(model, s)), nextToken: page.nextToken };
  },

  CreateSecurityGroup: (p, model) => {
    const tags = tagMapOf(p.tagSpecifications('security-group')['security-group'] ?? []);
    const vpcId = p.string('VpcId');
    if (!vpcId) throw new Ec2ApiError('VPCIdNotSpecified', 'No default VPC for this user');
    const group = model.createSecurityGroup({
      groupName: p.required('GroupName'),
      description: p.required('GroupDescription'),
      vpcId,
      tags,
    });
    return { return: true, groupId: group.groupId, tagSet: renderTags(group.tags) };
  },

  DescribeSecurityGroups: (p, model) => {
    const names = p.list('GroupName');
    let groups = restrictToIds(
      model.listSecurityGroups(p.filters()),
      p.list('GroupId'),
      (g) => g.groupId,
      (id) => !!model.getSecurityGroup(id),
      'InvalidGroup.NotFound',
      'security group',
    );
    if (names.length > 0) {
      for (const name of names) {
        if (!groups.some((g) => g.groupName === name)) {
          throw new Ec2ApiError('InvalidGroup.NotFound', `The security group '${name}' does not exist`);
        }
      }
      groups = groups.filter((g) => names.includes(g.groupName));
    }
    const page = paginate(p, groups);
    return {
      securityGroupInfo: page.items.map((g) => renderSecurityGroup(model, g)),
      nextToken: page.nextToken,
    };
  },

  DescribeRegions: (p, model) => {
    const names = p.list('RegionName');
    for (const name of names) {
      if (name !== model.region) throw new Ec2ApiError('InvalidParameterValue', `Invalid region: ${name}`);
    }
    return {
      regionInfo: [
        {
          regionName: model.region,
          regionEndpoint: `ec2.${model.region}.amazonaws.com`,
          optInStatus: 'opt-in-not-required',
        },
      ],
    };
  },

  DescribeAvailabilityZones: (p, model) => {
    const names = p.list('ZoneName');
    for (const name of names) {
      if (!model.zones.some((z) => z.zoneName === name)) {
        throw new Ec2ApiError('InvalidParameterValue', `The availability zone '${name}' does not exist`);
      }
    }
    const zones = model.zones.filter((z) => names.length === 0 || names.includes(z.zoneName));
    return {
      availabilityZoneInfo: zones.map((z) => ({
        zoneName: z.zoneName,
        zoneId: z.zoneId,
        zoneState: 'available',
        regionName: model.region,
        groupName: model.region,
        networkBorderGroup: model.region,
        optInStatus: 'opt-in-not-required',
        zoneType: 'availability-zone',
        messageSet: [],
      })),
    };
  },
};
