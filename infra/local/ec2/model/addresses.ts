import { Ec2ApiError } from '../errors';
import { addressLimitExceeded, addressLimitOf, addressSlotsOf, requireInterface } from './network-interfaces';
import type { Ec2Store } from './store';
import {
  allocateAddresses,
  allocatePrefixes,
  releaseAddresses,
  releasePrefixes,
  reserveAddresses,
  reservePrefixes,
} from './subnet-addresses';

export interface AssignInput {
  readonly addresses: readonly string[];
  readonly addressCount?: number;
  readonly prefixes: readonly string[];
  readonly prefixCount?: number;
}

export interface Assigned {
  readonly addresses: string[];
  readonly prefixes: string[];
}

/** EC2 takes exactly one way of naming what to assign per call. */
function requestedSlots(input: AssignInput): number {
  const ways = [
    input.addresses.length > 0,
    input.addressCount !== undefined,
    input.prefixes.length > 0,
    input.prefixCount !== undefined,
  ].filter(Boolean).length;
  if (ways !== 1) {
    throw new Ec2ApiError(
      ways === 0 ? 'MissingParameter' : 'InvalidParameterCombination',
      'Exactly one of PrivateIpAddress, SecondaryPrivateIpAddressCount, Ipv4Prefix or Ipv4PrefixCount must be specified.',
    );
  }
  const n =
    input.addresses.length + input.prefixes.length + (input.addressCount ?? 0) + (input.prefixCount ?? 0);
  if (n < 1)
    throw new Ec2ApiError(
      'InvalidParameterValue',
      'The number of addresses or prefixes to assign must be at least 1.',
    );
  return n;
}

export function assignAddresses(store: Ec2Store, eniId: string, input: AssignInput): Assigned {
  const eni = requireInterface(store, eniId);
  const subnet = store.subnets.get(eni.subnetId)!;
  const wanted = requestedSlots(input);
  if (addressSlotsOf(eni) + wanted > addressLimitOf(store, eni)) throw addressLimitExceeded();
  const wantsPrefixes = input.prefixes.length > 0 || input.prefixCount !== undefined;
  const instance = eni.attachment ? store.instances.get(eni.attachment.instanceId) : undefined;
  if (wantsPrefixes && instance && instance.limits.hypervisor !== 'nitro') {
    throw new Ec2ApiError(
      'InvalidParameterValue',
      `Prefix delegation is not supported on instance type ${instance.limits.instanceType}: it is not built on Nitro.`,
    );
  }
  let assigned: Assigned;
  if (input.addresses.length > 0) {
    reserveAddresses(subnet, input.addresses);
    assigned = { addresses: [...input.addresses], prefixes: [] };
  } else if (input.addressCount !== undefined) {
    assigned = { addresses: allocateAddresses(subnet, input.addressCount), prefixes: [] };
  } else if (input.prefixes.length > 0) {
    reservePrefixes(subnet, input.prefixes);
    assigned = { addresses: [], prefixes: [...input.prefixes] };
  } else {
    assigned = { addresses: [], prefixes: allocatePrefixes(subnet, input.prefixCount ?? 0) };
  }
  eni.secondaryIps.push(...assigned.addresses);
  eni.prefixes.push(...assigned.prefixes);
  store.emit({ kind: 'addresses-assigned', eniId, ...assigned });
  return assigned;
}

export function unassignAddresses(
  store: Ec2Store,
  eniId: string,
  input: { addresses: readonly string[]; prefixes: readonly string[] },
): void {
  const eni = requireInterface(store, eniId);
  if (input.addresses.length === 0 && input.prefixes.length === 0) {
    throw new Ec2ApiError(
      'MissingParameter',
      'The request must contain the parameter PrivateIpAddress or Ipv4Prefix',
    );
  }
  if (input.addresses.includes(eni.primaryIp)) {
    throw new Ec2ApiError(
      'InvalidParameterValue',
      `The primary IP address ${eni.primaryIp} of an interface cannot be unassigned.`,
    );
  }
  const missing = [
    ...input.addresses.filter((a) => !eni.secondaryIps.includes(a)),
    ...input.prefixes.filter((p) => !eni.prefixes.includes(p)),
  ];
  if (missing.length > 0) {
    throw new Ec2ApiError(
      'InvalidParameterValue',
      `Some of the specified addresses are not assigned to interface ${eniId}: ${missing.join(', ')}`,
    );
  }
  const subnet = store.subnets.get(eni.subnetId)!;
  releaseAddresses(subnet, input.addresses);
  releasePrefixes(subnet, input.prefixes);
  eni.secondaryIps = eni.secondaryIps.filter((a) => !input.addresses.includes(a));
  eni.prefixes = eni.prefixes.filter((p) => !input.prefixes.includes(p));
  store.emit({
    kind: 'addresses-unassigned',
    eniId,
    addresses: [...input.addresses],
    prefixes: [...input.prefixes],
  });
}
