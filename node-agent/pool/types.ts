/**
 * The seam between the address pool (leases, warm targets, cooldown, checkpoint) and the
 * parts that serve the plugin and wire pods. The pool never touches the kernel; the
 * datapath never talks to the control plane.
 */
import type { LeasedEni } from '../../core/contract/api';

/** Who an address is assigned to: one interface of one pod sandbox. */
export interface PodRef {
  containerId: string;
  ifName: string;
  namespace: string;
  pod: string;
  /** The pod's network namespace path at ADD time; empty when unknown. */
  netns: string;
  /**
   * The pod's host-side veth as named when it was wired: the name AWS_VPC_K8S_CNI_VETHPREFIX
   * gives may change across agent restarts. Absent in checkpoints of earlier versions.
   */
  hostIfName?: string;
}

export interface Assignment extends PodRef {
  /** The pod's address (dotted IPv4, used as a /32). */
  ip: string;
  eni: LeasedEni;
  assignedAt: string;
}

/** Thrown by assign() when no address is cached and none could be leased: CNI code 11. */
export class PoolExhaustedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PoolExhaustedError';
  }
}

/**
 * Calls may overlap (a runtime serializes calls per container only): an implementation
 * serializes changes to its own state, and callers add no lock of their own, so a pod
 * waiting for a lease holds up no other pod's ADD or DEL.
 */
export interface AddressPool {
  /**
   * Assigns a cached address to the pod and records it in the checkpoint (written and
   * fsynced) before resolving. Calling it again for the same containerId and ifName returns
   * the same assignment. Never waits on the control plane when an address is cached.
   */
  assign(pod: PodRef): Promise<Assignment>;
  /**
   * Drops the pod's assignment (the address enters IP_COOLDOWN_PERIOD before reuse) and
   * records that in the checkpoint. Resolves to the removed assignment, or undefined when
   * there was none (DEL is idempotent).
   */
  unassign(containerId: string, ifName: string): Promise<Assignment | undefined>;
  find(containerId: string, ifName: string): Assignment | undefined;
  assignments(): Assignment[];
  /** ENIs that hold at least one leased address or prefix, for the host datapath to set up. */
  enis(): LeasedEni[];
  /** True when assign() could be served right now from the cache (CNI STATUS). */
  canAssign(): boolean;
}
