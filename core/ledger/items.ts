/** Shapes of the ledger's items as the code sees them (keys and index attributes stripped). */
import type { CustomNetworkConfig, LeasedEni, NodeLimits, PodAssignment } from '../contract/api';

export interface ClusterConfig {
  clusterName: string;
  vpcId: string;
  /** SUBNET_IDS: when set, the only subnets for new ENIs (besides custom networking). */
  subnetIds?: string[];
  /** Custom networking, as ENIConfig: chosen by the instance's eniConfig tag, else by AZ name. */
  customNetworkConfigs: Record<string, Omit<CustomNetworkConfig, 'name'>>;
  /** Seconds a released address waits before EC2 may hand it to anyone else. */
  coolingSeconds: number;
  /**
   * Single addresses are served out of /28 prefixes on Nitro nodes (one EC2 call and one
   * ENI slot per 16 addresses); off or unset, each address is its own secondary IP.
   */
  carvePrefixes?: boolean;
}

export interface SubnetRecord {
  subnetId: string;
  cidr: string;
  availabilityZone: string;
  /** EC2's AvailableIpAddressCount at `refreshedAt`. */
  ec2Free: number;
  /** Tagged kubernetes.io/role/cni (value other than "0"). */
  discoverable: boolean;
  refreshedAt: string;
}

export interface NodeRecord {
  instanceId: string;
  instanceType: string;
  availabilityZone: string;
  vpcCidrs: string[];
  primaryEni: LeasedEni;
  limits: NodeLimits;
  /** The cap on ENIs this node may hold: the type's limit or MAX_ENI, whichever is lower. */
  eniCap: number;
  additionalEniTags: Record<string, string>;
  prefixDelegation: boolean;
  /** Its single addresses come out of carved /28 prefixes (see core/ec2/carve.ts). */
  carvesPrefixes?: boolean;
  customNetwork?: CustomNetworkConfig;
  /** Security groups of the primary ENI: what new ENIs get unless custom networking says otherwise. */
  securityGroups: string[];
  registeredAt: string;
  lockOwner?: string;
  lockExpiresAt?: number;
}

export const ENI_ROLES = { primary: 'primary', secondary: 'secondary' } as const;
export type EniRole = (typeof ENI_ROLES)[keyof typeof ENI_ROLES];

export interface EniRecord extends LeasedEni {
  instanceId: string;
  role: EniRole;
  attachmentId?: string;
  createdAt: string;
}

/**
 * `carved`: a /28 prefix the control plane holds on the node's ENI and leases out one
 * address at a time; its addresses without an item of their own are the node's spare.
 */
export const ADDRESS_STATES = {
  leased: 'leased',
  cooling: 'cooling',
  primary: 'primary',
  carved: 'carved',
} as const;
export type AddressState = (typeof ADDRESS_STATES)[keyof typeof ADDRESS_STATES];

export interface AddressRecord {
  /** a.b.c.d or a.b.c.d/28 */
  address: string;
  kind: 'ipv4' | 'prefix';
  state: AddressState;
  instanceId: string;
  eniId: string;
  subnetId: string;
  leaseId?: string;
  leasedAt?: string;
  /** Epoch ms after which a cooling address may be reused or handed back to EC2. */
  coolingUntil?: number;
  /** The carved /28 this single address belongs to: EC2 knows only the prefix. */
  carvedFrom?: string;
  /**
   * Idempotency key of the release that last cooled the address, kept when the node leases
   * it again: a retry of that release must not cool it a second time, out from under the
   * newer lease.
   */
  releasedBy?: string;
}

export interface UsageRecord {
  instanceId: string;
  assignments: PodAssignment[];
  reportedAt: string;
}
