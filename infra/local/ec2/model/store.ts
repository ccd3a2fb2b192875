import type { Ec2ChangeEvent } from '../events';
import type {
  InstanceRecord,
  NetworkInterfaceRecord,
  SecurityGroupRecord,
  SubnetRecord,
  VpcRecord,
} from './records';

export interface AvailabilityZone {
  readonly zoneName: string;
  readonly zoneId: string;
}

export interface Timing {
  /** How long an attachment stays `attaching` before it is `attached`. */
  attachDelayMs: number;
  /** How long an attachment stays `detaching` before the interface is `available`. */
  detachDelayMs: number;
  /** How long a new instance stays `pending`. */
  launchDelayMs: number;
  /** How long a terminated instance stays `shutting-down`. */
  terminateDelayMs: number;
}

export interface IdempotencyRecord {
  /** The request's parameters other than the token, to detect a reused token with different input. */
  readonly fingerprint: string;
  readonly resultIds: readonly string[];
}

/** All simulated state of one account in one Region, shared by the resource modules. */
export interface Ec2Store {
  readonly region: string;
  readonly ownerId: string;
  readonly zones: readonly AvailabilityZone[];
  readonly timing: Timing;
  readonly vpcs: Map<string, VpcRecord>;
  readonly subnets: Map<string, SubnetRecord>;
  readonly securityGroups: Map<string, SecurityGroupRecord>;
  readonly instances: Map<string, InstanceRecord>;
  readonly interfaces: Map<string, NetworkInterfaceRecord>;
  /** Interfaces removed by DeleteNetworkInterface, kept so an idempotent retry can still be answered. */
  readonly deletedInterfaces: Map<string, NetworkInterfaceRecord>;
  readonly clientTokens: Map<string, IdempotencyRecord>;
  emit(event: Ec2ChangeEvent): void;
  /** Runs `fn` after `ms`; pending timers are cancelled when the simulator stops. */
  schedule(ms: number, fn: () => void): void;
}

/** A Region's zones as EC2 names them (us-east-1a) with zone ids in EC2's shape (use1-az1). */
export function zonesOf(region: string, count = 3): AvailabilityZone[] {
  const [area = 'xx', direction = 'x', number = '1'] = region.split('-');
  const short = `${area}${direction[0] ?? 'x'}${number}`;
  return Array.from({ length: count }, (_, i) => ({
    zoneName: `${region}${String.fromCharCode(97 + i)}`,
    zoneId: `${short}-az${i + 1}`,
  }));
}
