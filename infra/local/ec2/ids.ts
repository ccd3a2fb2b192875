import { randomBytes } from 'node:crypto';

/** Resource ids in EC2's shape: a prefix and 17 hex digits (e.g. eni-0a1b2c3d4e5f60718). */
export function newResourceId(prefix: string): string {
  return `${prefix}-0${randomBytes(8).toString('hex')}`;
}

/** A locally administered unicast MAC, as EC2 hands out for ENIs in a VPC. */
export function newMacAddress(): string {
  const bytes = randomBytes(6);
  bytes[0] = ((bytes[0] ?? 0) & 0xfc) | 0x02;
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

export function newRequestId(): string {
  const h = randomBytes(16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
