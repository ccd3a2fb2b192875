/**
 * The crowded node's routing switched between the two layouts between measurements, so both
 * run on the same pods, node and load, round by round: the pods table the agent sets up
 * (one `512: lookup 4096` rule and a /32 per pod in table 4096), and the rule per pod that
 * versions before it and the AWS VPC CNI lay out (`512: to <pod> lookup main`, in the order
 * the pods were wired). Each switch is one `ip -batch` exec; no traffic runs meanwhile.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { PODS_ROUTE_TABLE, RULE_PRIORITY } from '../../core/contract/pod-datapath';

const run = promisify(execFile);

export interface WiredPod {
  readonly ip: string;
  readonly hostIfName: string;
}

export interface RuleLayouts {
  toRulePerPod(): Promise<void>;
  toPodsTable(): Promise<void>;
}

async function batch(hostNetns: string, lines: string[]): Promise<void> {
  const child = run('ip', ['-n', hostNetns, '-batch', '-']);
  child.child.stdin?.end(`${lines.join('\n')}\n`);
  await child;
}

export function ruleLayouts(hostNetns: string, pods: readonly WiredPod[]): RuleLayouts {
  const priority = RULE_PRIORITY.toPod;
  return {
    toRulePerPod: () =>
      batch(hostNetns, [
        `rule del priority ${priority} lookup ${PODS_ROUTE_TABLE}`,
        ...pods.map((p) => `route del ${p.ip}/32 dev ${p.hostIfName} table ${PODS_ROUTE_TABLE}`),
        ...pods.map((p) => `rule add to ${p.ip}/32 lookup main priority ${priority}`),
      ]),
    toPodsTable: () =>
      batch(hostNetns, [
        ...pods.map(
          (p) => `route replace ${p.ip}/32 dev ${p.hostIfName} scope link table ${PODS_ROUTE_TABLE}`,
        ),
        `rule add lookup ${PODS_ROUTE_TABLE} priority ${priority}`,
        ...pods.map((p) => `rule del to ${p.ip}/32 priority ${priority} lookup main`),
      ]),
  };
}
