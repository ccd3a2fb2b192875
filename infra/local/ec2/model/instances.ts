import { Ec2ApiError, notFound } from '../errors';
import type { InstanceStateName } from '../events';
import { newResourceId } from '../ids';
import { instanceTypeLimits } from '../instance-types';
import { attachPrimary, interfacesOf, releaseInterfacesOf } from './attachments';
import type { FilterFields } from './filters';
import { createInterface } from './network-interfaces';
import type { InstanceRecord, NetworkInterfaceRecord, TagMap } from './records';
import type { Ec2Store } from './store';
import { availableAddressCount } from './subnet-addresses';
import { requireSubnet } from './subnets';

export const INSTANCE_FILTERS: FilterFields<InstanceRecord> = {
  'instance-id': (i) => [i.instanceId],
  'instance-type': (i) => [i.limits.instanceType],
  'instance-state-name': (i) => [i.state],
  'subnet-id': (i) => [i.subnetId],
  'vpc-id': (i) => [i.vpcId],
  'availability-zone': (i) => [i.availabilityZone],
  'private-ip-address': (i) => [i.privateIpAddress],
  'reservation-id': (i) => [i.reservationId],
  'image-id': (i) => [i.imageId],
};

export function requireInstance(store: Ec2Store, instanceId: string): InstanceRecord {
  if (!/^i-[0-9a-f]{8,17}$/.test(instanceId)) {
    throw new Ec2ApiError('InvalidInstanceID.Malformed', `Invalid id: "${instanceId}"`);
  }
  const instance = store.instances.get(instanceId);
  if (!instance) throw notFound('InvalidInstanceID.NotFound', 'instance', instanceId);
  return instance;
}

export interface RunInstancesInput {
  readonly imageId: string;
  readonly instanceType: string;
  readonly count: number;
  readonly minCount: number;
  readonly subnetId: string;
  readonly groupIds: readonly string[];
  readonly availabilityZone?: string;
  readonly instanceTags: TagMap;
  readonly interfaceTags: TagMap;
  readonly iamInstanceProfileArn?: string;
}

function setState(store: Ec2Store, instance: InstanceRecord, state: InstanceStateName): void {
  instance.state = state;
  store.emit({ kind: 'instance-state', instanceId: instance.instanceId, state });
}

/** Launches up to `count` instances, at least `minCount` or none, each with a primary interface at device 0. */
export function runInstances(store: Ec2Store, input: RunInstancesInput): InstanceRecord[] {
  const limits = instanceTypeLimits(input.instanceType);
  const subnet = requireSubnet(store, input.subnetId);
  if (input.availabilityZone && input.availabilityZone !== subnet.availabilityZone) {
    throw new Ec2ApiError(
      'InvalidParameterCombination',
      `Subnet ${subnet.subnetId} is in ${subnet.availabilityZone}, not ${input.availabilityZone}.`,
    );
  }
  const count = Math.min(input.count, availableAddressCount(subnet));
  if (count < input.minCount) {
    throw new Ec2ApiError(
      'InsufficientFreeAddressesInSubnet',
      `There are not enough free addresses in subnet '${subnet.subnetId}' to satisfy the requested number of instances.`,
    );
  }
  const reservationId = newResourceId('r');
  const launched: InstanceRecord[] = [];
  for (let i = 0; i < count; i++) {
    const eni = createInterface(store, {
      subnetId: subnet.subnetId,
      description: '',
      groupIds: input.groupIds,
      secondaryPrivateIpAddresses: [],
      ipv4Prefixes: [],
      tags: new Map(input.interfaceTags),
    });
    const instance: InstanceRecord = {
      instanceId: newResourceId('i'),
      imageId: input.imageId,
      limits,
      subnetId: subnet.subnetId,
      vpcId: subnet.vpcId,
      availabilityZone: subnet.availabilityZone,
      primaryEniId: eni.networkInterfaceId,
      privateIpAddress: eni.primaryIp,
      launchTime: new Date(),
      reservationId,
      groupIds: eni.groupIds,
      iamInstanceProfileArn: input.iamInstanceProfileArn,
      state: 'pending',
      tags: new Map(input.instanceTags),
    };
    store.instances.set(instance.instanceId, instance);
    setState(store, instance, 'pending');
    attachPrimary(store, eni, instance.instanceId);
    store.schedule(store.timing.launchDelayMs, () => {
      if (instance.state === 'pending') setState(store, instance, 'running');
    });
    launched.push(instance);
  }
  return launched;
}

export interface StateChange {
  readonly instanceId: string;
  readonly previous: InstanceStateName;
  readonly current: InstanceStateName;
}

/** All ids are checked before any instance changes, as EC2 rejects the whole call on one bad id. */
export function terminateInstances(store: Ec2Store, instanceIds: readonly string[]): StateChange[] {
  const instances = instanceIds.map((id) => requireInstance(store, id));
  return instances.map((instance) => {
    const previous = instance.state;
    if (previous === 'terminated' || previous === 'shutting-down') {
      return { instanceId: instance.instanceId, previous, current: previous };
    }
    setState(store, instance, 'shutting-down');
    store.schedule(store.timing.terminateDelayMs, () => {
      releaseInterfacesOf(store, instance.instanceId);
      setState(store, instance, 'terminated');
    });
    return { instanceId: instance.instanceId, previous, current: 'shutting-down' };
  });
}

export function primaryInterfaceOf(
  store: Ec2Store,
  instance: InstanceRecord,
): NetworkInterfaceRecord | undefined {
  return interfacesOf(store, instance.instanceId).find((n) => n.attachment?.deviceIndex === 0);
}
