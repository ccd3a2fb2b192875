import {
  cidrContains,
  cidrLast,
  formatCidr,
  formatIpv4,
  isAlignedPrefix,
  isAwsReserved,
  isIpv4,
  PREFIX_SIZE,
  parseCidr,
  parseIpv4,
  usableAddressCount,
} from '../../../../core/net/ipv4';
import { Ec2ApiError } from '../errors';
import type { SubnetRecord } from './records';

/**
 * Address bookkeeping of one subnet. Every function checks the whole request before it
 * changes anything, so a failed call leaves the subnet as it was.
 */

export function availableAddressCount(subnet: SubnetRecord): number {
  return usableAddressCount(subnet.cidr) - subnet.used.size;
}

function insufficientAddresses(subnet: SubnetRecord): Ec2ApiError {
  return new Ec2ApiError(
    'InsufficientFreeAddressesInSubnet',
    `The specified subnet ${subnet.subnetId} does not have enough free addresses to satisfy the request.`,
  );
}

/** Picks the lowest free addresses, as EC2's allocation tends to fill a subnet from the bottom. */
export function allocateAddresses(subnet: SubnetRecord, count: number): string[] {
  if (count > availableAddressCount(subnet)) throw insufficientAddresses(subnet);
  const picked: string[] = [];
  for (let ip = subnet.cidr.network; picked.length < count && ip <= cidrLast(subnet.cidr); ip++) {
    if (isAwsReserved(subnet.cidr, ip) || subnet.used.has(ip)) continue;
    picked.push(formatIpv4(ip));
  }
  if (picked.length < count) throw insufficientAddresses(subnet);
  for (const ip of picked) subnet.used.add(parseIpv4(ip));
  return picked;
}

/** Validates addresses a caller asked for by name; nothing is reserved until all pass. */
export function reserveAddresses(subnet: SubnetRecord, addresses: readonly string[]): void {
  const seen = new Set<number>();
  for (const text of addresses) {
    if (!isIpv4(text)) throw new Ec2ApiError('InvalidParameterValue', `Invalid IPv4 address: ${text}`);
    const ip = parseIpv4(text);
    if (!cidrContains(subnet.cidr, ip)) {
      throw new Ec2ApiError(
        'InvalidParameterValue',
        `Address ${text} does not fall within the subnet's address range (${subnet.cidrBlock})`,
      );
    }
    if (isAwsReserved(subnet.cidr, ip)) {
      throw new Ec2ApiError('InvalidParameterValue', `Address ${text} is in subnet's reserved address range`);
    }
    if (subnet.used.has(ip) || seen.has(ip)) {
      throw new Ec2ApiError('InvalidIPAddress.InUse', `Address ${text} is in use.`);
    }
    seen.add(ip);
  }
  for (const ip of seen) subnet.used.add(ip);
}

function prefixBlockIsFree(subnet: SubnetRecord, network: number): boolean {
  for (let ip = network; ip < network + PREFIX_SIZE; ip++) {
    if (isAwsReserved(subnet.cidr, ip) || subnet.used.has(ip)) return false;
  }
  return true;
}

function insufficientPrefixes(subnet: SubnetRecord): Ec2ApiError {
  return new Ec2ApiError(
    'InsufficientCidrBlocks',
    `The specified subnet ${subnet.subnetId} does not have enough free cidr blocks to satisfy the request.`,
  );
}

/** Aligned /28 blocks none of whose addresses is reserved or held by an interface. */
export function allocatePrefixes(subnet: SubnetRecord, count: number): string[] {
  const picked: number[] = [];
  for (
    let network = subnet.cidr.network;
    picked.length < count && network + PREFIX_SIZE - 1 <= cidrLast(subnet.cidr);
    network += PREFIX_SIZE
  ) {
    if (prefixBlockIsFree(subnet, network)) picked.push(network);
  }
  if (picked.length < count) throw insufficientPrefixes(subnet);
  for (const network of picked) markBlock(subnet, network, true);
  return picked.map((network) => formatCidr({ network, prefixLength: 28 }));
}

export function reservePrefixes(subnet: SubnetRecord, prefixes: readonly string[]): void {
  const networks: number[] = [];
  for (const text of prefixes) {
    let network: number;
    try {
      const cidr = parseCidr(text);
      if (!isAlignedPrefix(cidr)) throw new RangeError('not a /28');
      network = cidr.network;
    } catch {
      throw new Ec2ApiError(
        'InvalidParameterValue',
        `Invalid value '${text}' for Ipv4Prefix: expected an aligned /28`,
      );
    }
    if (!cidrContains(subnet.cidr, network)) {
      throw new Ec2ApiError(
        'InvalidParameterValue',
        `Prefix ${text} does not fall within subnet ${subnet.cidrBlock}`,
      );
    }
    if (!prefixBlockIsFree(subnet, network) || networks.includes(network)) {
      throw new Ec2ApiError('InvalidParameterValue', `Prefix ${text} overlaps addresses in use or reserved`);
    }
    networks.push(network);
  }
  for (const network of networks) markBlock(subnet, network, true);
}

function markBlock(subnet: SubnetRecord, network: number, used: boolean): void {
  for (let ip = network; ip < network + PREFIX_SIZE; ip++) {
    if (used) subnet.used.add(ip);
    else subnet.used.delete(ip);
  }
}

export function releaseAddresses(subnet: SubnetRecord, addresses: readonly string[]): void {
  for (const a of addresses) subnet.used.delete(parseIpv4(a));
}

export function releasePrefixes(subnet: SubnetRecord, prefixes: readonly string[]): void {
  for (const p of prefixes) markBlock(subnet, parseCidr(p).network, false);
}
