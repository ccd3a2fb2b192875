/**
 * The node-wide `ip rule`s (NodePort connmark at 1024, external service CIDRs at 1535) as a
 * reconcile: read what is there, add what is missing, delete what we no longer want.
 */
import { CONNMARK, RULE_PRIORITY } from './names';

export interface IpRuleJson {
  priority: number;
  src?: string;
  dst?: string;
  dstlen?: number;
  fwmark?: string;
  fwmask?: string;
  table?: string;
}

export interface HostRulePlan {
  nodePortSupport: boolean;
  externalServiceCidrs: string[];
}

/** A rule's selector in `ip rule` syntax, the identity used to compare wanted and present. */
function selectorOf(rule: IpRuleJson): string | undefined {
  if (rule.priority === RULE_PRIORITY.connmark && rule.fwmark !== undefined) {
    return `fwmark ${rule.fwmark}/${rule.fwmask ?? '0xffffffff'}`;
  }
  if (rule.priority === RULE_PRIORITY.externalServiceCidr && rule.dst !== undefined) {
    return `to ${rule.dst}/${rule.dstlen ?? 32}`;
  }
  return undefined;
}

function wanted(plan: HostRulePlan): Map<number, Set<string>> {
  return new Map([
    [RULE_PRIORITY.connmark, new Set(plan.nodePortSupport ? [`fwmark ${CONNMARK}/${CONNMARK}`] : [])],
    [RULE_PRIORITY.externalServiceCidr, new Set(plan.externalServiceCidrs.map((c) => `to ${c}`))],
  ]);
}

/** The `ip -batch` lines that turn the present rules into the wanted ones; empty when in place. */
export function hostRuleChanges(present: IpRuleJson[], plan: HostRulePlan): string[] {
  const want = wanted(plan);
  const have = new Map<number, Set<string>>([...want.keys()].map((p) => [p, new Set<string>()]));
  const lines: string[] = [];
  for (const rule of present) {
    const selector = selectorOf(rule);
    const wantedHere = want.get(rule.priority);
    if (selector === undefined || wantedHere === undefined) continue;
    if (wantedHere.has(selector) && rule.table === 'main' && !have.get(rule.priority)!.has(selector)) {
      have.get(rule.priority)!.add(selector);
    } else {
      lines.push(
        `rule del ${selector} priority ${rule.priority}${rule.table ? ` lookup ${rule.table}` : ''}`,
      );
    }
  }
  for (const [priority, selectors] of want) {
    for (const selector of selectors) {
      if (!have.get(priority)!.has(selector))
        lines.push(`rule add ${selector} lookup main priority ${priority}`);
    }
  }
  return lines;
}
