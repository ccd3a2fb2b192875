/**
 * Names and numbers the datapath derives, kept pure so they can be unit tested and so the
 * agent, CHECK and GC all compute the same answer.
 */
import { createHash, randomBytes } from 'node:crypto';
import { MAIN_ROUTE_TABLE } from '../../core/contract/pod-datapath';

export { MAIN_ROUTE_TABLE, PODS_ROUTE_TABLE, RULE_PRIORITY } from '../../core/contract/pod-datapath';

/** How `ip -json` names table 254. */
export const MAIN_ROUTE_TABLE_NAME = 'main';

/** The kernel's IFNAMSIZ less the terminating NUL. */
export const MAX_IFNAME_LENGTH = 15;

/** The mark NodePort connections carry so their replies leave through the primary ENI. */
export const CONNMARK = '0x80';

/**
 * `<prefix><first 11 hex of sha1("<namespace>.<pod>")>`, as the AWS VPC CNI and Calico name
 * host veths, so an operator can compute a pod's link name from its name alone.
 */
export function hostVethName(prefix: string, namespace: string, pod: string): string {
  const hash = createHash('sha1').update(`${namespace}.${pod}`).digest('hex');
  return `${prefix}${hash.slice(0, 11)}`;
}

/** The prefix a host veth was named with (see hostVethName); undefined for other names. */
export function vethPrefixOf(hostIfName: string): string | undefined {
  const match = /^(.+)[0-9a-f]{11}$/.exec(hostIfName);
  return match?.[1];
}

/**
 * The host veth a pod was wired with; for an assignment restored from an earlier version's
 * checkpoint, which did not record it, the name the current prefix gives.
 */
export function wiredHostIfName(
  pod: { namespace: string; pod: string; hostIfName?: string },
  naming: { hostIfName(namespace: string, pod: string): string },
): string {
  return pod.hostIfName ?? naming.hostIfName(pod.namespace, pod.pod);
}

/** Table for an ENI's routes: main for the primary ENI, device index + 1 otherwise (card 0). */
export function routeTableFor(deviceIndex: number): number {
  return deviceIndex === 0 ? MAIN_ROUTE_TABLE : deviceIndex + 1;
}

/** A random unicast, locally administered MAC, so links need no read-back after creation. */
export function randomMac(): string {
  const bytes = randomBytes(6);
  bytes[0] = (bytes[0]! & 0xfe) | 0x02;
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
}
