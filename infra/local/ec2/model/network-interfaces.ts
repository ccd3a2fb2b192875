import { Ec2ApiError, notFound } from '../errors';
import { newMacAddress, newResourceId } from '../ids';
import { largestIpv4PerEni } from '../instance-types';
import type { FilterFields } from './filters';
import type { NetworkInterfaceRecord, SubnetRecord, TagMap } from './records';
import { defaultGroupOf, requireGroupsInVpc } from './security-groups';
import type { Ec2Store } from './store';
import {
  allocateAddresses,
  allocatePrefixes,
  releaseAddresses,
  releasePrefixes,
  reserveAddresses,
  reservePrefixes,
} from './subnet-addresses';
import { requireSubnet } from './subnets';

export const INTERFACE_FILTERS: FilterFields<NetworkInterfaceRecord> = {
  'network-interface-id': (n) => [n.networkInterfaceId],
  'attachment.instance-id': (n) => [n.attachment?.instanceId],
  'attachment.status': (n) => [n.attachment?.status],
  'attachment.attachment-id': (n) => [n.attachment?.attachmentId],
  'attachment.device-index': (n) => [n.attachment ? String(n.attachment.deviceIndex) : undefined],
  'attachment.delete-on-termination': (n) => [
    n.attachment ? String(n.attachment.deleteOnTermination) : undefined,
  ],
  status: (n) => [n.status],
  'subnet-id': (n) => [n.subnetId],
  'vpc-id': (n) => [n.vpcId],
  'availability-zone': (n) => [n.availabilityZone],
  'mac-address': (n) => [n.macAddress],
  description: (n) => [n.description],
  'group-id': (n) => n.groupIds,
  'private-ip-address': (n) => [n.primaryIp, ...n.secondaryIps],
  'addresses.private-ip-address': (n) => [n.primaryIp, ...n.secondaryIps],
  'ipv4-prefix.ipv4-prefix': (n) => n.prefixes,
  'source-dest-check': (n) => [String(n.sourceDestCheck)],
  'interface-type': () => ['interface'],
  'owner-id': () => [],
};

export function requireInterface(store: Ec2Store, eniId: string): NetworkInterfaceRecord {
  const eni = store.interfaces.get(eniId);
  if (!eni) throw notFound('InvalidNetworkInterfaceID.NotFound', 'network interface', eniId);
  return eni;
}

/** Primary and secondary addresses plus prefixes: what EC2 counts against Ipv4AddressesPerInterface. */
export function addressSlotsOf(eni: NetworkInterfaceRecord): number {
  return 1 + eni.secondaryIps.length + eni.prefixes.length;
}

/** The limit that applies now: the attached instance type's, or the largest any type allows. */
export function addressLimitOf(store: Ec2Store, eni: NetworkInterfaceRecord): number {
  const instance = eni.attachment ? store.instances.get(eni.attachment.instanceId) : undefined;
  return instance ? instance.limits.ipv4PerEni : largestIpv4PerEni();
}

export function addressLimitExceeded(): Ec2ApiError {
  return new Ec2ApiError('PrivateIpAddressLimitExceeded', 'Number of private addresses will exceed limit.');
}

export interface CreateInterfaceInput {
  readonly subnetId: string;
  readonly description?: string;
  readonly groupIds: readonly string[];
  readonly privateIpAddress?: string;
  readonly secondaryPrivateIpAddresses: readonly string[];
  readonly secondaryPrivateIpAddressCount?: number;
  readonly ipv4Prefixes: readonly string[];
  readonly ipv4PrefixCount?: number;
  readonly tags: TagMap;
}

/** Checks the whole request, then takes addresses; a failure after allocation gives them back. */
export function createInterface(store: Ec2Store, input: CreateInterfaceInput): NetworkInterfaceRecord {
  const subnet = requireSubnet(store, input.subnetId);
  const groupIds =
    input.groupIds.length > 0
      ? requireGroupsInVpc(store, input.groupIds, subnet.vpcId)
      : defaultGroupOf(store, subnet.vpcId);
  if (input.ipv4PrefixCount !== undefined && input.ipv4Prefixes.length > 0) {
    throw new Ec2ApiError(
      'InvalidParameterCombination',
      'Ipv4Prefix and Ipv4PrefixCount cannot be used together.',
    );
  }
  const secondaryCount = input.secondaryPrivateIpAddressCount ?? 0;
  const prefixCount = input.ipv4PrefixCount ?? input.ipv4Prefixes.length;
  if (1 + secondaryCount + input.secondaryPrivateIpAddresses.length + prefixCount > largestIpv4PerEni()) {
    throw addressLimitExceeded();
  }
  const taken = takeInterfaceAddresses(subnet, input, secondaryCount);
  const eni: NetworkInterfaceRecord = {
    networkInterfaceId: newResourceId('eni'),
    subnetId: subnet.subnetId,
    vpcId: subnet.vpcId,
    availabilityZone: subnet.availabilityZone,
    availabilityZoneId: subnet.availabilityZoneId,
    macAddress: newMacAddress(),
    primaryIp: taken.primary,
    createdAt: new Date(),
    description: input.description ?? '',
    groupIds,
    secondaryIps: taken.secondary,
    prefixes: taken.prefixes,
    sourceDestCheck: true,
    status: 'available',
    tags: input.tags,
  };
  store.interfaces.set(eni.networkInterfaceId, eni);
  store.emit({ kind: 'eni-created', eniId: eni.networkInterfaceId });
  store.emit({
    kind: 'addresses-assigned',
    eniId: eni.networkInterfaceId,
    addresses: [eni.primaryIp, ...eni.secondaryIps],
    prefixes: eni.prefixes,
  });
  return eni;
}

