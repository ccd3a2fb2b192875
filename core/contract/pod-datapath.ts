/**
 * The pod wiring both the agent and the plugin must agree on: the plugin tears a pod down
 * from prevResult alone when the agent is unreachable, so it needs the same priorities and
 * the same teardown lines. No runtime dependencies: the plugin bundles this file.
 */

/** The pod's default gateway: link-local, answered by a permanent neighbour entry. */
export const POD_GATEWAY = '169.254.1.1';

export const MAIN_ROUTE_TABLE = 254;

/**
 * The table holding every pod's `/32 dev <host veth>` route, looked up by one node-wide rule
 * at priority 512. A rule per pod made the kernel walk them all for every forwarded packet;
 * a table lookup is one trie walk, and one that finds nothing falls through to the next rule.
 * Clear of the ENI tables (device index + 1, and the AWS VPC CNI's base + device + 100 × card
 * on other network cards) and of the kernel's own (253 to 255).
 */
export const PODS_ROUTE_TABLE = 4096;

/** Rule priorities of the AWS VPC CNI, so tooling and runbooks carry over. */
export const RULE_PRIORITY = {
  /** The node-wide `lookup <pods table>`; earlier versions had one `to <pod> lookup main` each. */
  toPod: 512,
  connmark: 1024,
  externalServiceCidr: 1535,
  fromPod: 1536,
} as const;

/** One entry of `ip -json rule show`, as far as pod rules need it. */
export interface IpRuleEntry {
  priority: number;
  src?: string;
  srclen?: number;
  dst?: string;
  dstlen?: number;
  table?: string;
}

/**
 * `ip -batch` lines removing a pod from the node, given the node's current rules: a pod on a
 * secondary ENI has one from-rule per destination CIDR, so they are found, not guessed.
 * The pod's route in the pods table goes first, bound to its link so that a route through
 * another pod's link is never touched; deleting the host end of the veth then removes the
 * peer and the main /32. A to-pod rule of an earlier version goes as well (a node upgraded
 * under running pods). Without a link name only the rules go (the link, and any route
 * through it, belongs to a newer sandbox of the same pod).
 */
export function podTeardownLines(
  hostIfName: string | undefined,
  ip: string | undefined,
  rules: IpRuleEntry[],
): string[] {
  const lines: string[] = [];
  if (hostIfName !== undefined) {
    if (ip !== undefined) lines.push(podsTableRouteDel(ip, hostIfName));
    lines.push(`link del dev ${hostIfName}`);
  }
  if (ip === undefined) return lines;
  const host = (address: string | undefined, length: number | undefined) =>
    address === ip && (length ?? 32) === 32;
  for (const rule of rules) {
    if (rule.priority === RULE_PRIORITY.toPod && host(rule.dst, rule.dstlen)) {
      lines.push(`rule del to ${ip}/32 priority ${RULE_PRIORITY.toPod} lookup main`);
    } else if (rule.priority === RULE_PRIORITY.fromPod && host(rule.src, rule.srclen)) {
      const to = rule.dst === undefined ? '' : ` to ${rule.dst}/${rule.dstlen ?? 32}`;
      lines.push(`rule del from ${ip}/32${to} priority ${RULE_PRIORITY.fromPod}`);
    }
  }
  return lines;
}

/** Deletes the pod's route in the pods table only while it still leads to this pod's link. */
export function podsTableRouteDel(ip: string, hostIfName: string): string {
  return `route del ${ip}/32 dev ${hostIfName} table ${PODS_ROUTE_TABLE}`;
}

/** Errors from a tolerant (`-force`) teardown that only say the thing was already gone. */
export function isAlreadyGone(message: string): boolean {
  return /No such file or directory|Cannot find device|No such device|No such process|does not exist|^Command failed/i.test(
    message,
  );
}
