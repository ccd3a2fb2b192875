/**
 * Restoring pods at agent start: each pod the checkpoint holds gets its route in the pods
 * table, and the `to <pod> lookup main` rule an earlier version gave every pod goes. The
 * route is in place (and read back) before the rule goes, and the node-wide rule that looks
 * the table up must already be there, so a pod's traffic finds a route at every moment.
 * A secondary-ENI pod's rules an earlier version made per destination (VPC and SNAT-excluded
 * CIDRs) give way to one rule for every destination.
 */
import { DependencyError, InvalidInputError } from '../../core/errors';
import { isIpv4 } from '../../core/net/ipv4';
import { ipBatch, ipJson, type Netns } from '../ns';
import { type IpRuleJson, isPodsTableRule } from './host-rules';
import {
  MAIN_ROUTE_TABLE,
  MAIN_ROUTE_TABLE_NAME,
  MAX_IFNAME_LENGTH,
  PODS_ROUTE_TABLE,
  RULE_PRIORITY,
} from './names';
import { fromPodRuleLine, isAlreadyGone, podsTableRouteLine } from './pod-commands';

export interface RestoredPod {
  ip: string;
  hostIfName: string;
  /** Its ENI's route table; absent or main for the primary ENI, whose pods need no rule of their own. */
  routeTable?: number;
}

export interface PodRoutesReport {
  /** Pods whose route is in the pods table now. */
  routed: number;
  /** Pods with no `/32 dev <host veth>` in main: not wired on this link, left alone. */
  unwired: string[];
  /** Earlier versions' per-pod rules removed: to-pod rules and per-destination from-pod rules. */
  oldRulesRemoved: number;
  /** What `ip` refused, other than "already gone". */
  failures: string[];
}

interface IpRouteJson {
  dst: string;
  dev?: string;
}

const IFNAME = /^[^\s/:]+$/;

function validate(pods: RestoredPod[]): void {
  for (const pod of pods) {
    if (!isIpv4(pod.ip)) throw new InvalidInputError('ip', pod.ip, 'a dotted IPv4 address');
    if (!IFNAME.test(pod.hostIfName) || pod.hostIfName.length > MAX_IFNAME_LENGTH) {
      throw new InvalidInputError(
        'hostIfName',
        pod.hostIfName,
        `a link name of 1 to ${MAX_IFNAME_LENGTH} characters without spaces, slashes or colons`,
      );
    }
  }
}

/** `ip -force` prints each failure's reason and a "Command failed" line: the reasons that matter. */
function realFailures(stderr: string[]): string[] {
  return stderr.filter((line) => !isAlreadyGone(line));
}

/** `<ip>|<dev>` for every /32 of the table, the identity a pod's route is compared by. */
async function hostRoutes(host: Netns, table: string): Promise<Set<string>> {
  const routes = await ipJson<IpRouteJson>(host, ['-4', 'route', 'show', 'table', table]);
  return new Set(routes.filter((r) => !r.dst.includes('/')).map((r) => `${r.dst}|${r.dev ?? ''}`));
}

/** An earlier version's rule for this address: `to <ip>/32 lookup main` at 512. */
function isOldPodRule(rule: IpRuleJson, ip: string): boolean {
  return (
    rule.priority === RULE_PRIORITY.toPod &&
    rule.dst === ip &&
    (rule.dstlen ?? 32) === 32 &&
    rule.table === MAIN_ROUTE_TABLE_NAME
  );
}

/** An earlier version's from-pod rule for this address: one naming a destination. */
function isPerDestinationRule(rule: IpRuleJson, ip: string): boolean {
  return rule.priority === RULE_PRIORITY.fromPod && rule.src === ip && rule.dst !== undefined;
}

function isEveryDestinationRule(rule: IpRuleJson, pod: { ip: string; routeTable: number }): boolean {
  return (
    rule.priority === RULE_PRIORITY.fromPod &&
    rule.src === pod.ip &&
    rule.dst === undefined &&
    rule.table === String(pod.routeTable)
  );
}

/**
 * Gives each secondary-ENI pod its rule for every destination in place of the per-destination
 * ones an earlier version made; answers how many of those went. The kernel takes a rule with
 * no destination as a duplicate of one with a destination at the same priority, so the old
 * rules go first, in the same batch, a few syscalls ahead of the new one.
 */
