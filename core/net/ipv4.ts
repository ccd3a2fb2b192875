/**
 * IPv4 and CIDR arithmetic shared by the simulators, the ledger and the node agent.
 * Addresses are handled as unsigned 32-bit numbers so that ranges compare and iterate cheaply.
 */

export interface Cidr {
  /** Network address as an unsigned 32-bit number. */
  readonly network: number;
  readonly prefixLength: number;
}

const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

export function isIpv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => OCTET.test(p));
}

export function parseIpv4(text: string): number {
  if (!isIpv4(text)) throw new RangeError(`not an IPv4 address: ${JSON.stringify(text)}`);
  return text.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

export function formatIpv4(value: number): string {
  const v = value >>> 0;
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

export function maskOf(prefixLength: number): number {
  return prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
}

export function parseCidr(text: string): Cidr {
  const [address, length, extra] = text.split('/');
  const prefixLength = Number(length);
  if (
    extra !== undefined ||
    address === undefined ||
    !isIpv4(address) ||
    !/^\d{1,2}$/.test(length ?? '') ||
    prefixLength > 32
  ) {
    throw new RangeError(`not an IPv4 CIDR block: ${JSON.stringify(text)}`);
  }
  const ip = parseIpv4(address);
  const network = (ip & maskOf(prefixLength)) >>> 0;
  if (network !== ip) throw new RangeError(`CIDR block has host bits set: ${text}`);
  return { network, prefixLength };
}

export function isCidr(text: string): boolean {
  try {
    parseCidr(text);
    return true;
  } catch {
    return false;
  }
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIpv4(cidr.network)}/${cidr.prefixLength}`;
}

export function cidrSize(cidr: Cidr): number {
  return 2 ** (32 - cidr.prefixLength);
}

export function cidrContains(cidr: Cidr, ip: number): boolean {
  return (ip & maskOf(cidr.prefixLength)) >>> 0 === cidr.network;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  const shorter = Math.min(a.prefixLength, b.prefixLength);
  const mask = maskOf(shorter);
  return (a.network & mask) >>> 0 === (b.network & mask) >>> 0;
}

/** The last address of the block. */
export function cidrLast(cidr: Cidr): number {
  return cidr.network + cidrSize(cidr) - 1;
}

/**
 * AWS reserves the first four addresses (network, VPC router, DNS, future use) and the last
 * (broadcast) of every subnet; they are never assigned to an interface.
 */
export function awsReservedAddresses(subnet: Cidr): number[] {
  const first = subnet.network;
  return [first, first + 1, first + 2, first + 3, cidrLast(subnet)];
}

export function isAwsReserved(subnet: Cidr, ip: number): boolean {
  return ip < subnet.network + 4 || ip === cidrLast(subnet);
}

/** Addresses a subnet can ever hand out. */
export function usableAddressCount(subnet: Cidr): number {
  return Math.max(0, cidrSize(subnet) - 5);
}

/** The VPC router of a subnet: the network address plus one. */
export function subnetGateway(subnet: Cidr): string {
  return formatIpv4(subnet.network + 1);
}

/** A /28 prefix as EC2 delegates it: aligned on a 16-address boundary. */
export const PREFIX_LENGTH = 28;
export const PREFIX_SIZE = 16;

export function isAlignedPrefix(cidr: Cidr): boolean {
  return cidr.prefixLength === PREFIX_LENGTH && cidr.network % PREFIX_SIZE === 0;
}

/** Every address of a CIDR block, as dotted strings (for /28 prefixes and small blocks). */
export function addressesOf(cidr: Cidr): string[] {
  const out: string[] = [];
  for (let ip = cidr.network; ip <= cidrLast(cidr); ip++) out.push(formatIpv4(ip));
  return out;
}
