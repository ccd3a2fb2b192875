/**
 * The node's iptables state as `iptables-restore --noflush` input, built purely from
 * settings. Only our own chains are written (declaring a chain flushes it, so a rerun
 * rebuilds it in one transaction); a jump into them is added only when iptables-save
 * shows it missing, so nothing is ever duplicated.
 *
 * The mangle chain sits on every forwarded packet, so its hot path holds only what the
 * kernel evaluates natively (interface names) and the one CONNMARK restore it needs: with
 * iptables-nft each `-m comment`, `-m addrtype` or `-m conntrack` is an xtables call per
 * packet that reaches it, and addrtype is a route lookup. The nat chains see only a flow's
 * first packet and keep their comments.
 *
 * Pods on secondary ENIs route by their ENI's table for every destination, so what reaches
 * them through their ENI is answered the same way; only the connections they open to
 * destinations outside the VPC (and not excluded from SNAT) are marked, in nat PREROUTING,
 * to leave by the primary ENI and be SNATed, as the AWS VPC CNI does. The mark is copied to
 * the packet there for a flow's first packet, and by the mangle chain for the rest.
 */
import { CONNMARK } from './names';
import type { RandomizeSnat } from './types';

export const CHAINS = {
  snat: { table: 'nat', chain: 'LEDGER-SNAT', from: 'POSTROUTING', comment: 'ledger-cni: SNAT' },
  // No comment on this jump: every packet of every flow would run it as a match.
  connmark: { table: 'mangle', chain: 'LEDGER-CONNMARK', from: 'PREROUTING', comment: undefined },
  // Appended, so kube-proxy's DNAT (inserted first) has already taken service connections.
  outbound: {
    table: 'nat',
    chain: 'LEDGER-CONNMARK-OUT',
    from: 'PREROUTING',
    comment: 'ledger-cni: outbound connections',
  },
} as const;
type ChainSpec = (typeof CHAINS)[keyof typeof CHAINS];

export interface SnatPlan {
  vpcCidrs: string[];
  excludeCidrs: string[];
  primaryIp: string;
  randomize: RandomizeSnat;
}

export interface ConnmarkPlan {
  primaryIfName: string;
  /** Every prefix pods' host veths have on the node, the current one first. */
  vethPrefixes: string[];
  /** NodePort connections arriving on the primary ENI are marked to be answered through it. */
  nodePortSupport: boolean;
}

export interface OutboundPlan {
  vethPrefixes: string[];
  vpcCidrs: string[];
  excludeCidrs: string[];
}

const RANDOM_FLAG: Record<RandomizeSnat, string> = {
  prng: ' --random-fully',
  hashrandom: ' --random',
  none: '',
};

export function snatRules(plan: SnatPlan): string[] {
  const chain = CHAINS.snat.chain;
  return [
    ...plan.vpcCidrs.map((c) => `-A ${chain} -d ${c} -m comment --comment "ledger-cni: VPC" -j RETURN`),
    ...plan.excludeCidrs.map(
      (c) => `-A ${chain} -d ${c} -m comment --comment "ledger-cni: excluded" -j RETURN`,
    ),
    `-A ${chain} -m addrtype ! --dst-type LOCAL -m comment --comment "ledger-cni: leaves the VPC"` +
      ` -j SNAT --to-source ${plan.primaryIp}${RANDOM_FLAG[plan.randomize]}`,
  ];
}

export function connmarkRules(plan: ConnmarkPlan): string[] {
  const chain = CHAINS.connmark.chain;
  return [
    // Connections to the node through its primary ENI get the mark, so replies from pods on
    // secondary ENIs go back out the way they came in (rule 1024) instead of via their ENI.
    // The mark stays with the connection, so only its first packet needs the address check;
    // the rest of the flow stops at the native state test.
    ...(plan.nodePortSupport
      ? [
          `-A ${chain} -i ${plan.primaryIfName} -m conntrack --ctstate NEW -m addrtype --dst-type LOCAL` +
            ` --limit-iface-in -m comment --comment "ledger-cni: NodePort in"` +
            ` -j CONNMARK --set-xmark ${CONNMARK}/${CONNMARK}`,
        ]
      : []),
    // Every packet from a pod is restored (routing reads the packet's mark, not the connection's),
    // so this rule carries no comment match; the chain's name says whose it is.
    ...plan.vethPrefixes.map(
      (prefix) =>
        `-A ${chain} -i ${prefix}+ -j CONNMARK --restore-mark --nfmask ${CONNMARK} --ctmask ${CONNMARK}`,
    ),
  ];
}

/** The first packet of a connection a pod opens: marked when it leaves the VPC (see above). */
export function outboundRules(plan: OutboundPlan): string[] {
  const chain = CHAINS.outbound.chain;
  return [
    ...plan.vpcCidrs.map((c) => `-A ${chain} -d ${c} -m comment --comment "ledger-cni: VPC" -j RETURN`),
    ...plan.excludeCidrs.map(
      (c) => `-A ${chain} -d ${c} -m comment --comment "ledger-cni: excluded" -j RETURN`,
    ),
    ...plan.vethPrefixes.flatMap((prefix) => [
      `-A ${chain} -i ${prefix}+ -m comment --comment "ledger-cni: leaves the VPC"` +
        ` -j CONNMARK --set-xmark ${CONNMARK}/${CONNMARK}`,
      `-A ${chain} -i ${prefix}+ -j CONNMARK --restore-mark --nfmask ${CONNMARK} --ctmask ${CONNMARK}`,
    ]),
  ];
}

/** The jump as iptables-save prints it, so a saved table can be compared line by line. */
export function jumpRule(spec: ChainSpec): string {
  const comment = spec.comment === undefined ? '' : ` -m comment --comment "${spec.comment}"`;
  return `-A ${spec.from}${comment} -j ${spec.chain}`;
}

/** Every jump from the built-in chain to ours in iptables-save of the table, as saved. */
export function savedJumps(saved: string, spec: ChainSpec): string[] {
  return saved.split('\n').filter((l) => l.startsWith(`-A ${spec.from} `) && l.endsWith(`-j ${spec.chain}`));
}

/** True when iptables-save of the table holds a jump from the built-in chain to ours. */
export function hasJump(saved: string, spec: ChainSpec): boolean {
  return savedJumps(saved, spec).length > 0;
}

export function chainExists(saved: string, spec: ChainSpec): boolean {
  return saved.split('\n').some((l) => l.startsWith(`:${spec.chain} `));
}

/**
 * Restore input for one table: our chain with its rules when wanted, else the chain and its
 * jump removed when present. Undefined when there is nothing to write.
 */
export function tableRestore(
  spec: ChainSpec,
  saved: string,
  rules: string[] | undefined,
): string | undefined {
  const lines: string[] = [];
  const present = savedJumps(saved, spec);
  const deleteLine = (jump: string) => jump.replace(/^-A /, '-D ');
  if (rules !== undefined) {
    lines.push(`:${spec.chain} - [0:0]`, ...rules);
    // A jump of another shape (an earlier version's, or a duplicate) gives way to the one wanted.
    const wanted = jumpRule(spec);
    const keep = present.indexOf(wanted);
    lines.push(...present.filter((_, i) => i !== keep).map(deleteLine));
    if (keep < 0) lines.push(wanted);
  } else if (chainExists(saved, spec)) {
    lines.push(...present.map(deleteLine));
    lines.push(`:${spec.chain} - [0:0]`, `-X ${spec.chain}`);
  }
  if (lines.length === 0) return undefined;
  return `*${spec.table}\n${lines.join('\n')}\nCOMMIT\n`;
}
