/**
 * The iproute2 lines that wire and unwire one pod, as pure functions: the host side runs in
 * the node's namespace, the pod side inside the sandbox. The veth is created from the host
 * with its peer placed directly in the sandbox, never moved (moves cost seconds under load).
 */
import { POD_GATEWAY, podsTableRouteDel } from '../../core/contract/pod-datapath';
import { MAIN_ROUTE_TABLE, PODS_ROUTE_TABLE, RULE_PRIORITY } from './names';

export interface PodLinkPlan {
  hostIfName: string;
  hostMac: string;
  podIfName: string;
  podMac: string;
  netnsPath: string;
  ip: string;
  mtu: number;
  routeTable: number;
}

export function hostSetupLines(plan: PodLinkPlan): string[] {
  const lines = [
    `link add name ${plan.hostIfName} address ${plan.hostMac} mtu ${plan.mtu} type veth` +
      ` peer name ${plan.podIfName} address ${plan.podMac} mtu ${plan.mtu} netns ${plan.netnsPath}`,
    `link set dev ${plan.hostIfName} up`,
    `route replace ${plan.ip}/32 dev ${plan.hostIfName} scope link`,
    podsTableRouteLine(plan.ip, plan.hostIfName),
  ];
  // Pods on the primary ENI leave through main; only secondary ENIs need their own table.
  if (plan.routeTable !== MAIN_ROUTE_TABLE) lines.push(fromPodRuleLine(plan.ip, plan.routeTable));
  return lines;
}

/**
 * A secondary-ENI pod's rule: its ENI's table for every destination, so connections that
 * reach it through the ENI are answered through it. Connections it opens out of the VPC are
 * marked by iptables (./iptables-rules) and leave by the primary ENI through rule 1024.
 */
export function fromPodRuleLine(ip: string, routeTable: number): string {
  return `rule add from ${ip}/32 lookup ${routeTable} priority ${RULE_PRIORITY.fromPod}`;
}

/**
 * The pod's route in the pods table, which the node-wide rule at 512 looks up ahead of the
 * from-pod rules. Main keeps its own copy, as in the AWS VPC CNI: what reads main directly
 * (operators' `ip route`, tools built for that layout) finds the pod there, and the host and
 * primary-ENI pods still reach it should the node-wide rule go missing.
 */
export function podsTableRouteLine(ip: string, hostIfName: string): string {
  return `route replace ${ip}/32 dev ${hostIfName} scope link table ${PODS_ROUTE_TABLE}`;
}

export function podSetupLines(plan: PodLinkPlan): string[] {
  return [
    'link set dev lo up',
    `address add ${plan.ip}/32 dev ${plan.podIfName}`,
    `link set dev ${plan.podIfName} up`,
    `route replace ${POD_GATEWAY} dev ${plan.podIfName} scope link`,
    `route replace default via ${POD_GATEWAY} dev ${plan.podIfName}`,
    // The gateway exists only as this entry: the host veth answers for it with its own MAC.
    `neighbour replace ${POD_GATEWAY} dev ${plan.podIfName} lladdr ${plan.hostMac} nud permanent`,
  ];
}

/**
 * Lines removing a pod's routing besides its link: its route in the pods table (only through
 * its own link: without the link's name the route, if any, belongs to a newer sandbox), and
 * its rules by selector — every from-rule, whatever destinations they name, and the to-rule an
 * earlier version gave each pod — so no `ip rule show` exec has to come first. The node-wide
 * rule at 512 names no destination, so a flush naming one never matches it. (The plugin's own
 * teardown, on whatever iproute2 the host has, still lists the rules: an iproute2 older than
 * selector-aware `rule flush` refuses its arguments.)
 */
export function ruleTeardownLines(ip: string, hostIfName?: string): string[] {
  return [
    ...(hostIfName === undefined ? [] : [podsTableRouteDel(ip, hostIfName)]),
    `rule flush to ${ip}/32 priority ${RULE_PRIORITY.toPod}`,
    `rule flush from ${ip}/32 priority ${RULE_PRIORITY.fromPod}`,
  ];
}

export { isAlreadyGone } from '../../core/contract/pod-datapath';
