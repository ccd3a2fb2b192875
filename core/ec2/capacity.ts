import { CapacityError } from '../errors';

/** Why a lease could not be served: the `code` of the 409 answer. */
export const CAPACITY_REASONS = {
  subnetExhausted: 'SubnetExhausted',
  eniLimitReached: 'EniLimitReached',
  noSubnet: 'NoSubnetAvailable',
} as const;
export type CapacityReason = (typeof CAPACITY_REASONS)[keyof typeof CAPACITY_REASONS];

export function capacityError(reason: CapacityReason, message: string): CapacityError {
  return new CapacityError(reason, message);
}
