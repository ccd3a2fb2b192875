/**
 * Changes the EC2 simulator announces, for the parts of local mode that mirror EC2 state
 * elsewhere (EventBridge-style instance events, the namespace fabric). Kept stable: other
 * modules switch on `kind`.
 *
 * Order and meaning:
 * - an interface is announced by `eni-created`, then `addresses-assigned` with its primary
 *   and any addresses or prefixes it was created with;
 * - `eni-attached` fires when the attachment reaches `attached` (after the attach delay;
 *   at once for an instance's primary interface), `eni-detached` when it is gone;
 * - `eni-deleted` means every address and prefix of the interface went back to its subnet
 *   (no separate `addresses-unassigned` is sent);
 * - on termination: `shutting-down`, then per interface `eni-detached` (and `eni-deleted`
 *   for those marked DeleteOnTermination), then `terminated`.
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
