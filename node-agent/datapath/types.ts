/**
 * The datapath's seams: what the plugin server asks of the pod side and of the host side.
 * Both take `hostNetns`: the namespace that plays the node ('' = the agent's own; in local
 * mode the agent runs in the root namespace and the simulated node is a named namespace).
 */

import type { PodWiring } from '../../core/contract/agent-socket';
import type { LeasedEni } from '../../core/contract/api';

export interface PodNetworkSettings {
  hostNetns: string;
  /** AWS_VPC_K8S_CNI_VETHPREFIX: at most 4 characters. */
  vethPrefix: string;
  /** POD_MTU, used when the plugin's config names none. */
  mtu: number;
}

export interface PodSetupRequest {
  containerId: string;
  ifName: string;
  /** The pod sandbox's network namespace path (CNI_NETNS). */
  netns: string;
  namespace: string;
  pod: string;
  ip: string;
  eni: LeasedEni;
  mtu?: number;
}

export interface PodTeardownRequest {
  /** Absent when the link belongs to a newer sandbox of the same pod: only the rules go. */
  hostIfName?: string;
  /** The pod's address, for its rules; absent when unknown (the link alone is removed). */
  ip?: string;
  /**
   * Given, teardown resolves once the rules are gone and leaves the link's deletion running
   * (the kernel's RCU grace period, 10-30 ms, is nothing a DEL needs to wait for); a failure
   * of it comes here. Absent, teardown waits for the link too.
   */
  onLinkError?: (error: Error) => void;
}

export interface PodCheckRequest {
  hostIfName: string;
  ifName: string;
  netns: string;
  ip: string;
  routeTable: number;
  hostMac?: string;
  podMac?: string;
}

export interface PodNetwork {
  hostIfName(namespace: string, pod: string): string;
  /** Wires the pod; on failure it removes what it created and throws. */
  setup(request: PodSetupRequest): Promise<PodWiring>;
  /** Removes the pod's link, routes and rules; what is already gone is success. A setup waits for a link deletion of the same name still running. */
  teardown(request: PodTeardownRequest): Promise<void>;
  /** Lists every way the system differs from the request; empty means all is in place. */
  check(request: PodCheckRequest): Promise<string[]>;
}

export const RANDOMIZE_SNAT = { prng: 'prng', hashrandom: 'hashrandom', none: 'none' } as const;
export type RandomizeSnat = (typeof RANDOMIZE_SNAT)[keyof typeof RANDOMIZE_SNAT];

export interface HostNetworkSettings {
  hostNetns: string;
  /** MAC of the primary ENI (device index 0), to find its link. */
  primaryMac: string;
  /** The primary ENI's address: the SNAT source for traffic leaving the VPC. */
  primaryIp: string;
  vpcCidrs: string[];
  /** AWS_VPC_ENI_MTU, for every ENI. */
  eniMtu: number;
  vethPrefix: string;
  /**
   * Prefixes of running pods' host veths wired under an earlier AWS_VPC_K8S_CNI_VETHPREFIX:
   * their packets need the same marks as the current prefix's.
   */
  earlierVethPrefixes?: string[];
  /** AWS_VPC_K8S_CNI_EXTERNALSNAT: no SNAT rules at all. */
  externalSnat: boolean;
  randomizeSnat: RandomizeSnat;
  excludeSnatCidrs: string[];
  /** AWS_EXTERNAL_SERVICE_CIDRS: looked up in main before the from-pod rules. */
  externalServiceCidrs: string[];
  /** AWS_VPC_CNI_NODE_PORT_SUPPORT. */
  nodePortSupport: boolean;
}

export interface HostNetwork {
  /** Brings the node to the wanted state for these ENIs; a second call changes nothing. */
  apply(enis: LeasedEni[]): Promise<void>;
  /** Sets up one secondary ENI (link, route table) unless already done by this instance. */
  ensureEni(eni: LeasedEni): Promise<void>;
}
