/**
 * The node's iptables state as `iptables-restore --noflush` input, built purely from
 * settings. Only our own chains are written (declaring a chain flushes it, so a rerun
 * rebuilds it in one transaction); a jump into them is added only when iptables-save
 * shows it missing, so nothing is ever duplicated.
 */
import { CONNMARK } from './names';
import type { RandomizeSnat } from './types';

export const CHAINS = {
  snat: { table: 'nat', chain: 'LEDGER-SNAT', from: 'POSTROUTING', comment: 'ledger-cni: SNAT' },
  connmark: {
    table: 'mangle',
    chain: 'LEDGER-CONNMARK',
    from: 'PREROUTING',
    comment: 'ledger-cni: NodePort',
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
  vethPrefix: string;
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
    `-A ${chain} -i ${plan.primaryIfName} -m addrtype --dst-type LOCAL --limit-iface-in` +
      ` -m comment --comment "ledger-cni: NodePort in" -j CONNMARK --set-xmark ${CONNMARK}/${CONNMARK}`,
    `-A ${chain} -i ${plan.vethPrefix}+ -m comment --comment "ledger-cni: NodePort reply"` +
      ` -j CONNMARK --restore-mark --nfmask ${CONNMARK} --ctmask ${CONNMARK}`,
  ];
}

function jumpRule(spec: ChainSpec): string {
  return `-A ${spec.from} -m comment --comment "${spec.comment}" -j ${spec.chain}`;
}

/** True when iptables-save of the table holds a jump from the built-in chain to ours. */
export function hasJump(saved: string, spec: ChainSpec): boolean {
  return saved.split('\n').some((l) => l.startsWith(`-A ${spec.from} `) && l.endsWith(`-j ${spec.chain}`));
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
  if (rules !== undefined) {
    lines.push(`:${spec.chain} - [0:0]`, ...rules);
    if (!hasJump(saved, spec)) lines.push(jumpRule(spec));
  } else if (chainExists(saved, spec)) {
    if (hasJump(saved, spec)) lines.push(jumpRule(spec).replace(/^-A /, '-D '));
    lines.push(`:${spec.chain} - [0:0]`, `-X ${spec.chain}`);
  }
  if (lines.length === 0) return undefined;
  return `*${spec.table}\n${lines.join('\n')}\nCOMMIT\n`;
}
