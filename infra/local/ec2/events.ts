/**
 * Changes the EC2 simulator announces, for the parts of local mode that mirror EC2 state
 * elsewhere (EventBridge-style instance events, the namespace fabric). Kept stable: other
 * modules switch on `kind`.
 */

export const INSTANCE_STATES = ['pending', 'running', 'shutting-down', 'terminated'] as const;
export type InstanceStateName = (typeof INSTANCE_STATES)[number];

/** EC2's numeric codes for instance states, as DescribeInstances reports them. */
export const INSTANCE_STATE_CODES: Readonly<Record<InstanceStateName, number>> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
};

export interface InstanceStateEvent {
  readonly kind: 'instance-state';
  readonly instanceId: string;
  readonly state: InstanceStateName;
}

export interface EniLifecycleEvent {
  readonly kind: 'eni-created' | 'eni-attached' | 'eni-detached' | 'eni-deleted';
  readonly eniId: string;
  readonly instanceId?: string;
  readonly deviceIndex?: number;
}

export interface AddressesEvent {
  readonly kind: 'addresses-assigned' | 'addresses-unassigned';
  readonly eniId: string;
  /** Single addresses (primary or secondary). */
  readonly addresses: readonly string[];
  /** Delegated /28 prefixes in CIDR notation. */
  readonly prefixes: readonly string[];
}

export type Ec2ChangeEvent = InstanceStateEvent | EniLifecycleEvent | AddressesEvent;

export interface Ec2ModelEvents {
  change: [Ec2ChangeEvent];
}
