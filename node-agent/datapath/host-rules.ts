/**
 * The node-wide `ip rule`s (the pods table at 512, NodePort connmark at 1024, external service
 * CIDRs at 1535) as a reconcile: read what is there, add what is missing, delete what we no
 * longer want. Per-pod rules of earlier versions at 512 are not node-wide: they go only once
 * their pod's route is in the pods table (./pod-routes).
 */
import { CONNMARK, MAIN_ROUTE_TABLE_NAME, PODS_ROUTE_TABLE, RULE_PRIORITY } from './names';

export interface IpRuleJson {
  priority: number;
  src?: string;
  dst?: string;
  dstlen?: number;
  fwmark?: string;
  fwmask?: string;
  iif?: string;
  oif?: string;
  table?: string;
}

export interface HostRulePlan {
  nodePortSupport: boolean;
  externalServiceCidrs: string[];
}

/** The table each managed priority looks up, as `ip -json rule show` names it. */
const TABLE_AT: ReadonlyMap<number, string> = new Map([
  [RULE_PRIORITY.toPod, String(PODS_ROUTE_TABLE)],
  [RULE_PRIORITY.connmark, MAIN_ROUTE_TABLE_NAME],
  [RULE_PRIORITY.externalServiceCidr, MAIN_ROUTE_TABLE_NAME],
]);

/** True for the node-wide pods-table rule: no selector at all, and the pods table. */
export function isPodsTableRule(rule: IpRuleJson): boolean {
  return (
    rule.priority === RULE_PRIORITY.toPod &&
    (rule.src ?? 'all') === 'all' &&
    rule.dst === undefined &&
    rule.fwmark === undefined &&
    rule.iif === undefined &&
    rule.oif === undefined &&
    rule.table === String(PODS_ROUTE_TABLE)
  );
}

/** A rule's selector in `ip rule` syntax, the identity used to compare wanted and present. */
function selectorOf(rule: IpRuleJson): string | undefined {
  if (isPodsTableRule(rule)) return 'from all';
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
    [RULE_PRIORITY.toPod, new Set(['from all'])],
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
    const haveHere = have.get(rule.priority)!;
    if (wantedHere.has(selector) && rule.table === TABLE_AT.get(rule.priority) && !haveHere.has(selector)) {
      haveHere.add(selector);
    } else {
      lines.push(
        `rule del ${selector} priority ${rule.priority}${rule.table ? ` lookup ${rule.table}` : ''}`,
      );
    }
  }
  for (const [priority, selectors] of want) {
    for (const selector of selectors) {
      if (!have.get(priority)!.has(selector))
        lines.push(`rule add ${selector} lookup ${TABLE_AT.get(priority)} priority ${priority}`);
    }
  }
  return lines;
}