async function migrateFromPodRules(
  host: Netns,
  rules: IpRuleJson[],
  pods: RestoredPod[],
  failures: string[],
): Promise<number> {
  const secondary = pods.flatMap((p) =>
    p.routeTable === undefined || p.routeTable === MAIN_ROUTE_TABLE
      ? []
      : [{ ...p, routeTable: p.routeTable }],
  );
  let removed = 0;
  const lines = secondary.flatMap((p) => {
    const old = rules
      .filter((r) => isPerDestinationRule(r, p.ip))
      .map(
        (r) =>
          `rule del from ${p.ip}/32 to ${r.dst}/${r.dstlen ?? 32} lookup ${r.table} priority ${RULE_PRIORITY.fromPod}`,
      );
    removed += old.length;
    const present = rules.some((r) => isEveryDestinationRule(r, p));
    return [...old, ...(present ? [] : [fromPodRuleLine(p.ip, p.routeTable)])];
  });
  const refused = realFailures(await ipBatch(host, lines, 'tolerant'));
  failures.push(...refused);
  return removed - refused.filter((line) => /^Command failed/.test(line)).length;
}

/** Puts each pod's route in the pods table; answers the pods whose route is there now (read back). */
async function routeThroughPodsTable(
  host: Netns,
  pods: RestoredPod[],
  failures: string[],
): Promise<RestoredPod[]> {
  const lines = pods.map((p) => podsTableRouteLine(p.ip, p.hostIfName));
  failures.push(...realFailures(await ipBatch(host, lines, 'tolerant')));
  const inPodsTable = await hostRoutes(host, String(PODS_ROUTE_TABLE));
  return pods.filter((p) => inPodsTable.has(`${p.ip}|${p.hostIfName}`));
}

/** Deletes the pods' old rules, one line per rule present (a node may hold one twice); answers how many went. */
async function removeOldRules(
  host: Netns,
  rules: IpRuleJson[],
  pods: RestoredPod[],
  failures: string[],
): Promise<number> {
  const lines = pods.flatMap((p) =>
    rules
      .filter((r) => isOldPodRule(r, p.ip))
      .map(() => `rule del to ${p.ip}/32 priority ${RULE_PRIORITY.toPod} lookup ${MAIN_ROUTE_TABLE_NAME}`),
  );
  const refused = await ipBatch(host, lines, 'tolerant');
  failures.push(...realFailures(refused));
  return lines.length - refused.filter((line) => /^Command failed/.test(line)).length;
}

/**
 * Brings the restored pods to the pods-table layout; running it again changes nothing. Only
 * a pod wired on its link (its main-table /32 leads there) is touched: two sandboxes of one
 * pod share a link name, and only the newer one's address is routed through it.
 */
export async function restorePodRoutes(host: Netns, pods: RestoredPod[]): Promise<PodRoutesReport> {
  validate(pods);
  const report: PodRoutesReport = { routed: 0, unwired: [], oldRulesRemoved: 0, failures: [] };
  if (pods.length === 0) return report;
  const rules = await ipJson<IpRuleJson>(host, ['rule', 'show']);
  if (!rules.some(isPodsTableRule)) {
    throw new DependencyError(
      `the node-wide rule "priority ${RULE_PRIORITY.toPod} lookup ${PODS_ROUTE_TABLE}" is missing;` +
        ' the host network must be applied before pods are restored',
    );
  }
  const inMain = await hostRoutes(host, MAIN_ROUTE_TABLE_NAME);
  const wired = pods.filter((p) => inMain.has(`${p.ip}|${p.hostIfName}`));
  report.unwired = pods.filter((p) => !wired.includes(p)).map((p) => p.ip);
  const routed = await routeThroughPodsTable(host, wired, report.failures);
  report.routed = routed.length;
  // Only now: a pod whose route did not make it keeps the rule that still routes it.
  report.oldRulesRemoved = await removeOldRules(host, rules, routed, report.failures);
  report.oldRulesRemoved += await migrateFromPodRules(host, rules, wired, report.failures);
  return report;
}