function takeInterfaceAddresses(
  subnet: SubnetRecord,
  input: CreateInterfaceInput,
  secondaryCount: number,
): { primary: string; secondary: string[]; prefixes: string[] } {
  const explicit = [
    ...(input.privateIpAddress ? [input.privateIpAddress] : []),
    ...input.secondaryPrivateIpAddresses,
  ];
  reserveAddresses(subnet, explicit);
  const taken: string[] = [...explicit];
  try {
    const generated = allocateAddresses(subnet, (input.privateIpAddress ? 0 : 1) + secondaryCount);
    taken.push(...generated);
    const primary = input.privateIpAddress ?? (generated.shift() as string);
    const secondary = [...input.secondaryPrivateIpAddresses, ...generated];
    if (input.ipv4Prefixes.length > 0) reservePrefixes(subnet, input.ipv4Prefixes);
    const prefixes =
      input.ipv4Prefixes.length > 0
        ? [...input.ipv4Prefixes]
        : allocatePrefixes(subnet, input.ipv4PrefixCount ?? 0);
    return { primary, secondary, prefixes };
  } catch (error) {
    releaseAddresses(subnet, taken);
    throw error;
  }
}

export function deleteInterface(store: Ec2Store, eniId: string): void {
  const eni = requireInterface(store, eniId);
  if (eni.attachment) {
    throw new Ec2ApiError(
      'InvalidNetworkInterface.InUse',
      `The network interface '${eniId}' is currently in use.`,
    );
  }
  removeInterface(store, eni);
}

/** Gives the interface's addresses back to its subnet and forgets it. */
export function removeInterface(store: Ec2Store, eni: NetworkInterfaceRecord): void {
  const subnet = store.subnets.get(eni.subnetId);
  if (subnet) {
    releaseAddresses(subnet, [eni.primaryIp, ...eni.secondaryIps]);
    releasePrefixes(subnet, eni.prefixes);
  }
  store.interfaces.delete(eni.networkInterfaceId);
  store.deletedInterfaces.set(eni.networkInterfaceId, eni);
  store.emit({ kind: 'eni-deleted', eniId: eni.networkInterfaceId });
}

export interface ModifyInterfaceInput {
  readonly description?: string;
  readonly sourceDestCheck?: boolean;
  readonly groupIds: readonly string[];
  readonly attachmentId?: string;
  readonly deleteOnTermination?: boolean;
}

export function modifyInterface(store: Ec2Store, eniId: string, input: ModifyInterfaceInput): void {
  const eni = requireInterface(store, eniId);
  const groups = input.groupIds.length > 0 ? requireGroupsInVpc(store, input.groupIds, eni.vpcId) : undefined;
  if (input.deleteOnTermination !== undefined) {
    if (!input.attachmentId)
      throw new Ec2ApiError(
        'MissingParameter',
        'The request must contain the parameter Attachment.AttachmentId',
      );
    if (eni.attachment?.attachmentId !== input.attachmentId) {
      throw notFound('InvalidAttachmentID.NotFound', 'attachment', input.attachmentId);
    }
  }
  if (
    input.description === undefined &&
    input.sourceDestCheck === undefined &&
    !groups &&
    input.deleteOnTermination === undefined
  ) {
    throw new Ec2ApiError('MissingParameter', 'The request must contain one attribute to modify.');
  }
  if (input.description !== undefined) eni.description = input.description;
  if (input.sourceDestCheck !== undefined) eni.sourceDestCheck = input.sourceDestCheck;
  if (groups) eni.groupIds = groups;
  if (input.deleteOnTermination !== undefined && eni.attachment) {
    eni.attachment.deleteOnTermination = input.deleteOnTermination;
  }
}
