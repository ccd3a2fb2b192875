import type { Cidr } from '../../../../core/net/ipv4';
import type { InstanceStateName } from '../events';
import type { InstanceTypeLimits } from '../instance-types';

/** Tags keep EC2's insertion order, which DescribeX answers reproduce. */
export type TagMap = Map<string, string>;

export interface VpcRecord {
  readonly vpcId: string;
  readonly cidrBlock: string;
  readonly cidr: Cidr;
  readonly dhcpOptionsId: string;
  readonly tags: TagMap;
}

export interface SubnetRecord {
  readonly subnetId: string;
  readonly vpcId: string;
  readonly cidrBlock: string;
  readonly cidr: Cidr;
  readonly availabilityZone: string;
  readonly availabilityZoneId: string;
  readonly tags: TagMap;
  /** Addresses held by interfaces (single addresses and every address of delegated prefixes). */
  readonly used: Set<number>;
}

export interface SecurityGroupRecord {
  readonly groupId: string;
  readonly groupName: string;
  readonly description: string;
  readonly vpcId: string;
  readonly tags: TagMap;
}

export const ATTACHMENT_STATUSES = ['attaching', 'attached', 'detaching', 'detached'] as const;
export type AttachmentStatus = (typeof ATTACHMENT_STATUSES)[number];

export interface AttachmentRecord {
  readonly attachmentId: string;
  readonly instanceId: string;
  readonly deviceIndex: number;
  readonly attachTime: Date;
  status: AttachmentStatus;
  deleteOnTermination: boolean;
}

export const INTERFACE_STATUSES = ['available', 'in-use'] as const;
export type InterfaceStatus = (typeof INTERFACE_STATUSES)[number];

export interface NetworkInterfaceRecord {
  readonly networkInterfaceId: string;
  readonly subnetId: string;
  readonly vpcId: string;
  readonly availabilityZone: string;
  readonly availabilityZoneId: string;
  readonly macAddress: string;
  readonly primaryIp: string;
  readonly createdAt: Date;
  description: string;
  groupIds: string[];
  /** Secondary addresses in the order they were assigned. */
  secondaryIps: string[];
  /** Delegated /28 prefixes in CIDR notation, in the order they were assigned. */
  prefixes: string[];
  sourceDestCheck: boolean;
  status: InterfaceStatus;
  attachment?: AttachmentRecord;
  readonly tags: TagMap;
}

export interface InstanceRecord {
  readonly instanceId: string;
  readonly imageId: string;
  readonly limits: InstanceTypeLimits;
  readonly subnetId: string;
  readonly vpcId: string;
  readonly availabilityZone: string;
  readonly primaryEniId: string;
  readonly privateIpAddress: string;
  readonly launchTime: Date;
  readonly reservationId: string;
  readonly groupIds: string[];
  readonly iamInstanceProfileArn?: string;
  state: InstanceStateName;
  readonly tags: TagMap;
}
