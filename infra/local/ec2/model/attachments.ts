import { Ec2ApiError, notFound } from '../errors';
import { newResourceId } from '../ids';
import {
  addressLimitExceeded,
  addressSlotsOf,
  removeInterface,
  requireInterface,
} from './network-interfaces';
import type { InstanceRecord, NetworkInterfaceRecord } from './records';
import type { Ec2Store } from './store';

/** Interfaces on an instance, attached or on their way in or out: each holds its device index. */
export function interfacesOf(store: Ec2Store, instanceId: string): NetworkInterfaceRecord[] {
  return [...store.interfaces.values()]
    .filter((n) => n.attachment?.instanceId === instanceId)
    .sort((a, b) => (a.attachment?.deviceIndex ?? 0) - (b.attachment?.deviceIndex ?? 0));
}

function requireInstanceForAttach(store: Ec2Store, instanceId: string): InstanceRecord {
  const instance = store.instances.get(instanceId);
  if (!instance) throw notFound('InvalidInstanceID.NotFound', 'instance', instanceId);
  if (instance.state !== 'running') {
    throw new Ec2ApiError(
      'IncorrectInstanceState',
      `The instance '${instanceId}' is not in the 'running' state (it is '${instance.state}').`,
    );
  }
  return instance;
}

/** Validates like EC2 (state, zone, device index, interface count, address count) before changing anything. */
export function attachInterface(
  store: Ec2Store,
  eniId: string,
  instanceId: string,
  deviceIndex: number,
): string {
  const eni = requireInterface(store, eniId);
  const instance = requireInstanceForAttach(store, instanceId);
  if (eni.attachment) throw new Ec2ApiError('InvalidNetworkInterface.InUse', `Interface: [${eniId}] in use.`);
  if (eni.availabilityZone !== instance.availabilityZone || eni.vpcId !== instance.vpcId) {
    throw new Ec2ApiError(
      'InvalidParameterCombination',
      'You may not attach a network interface to an instance if they are not in the same availability zone',
    );
  }
  const current = interfacesOf(store, instanceId);
  if (current.some((n) => n.attachment?.deviceIndex === deviceIndex)) {
    throw new Ec2ApiError(
      'InvalidParameterValue',
      `Instance '${instanceId}' already has an interface attached at device index '${deviceIndex}'.`,
    );
  }
  if (current.length >= instance.limits.maxEnis || deviceIndex >= instance.limits.maxEnis) {
    throw new Ec2ApiError(
      'AttachmentLimitExceeded',
      `Interface count ${current.length + 1} exceeds the limit for ${instance.limits.instanceType}`,
    );
  }
  if (addressSlotsOf(eni) > instance.limits.ipv4PerEni) throw addressLimitExceeded();
  const attachmentId = newResourceId('eni-attach');
  eni.attachment = {
    attachmentId,
    instanceId,
    deviceIndex,
    attachTime: new Date(),
    status: 'attaching',
    deleteOnTermination: false,
  };
  eni.status = 'in-use';
  const finish = () => {
    if (eni.attachment?.attachmentId !== attachmentId || eni.attachment.status !== 'attaching') return;
    eni.attachment.status = 'attached';
    store.emit({ kind: 'eni-attached', eniId, instanceId, deviceIndex });
  };
  if (store.timing.attachDelayMs > 0) store.schedule(store.timing.attachDelayMs, finish);
  else finish();
  return attachmentId;
}

/** The primary interface of a new instance: attached at once, deleted with the instance by default. */
export function attachPrimary(store: Ec2Store, eni: NetworkInterfaceRecord, instanceId: string): void {
  eni.attachment = {
    attachmentId: newResourceId('eni-attach'),
    instanceId,
    deviceIndex: 0,
    attachTime: new Date(),
    status: 'attached',
    deleteOnTermination: true,
  };
  eni.status = 'in-use';
  store.emit({ kind: 'eni-attached', eniId: eni.networkInterfaceId, instanceId, deviceIndex: 0 });
}

function findByAttachment(store: Ec2Store, attachmentId: string): NetworkInterfaceRecord {
  for (const eni of store.interfaces.values()) {
    if (eni.attachment?.attachmentId === attachmentId) return eni;
  }
  throw notFound('InvalidAttachmentID.NotFound', 'attachment', attachmentId);
}

export function detachInterface(store: Ec2Store, attachmentId: string): void {
  const eni = findByAttachment(store, attachmentId);
  const attachment = eni.attachment!;
  if (attachment.deviceIndex === 0) {
    throw new Ec2ApiError(
      'OperationNotPermitted',
      'The network interface at device index 0 cannot be detached.',
    );
  }
  if (attachment.status === 'detaching') return;
  attachment.status = 'detaching';
  const finish = () => {
    if (eni.attachment?.attachmentId !== attachmentId) return;
    completeDetach(store, eni);
  };
  if (store.timing.detachDelayMs > 0) store.schedule(store.timing.detachDelayMs, finish);
  else finish();
}

function completeDetach(store: Ec2Store, eni: NetworkInterfaceRecord): void {
  const attachment = eni.attachment;
  if (!attachment) return;
  eni.attachment = undefined;
  eni.status = 'available';
  store.emit({
    kind: 'eni-detached',
    eniId: eni.networkInterfaceId,
    instanceId: attachment.instanceId,
    deviceIndex: attachment.deviceIndex,
  });
}

/** On termination, interfaces marked DeleteOnTermination go away and the others become available. */
export function releaseInterfacesOf(store: Ec2Store, instanceId: string): void {
  for (const eni of interfacesOf(store, instanceId)) {
    const deleteIt = eni.attachment?.deleteOnTermination ?? false;
    completeDetach(store, eni);
    if (deleteIt) removeInterface(store, eni);
  }
}
