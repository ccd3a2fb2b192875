/**
 * CHECK for one pod: reads the node and the sandbox and lists each way they differ from
 * what ADD set up. Absent expectations (a MAC prevResult did not carry) are not checked.
 */
import { POD_GATEWAY } from '../../core/contract/pod-datapath';
import { ipJson, isNamespaceFile, type Netns, netnsAtPath } from '../ns';
import { isPodsTableRule } from './host-rules';
import { MAIN_ROUTE_TABLE, MAIN_ROUTE_TABLE_NAME, PODS_ROUTE_TABLE, RULE_PRIORITY } from './names';
import type { PodCheckRequest } from './types';

interface IpLink {
  ifname: string;
  address?: string;
  mtu?: number;
  flags?: string[];
  addr_info?: { family: string; local: string; prefixlen: number }[];
}
interface IpRoute {
  dst: string;
  dev?: string;
  gateway?: string;
  scope?: string;
  /** Absent for main in `ip route show table all`. */
  table?: string;
}
interface IpRule {
  priority: number;
  src: string;
  srclen?: number;
  dst?: string;
  dstlen?: number;
  table: string;
}
interface IpNeigh {
  dst: string;
  dev?: string;
  lladdr?: string;
  state?: string[];
}

function tableName(table: number): string {
  return table === MAIN_ROUTE_TABLE ? 'main' : String(table);
}

function sameMac(a: string | undefined, b: string | undefined): boolean {
  return (a ?? '').toLowerCase() === (b ?? '').toLowerCase();
}

async function linkIn(ns: Netns, name: string): Promise<IpLink | undefined> {
  const links = await ipJson<IpLink>(ns, ['address', 'show']);
  return links.find((l) => l.ifname === name);
}

async function checkHostSide(host: Netns, request: PodCheckRequest, problems: string[]): Promise<void> {
  const link = await linkIn(host, request.hostIfName);
  if (link === undefined) {
    problems.push(`host link ${request.hostIfName} is missing`);
    return;
  }
  if (request.hostMac !== undefined && !sameMac(link.address, request.hostMac)) {
    problems.push(`host link ${request.hostIfName} has MAC ${link.address}, expected ${request.hostMac}`);
  }
  // Both tables in one exec: main's copy, and the pods table's, which traffic takes.
  const routes = await ipJson<IpRoute>(host, ['route', 'show', 'table', 'all', 'exact', `${request.ip}/32`]);
  const tables = [
    [MAIN_ROUTE_TABLE_NAME, 'host route'],
    [String(PODS_ROUTE_TABLE), 'pods table route'],
  ] as const;
  for (const [table, what] of tables) {
    if (!routes.some((r) => r.dev === request.hostIfName && (r.table ?? MAIN_ROUTE_TABLE_NAME) === table)) {
      problems.push(`${what} ${request.ip}/32 dev ${request.hostIfName} table ${table} is missing`);
    }
  }
  const rules = await ipJson<IpRule>(host, ['rule', 'show']);
  if (!rules.some(isPodsTableRule)) {
    problems.push(`node rule priority ${RULE_PRIORITY.toPod} lookup ${PODS_ROUTE_TABLE} is missing`);
  }
  if (request.routeTable === MAIN_ROUTE_TABLE) return;
  const present = rules.some(
    (r) =>
      r.priority === RULE_PRIORITY.fromPod &&
      r.src === request.ip &&
      (r.srclen ?? 32) === 32 &&
      r.dst === undefined &&
      r.table === tableName(request.routeTable),
  );
  if (!present) {
    problems.push(
      `rule from ${request.ip} lookup ${request.routeTable} priority ${RULE_PRIORITY.fromPod} is missing`,
    );
  }
}

async function checkPodSide(request: PodCheckRequest, problems: string[]): Promise<void> {
  const sandbox = netnsAtPath(request.netns);
  if (request.netns === '' || !(await isNamespaceFile(request.netns))) {
    problems.push(`network namespace ${request.netns} does not exist`);
    return;
  }
  const link = await linkIn(sandbox, request.ifName);
  if (link === undefined) {
    problems.push(`pod link ${request.ifName} is missing in ${request.netns}`);
    return;
  }
  if (request.podMac !== undefined && !sameMac(link.address, request.podMac)) {
    problems.push(`pod link ${request.ifName} has MAC ${link.address}, expected ${request.podMac}`);
  }
  if (
    !(link.addr_info ?? []).some((a) => a.family === 'inet' && a.local === request.ip && a.prefixlen === 32)
  ) {
    problems.push(`pod link ${request.ifName} lacks address ${request.ip}/32`);
  }
  const routes = await ipJson<IpRoute>(sandbox, ['route', 'show', 'table', 'main']);
  if (!routes.some((r) => r.dst === POD_GATEWAY && r.dev === request.ifName && r.scope === 'link')) {
    problems.push(`pod route ${POD_GATEWAY} dev ${request.ifName} scope link is missing`);
  }
  if (!routes.some((r) => r.dst === 'default' && r.gateway === POD_GATEWAY && r.dev === request.ifName)) {
    problems.push(`pod default route via ${POD_GATEWAY} is missing`);
  }
  const neighbours = await ipJson<IpNeigh>(sandbox, ['neighbour', 'show', 'dev', request.ifName]);
  const gateway = neighbours.find((n) => n.dst === POD_GATEWAY);
  if (gateway === undefined || !(gateway.state ?? []).includes('PERMANENT')) {
    problems.push(`pod neighbour ${POD_GATEWAY} is not permanent`);
  } else if (request.hostMac !== undefined && !sameMac(gateway.lladdr, request.hostMac)) {
    problems.push(`pod neighbour ${POD_GATEWAY} points at ${gateway.lladdr}, expected ${request.hostMac}`);
  }
}

export async function checkPod(host: Netns, request: PodCheckRequest): Promise<string[]> {
  const problems: string[] = [];
  await checkHostSide(host, request, problems);
  await checkPodSide(request, problems);
  return problems;
}
