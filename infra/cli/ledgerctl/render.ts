/**
 * Terminal rendering for ledgerctl: plain tables that fit a terminal and capacity bars, so an
 * operator sees at a glance where a subnet's addresses are.
 */
import type {
  IpLookupResponse,
  ListNodesResponse,
  NodeState,
  SubnetCapacity,
} from '../../../core/contract/api';

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** One character per segment kind, scaled to `width` cells of the subnet's usable size. */
const SEGMENTS = [
  { key: 'assignedToPods', char: '#', label: 'used by pods' },
  { key: 'idleInWarmPools', char: '+', label: 'idle in warm pools' },
  { key: 'cooling', char: '~', label: 'cooling' },
  { key: 'otherUse', char: '=', label: 'other EC2 use' },
  { key: 'ec2Free', char: '.', label: 'EC2 free' },
] as const;

export function capacityBar(s: SubnetCapacity, width = 30): string {
  const otherUse = Math.max(0, s.size - s.ec2Free - s.leasedToNodes - s.cooling);
  const counts: Record<(typeof SEGMENTS)[number]['key'], number> = {
    assignedToPods: s.assignedToPods,
    idleInWarmPools: s.idleInWarmPools,
    cooling: s.cooling,
    otherUse,
    ec2Free: s.ec2Free,
  };
  let bar = '';
  let used = 0;
  let carried = 0;
  for (const seg of SEGMENTS) {
    // Carry rounding remainders forward so the bar is always exactly `width` wide.
    const exact = s.size === 0 ? 0 : (counts[seg.key] / s.size) * width + carried;
    const cells = Math.min(width - used, Math.round(exact));
    carried = exact - cells;
    bar += seg.char.repeat(Math.max(0, cells));
    used += Math.max(0, cells);
  }
  return `[${bar.padEnd(width, '.')}]`;
}

export const BAR_LEGEND = SEGMENTS.map((s) => `${s.char} ${s.label}`).join('   ');

export function renderSubnets(subnets: SubnetCapacity[], width = 30): string {
  const rows = subnets.map((s) => [
    s.subnetId,
    s.cidr,
    s.availabilityZone,
    String(s.size),
    String(s.ec2Free),
    String(s.leasedToNodes),
    String(s.assignedToPods),
    String(s.cooling),
    String(s.idleInWarmPools),
    capacityBar(s, width),
  ]);
  return `${table(['SUBNET', 'CIDR', 'AZ', 'SIZE', 'EC2 FREE', 'LEASED', 'USED', 'COOLING', 'IDLE', 'CAPACITY'], rows)}\n${BAR_LEGEND}`;
}

export function renderNodes(list: ListNodesResponse): string {
  const rows = list.nodes.map((n) => [
    n.instanceId,
    n.instanceType,
    n.availabilityZone,
    String(n.enis),
    String(n.leased),
    String(n.assigned),
  ]);
  return table(['NODE', 'TYPE', 'AZ', 'ENIS', 'LEASED', 'PODS'], rows);
}

export function renderNode(node: NodeState): string {
  const head = `${node.instanceId}  ${node.instanceType}  ${node.availabilityZone}  registered ${node.registeredAt}`;
  const enis = table(
    ['ENI', 'DEVICE', 'SUBNET', 'PRIMARY IP', 'ADDRESSES', 'PREFIXES'],
    node.enis.map((e) => [
      e.eniId,
      String(e.deviceIndex),
      `${e.subnetId} (${e.subnetCidr})`,
      e.primaryIp,
      String(e.addresses.length),
      e.prefixes.join(' ') || '-',
    ]),
  );
  const pods = table(
    ['POD', 'IP', 'CONTAINER'],
    node.assignments.map((a) => [`${a.namespace}/${a.pod}`, a.ip, a.containerId.slice(0, 12)]),
  );
  return [head, '', enis, '', node.assignments.length ? pods : 'no pods reported'].join('\n');
}

export function renderIp(found: IpLookupResponse): string {
  const rows: string[][] = [
    ['ip', found.ip],
    ['state', found.state],
  ];
  if (found.instanceId) rows.push(['node', found.instanceId]);
  if (found.eniId) rows.push(['eni', found.eniId]);
  if (found.subnetId) rows.push(['subnet', found.subnetId]);
  if (found.pod)
    rows.push(['pod', `${found.pod.namespace}/${found.pod.pod} (${found.pod.containerId.slice(0, 12)})`]);
  return rows.map(([k, v]) => `${k!.padEnd(7)}${v}`).join('\n');
}
