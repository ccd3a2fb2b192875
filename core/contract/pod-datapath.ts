/**
 * The pod wiring both the agent and the plugin must agree on: the plugin tears a pod down
 * from prevResult alone when the agent is unreachable, so it needs the same priorities and
 * the same teardown lines. No runtime dependencies: the plugin bundles this file.
 */

/** The pod's default gateway: link-local, answered by a permanent neighbour entry. */
export const POD_GATEWAY = '169.254.1.1';

export const MAIN_ROUTE_TABLE = 254;

/** Rule priorities of the AWS VPC CNI, so tooling and runbooks carry over. */
export const RULE_PRIORITY = {
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
 * Deleting the host end of the veth removes the peer and both /32 routes. Without a link
 * name only the rules go (the link belongs to a newer sandbox of the same pod).
 */
export function podTeardownLines(
  hostIfName: string | undefined,
  ip: string | undefined,
  rules: IpRuleEntry[],
): string[] {
  const lines = hostIfName === undefined ? [] : [`link del dev ${hostIfName}`];
  if (ip === undefined) return lines;
  const host = (address: string | undefined, length: number | undefined) =>
    address === ip && (length ?? 32) === 32;
  for (const rule of rules) {
    if (rule.priority === RULE_PRIORITY.toPod && host(rule.dst, rule.dstlen)) {
      lines.push(`rule del to ${ip}/32 priority ${RULE_PRIORITY.toPod}`);
    } else if (rule.priority === RULE_PRIORITY.fromPod && host(rule.src, rule.srclen)) {
      const to = rule.dst === undefined ? '' : ` to ${rule.dst}/${rule.dstlen ?? 32}`;
      lines.push(`rule del from ${ip}/32${to} priority ${RULE_PRIORITY.fromPod}`);
    }
  }
  return lines;
}

/** Errors from a tolerant (`-force`) teardown that only say the thing was already gone. */
export function isAlreadyGone(message: string): boolean {
  return /No such file or directory|Cannot find device|No such device|No such process|does not exist|^Command failed/i.test(
    message,
  );
}
