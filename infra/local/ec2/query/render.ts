import { INSTANCE_STATE_CODES, type InstanceStateName } from '../events';
import type { Ec2Model } from '../model/ec2-model';
import type {
  InstanceRecord,
  NetworkInterfaceRecord,
  SecurityGroupRecord,
  SubnetRecord,
  TagMap,
  VpcRecord,
} from '../model/records';
import type { XmlObject } from './xml';

/** Records rendered with the element names EC2 uses (and @aws-sdk/client-ec2 reads). */

export function renderTags(tags: TagMap): XmlObject[] | undefined {
  if (tags.size === 0) return undefined;
  return [...tags].map(([key, value]) => ({ key, value }));
}

export function renderVpc(model: Ec2Model, vpc: VpcRecord): XmlObject {
  return {
    vpcId: vpc.vpcId,
    ownerId: model.ownerId,
    state: 'available',
    cidrBlock: vpc.cidrBlock,
    cidrBlockAssociationSet: [
      {
        associationId: `${vpc.vpcId}-cidr`,
        cidrBlock: vpc.cidrBlock,
        cidrBlockState: { state: 'associated' },
      },
    ],
    dhcpOptionsId: vpc.dhcpOptionsId,
    instanceTenancy: 'default',
    isDefault: false,
    tagSet: renderTags(vpc.tags),
  };
}

export function renderSubnet(model: Ec2Model, subnet: SubnetRecord): XmlObject {
  return {
    subnetId: subnet.subnetId,
    subnetArn: `arn:aws:ec2:${model.region}:${model.ownerId}:subnet/${subnet.subnetId}`,
    state: 'available',
    vpcId: subnet.vpcId,
    ownerId: model.ownerId,
    cidrBlock: subnet.cidrBlock,
    availableIpAddressCount: model.availableAddressCount(subnet),
    availabilityZone: subnet.availabilityZone,
    availabilityZoneId: subnet.availabilityZoneId,
    defaultForAz: false,
    mapPublicIpOnLaunch: false,
    tagSet: renderTags(subnet.tags),
  };
}

export function renderSecurityGroup(model: Ec2Model, group: SecurityGroupRecord): XmlObject {
  return {
    ownerId: model.ownerId,
    groupId: group.groupId,
    groupName: group.groupName,
    groupDescription: group.description,
    vpcId: group.vpcId,
    securityGroupArn: `arn:aws:ec2:${model.region}:${model.ownerId}:security-group/${group.groupId}`,
    ipPermissions: [],
    ipPermissionsEgress: [],
    tagSet: renderTags(group.tags),
  };
}

function renderGroups(model: Ec2Model, groupIds: readonly string[]): XmlObject[] {
  return groupIds.map((groupId) => ({ groupId, groupName: model.getSecurityGroup(groupId)?.groupName }));
}

function privateDnsName(model: Ec2Model, ip: string): string {
  const region = model.region === 'us-east-1' ? 'ec2' : `${model.region}.compute`;
  return `ip-${ip.replace(/\./g, '-')}.${region}.internal`;
}

export function renderNetworkInterface(model: Ec2Model, eni: NetworkInterfaceRecord): XmlObject {
  const a = eni.attachment;
  const addresses = [
    { privateIpAddress: eni.primaryIp, privateDnsName: privateDnsName(model, eni.primaryIp), primary: true },
    ...eni.secondaryIps.map((ip) => ({
      privateIpAddress: ip,
      privateDnsName: privateDnsName(model, ip),
      primary: false,
    })),
  ];
  return {
    networkInterfaceId: eni.networkInterfaceId,
    subnetId: eni.subnetId,
    vpcId: eni.vpcId,
    availabilityZone: eni.availabilityZone,
    availabilityZoneId: eni.availabilityZoneId,
    description: eni.description,
    ownerId: model.ownerId,
    requesterManaged: false,
    status: eni.status,
    macAddress: eni.macAddress,
    privateIpAddress: eni.primaryIp,
    privateDnsName: privateDnsName(model, eni.primaryIp),
    sourceDestCheck: eni.sourceDestCheck,
    interfaceType: 'interface',
    groupSet: renderGroups(model, eni.groupIds),
    attachment: a && {
      attachmentId: a.attachmentId,
      instanceId: a.instanceId,
      instanceOwnerId: model.ownerId,
      deviceIndex: a.deviceIndex,
      networkCardIndex: 0,
      status: a.status,
      attachTime: a.attachTime,
      deleteOnTermination: a.deleteOnTermination,
    },
    tagSet: renderTags(eni.tags),
    privateIpAddressesSet: addresses,
    ipv4PrefixSet: eni.prefixes.length > 0 ? eni.prefixes.map((ipv4Prefix) => ({ ipv4Prefix })) : undefined,
    ipv6AddressesSet: [],
  };
}

/** The interface as DescribeInstances nests it: the same fields minus the zone and tags. */
function renderInstanceInterface(model: Ec2Model, eni: NetworkInterfaceRecord): XmlObject {
  const {
    availabilityZone: _z,
    availabilityZoneId: _zi,
    tagSet: _t,
    requesterManaged: _r,
    ...rest
  } = renderNetworkInterface(model, eni);
  return rest;
}

export function renderState(state: InstanceStateName): XmlObject {
  return { code: INSTANCE_STATE_CODES[state], name: state };
}

export function renderInstance(model: Ec2Model, instance: InstanceRecord): XmlObject {
  const live = instance.state !== 'terminated';
  return {
    instanceId: instance.instanceId,
    imageId: instance.imageId,
    instanceState: renderState(instance.state),
    privateDnsName: live ? privateDnsName(model, instance.privateIpAddress) : '',
    dnsName: '',
    amiLaunchIndex: 0,
    instanceType: instance.limits.instanceType,
    launchTime: instance.launchTime,
    placement: { availabilityZone: instance.availabilityZone, tenancy: 'default' },
    subnetId: live ? instance.subnetId : undefined,
    vpcId: live ? instance.vpcId : undefined,
    privateIpAddress: live ? instance.privateIpAddress : undefined,
    architecture: 'x86_64',
    rootDeviceType: 'ebs',
    rootDeviceName: '/dev/xvda',
    virtualizationType: 'hvm',
    hypervisor: instance.limits.hypervisor === 'xen' ? 'xen' : 'nitro',
    sourceDestCheck: true,
    iamInstanceProfile: instance.iamInstanceProfileArn
      ? { arn: instance.iamInstanceProfileArn, id: 'AIPA000LOCAL' }
      : undefined,
    groupSet: renderGroups(model, instance.groupIds),
    tagSet: renderTags(instance.tags),
    networkInterfaceSet: model
      .interfacesOfInstance(instance.instanceId)
      .map((n) => renderInstanceInterface(model, n)),
  };
}

export function renderReservation(model: Ec2Model, instances: readonly InstanceRecord[]): XmlObject {
  return {
    reservationId: instances[0]?.reservationId,
    ownerId: model.ownerId,
    groupSet: [],
    instancesSet: instances.map((i) => renderInstance(model, i)),
  };
}
