/** Read-only answers: a node's state, the node list, subnet capacity, and IP lookup. */
import type {
  IpLookupResponse,
  LeasedAddress,
  ListNodesResponse,
  NodeState,
  SubnetCapacity,
  SubnetCapacityResponse,
} from '../../core/contract/api';
import { type ControlPlaneContext, requireNode } from '../../core/ec2';
import { spareAddresses } from '../../core/ec2/carve';
import { describeSubnets } from '../../core/ec2/describe';
import { leasedEniOf } from '../../core/ec2/eni-records';
import { subnetRecordOf } from '../../core/ec2/subnet-discovery';
import {
  type AddressRecord,
  findAddressCovering,
  getUsage,
  listNodeAddresses,
  listNodeEnis,
  listNodes,
  putSubnet,
  scanAddresses,
} from '../../core/ledger';
import { cidrContains, cidrSize, parseCidr, parseIpv4, usableAddressCount } from '../../core/net/ipv4';

export async function nodeState(ctx: ControlPlaneContext, instanceId: string): Promise<NodeState> {
  const node = await requireNode(ctx, instanceId);
  const [enis, addresses, usage] = await Promise.all([
    listNodeEnis(ctx.ledger, instanceId),
    listNodeAddresses(ctx.ledger, instanceId),
    getUsage(ctx.ledger, instanceId),
  ]);
  const leased: LeasedAddress[] = [];
  for (const a of addresses) {
    const eni = enis.find((e) => e.eniId === a.eniId);
    if (a.state === 'leased' && eni) leased.push({ address: a.address, kind: a.kind, eni: leasedEniOf(eni) });
  }
  return {
    instanceId,
    instanceType: node.instanceType,
    availabilityZone: node.availabilityZone,
    registeredAt: node.registeredAt,
    enis: enis.map((e) => ({
      ...leasedEniOf(e),
      addresses: addresses
        // EC2's view of the ENI: a carved prefix's addresses are in `prefixes`, not here.
        .filter((a) => a.eniId === e.eniId && a.kind === 'ipv4' && a.state !== 'primary' && !a.carvedFrom)
        .map((a) => a.address),
      prefixes: addresses.filter((a) => a.eniId === e.eniId && a.kind === 'prefix').map((a) => a.address),
    })),
    leased,
    assignments: usage?.assignments ?? [],
    ...(usage ? { usageReportedAt: usage.reportedAt } : {}),
  };
}

export async function nodeList(ctx: ControlPlaneContext): Promise<ListNodesResponse> {
  const nodes = await listNodes(ctx.ledger);
  const summaries = await Promise.all(
    nodes.map(async (n) => {
      const [enis, addresses, usage] = await Promise.all([
        listNodeEnis(ctx.ledger, n.instanceId),
        listNodeAddresses(ctx.ledger, n.instanceId),
        getUsage(ctx.ledger, n.instanceId),
      ]);
      return {
        instanceId: n.instanceId,
        instanceType: n.instanceType,
        availabilityZone: n.availabilityZone,
        enis: enis.length,
        leased: addresses.filter((a) => a.state === 'leased').reduce((sum, a) => sum + addressCount(a), 0),
        assigned: usage?.assignments.length ?? 0,
      };
    }),
  );
  return { nodes: summaries.sort((a, b) => a.instanceId.localeCompare(b.instanceId)) };
}

function addressCount(a: AddressRecord): number {
  return a.kind === 'prefix' ? cidrSize(parseCidr(a.address)) : 1;
}

export async function subnetCapacity(ctx: ControlPlaneContext): Promise<SubnetCapacityResponse> {
  const now = ctx.ledger.now().toISOString();
  const subnets = (await describeSubnets(ctx.ec2, [{ Name: 'vpc-id', Values: [ctx.config.vpcId] }])).map(
    (s) => subnetRecordOf(s, now),
  );
  await Promise.all(subnets.map((s) => putSubnet(ctx.ledger, s)));
  const addresses = await scanAddresses(ctx.ledger);
  const nodes = await listNodes(ctx.ledger);
  const assignedIps = (await Promise.all(nodes.map((n) => getUsage(ctx.ledger, n.instanceId)))).flatMap(
    (u) => u?.assignments.map((a) => a.ip) ?? [],
  );
  const out: SubnetCapacity[] = subnets.map((s) => {
    const cidr = parseCidr(s.cidr);
    const mine = addresses.filter((a) => a.subnetId === s.subnetId);
    const leasedToNodes = mine
      .filter((a) => a.state === 'leased')
      .reduce((sum, a) => sum + addressCount(a), 0);
    const cooling = mine.filter((a) => a.state === 'cooling').reduce((sum, a) => sum + addressCount(a), 0);
    const assignedToPods = assignedIps.filter((ip) => cidrContains(cidr, parseIpv4(ip))).length;
    return {
      subnetId: s.subnetId,
      cidr: s.cidr,
      availabilityZone: s.availabilityZone,
      size: usableAddressCount(cidr),
      ec2Free: s.ec2Free,
      leasedToNodes,
      assignedToPods,
      cooling,
      // A carved prefix's spare is held for its node as surely as a warm-pool address.
      idleInWarmPools: Math.max(0, leasedToNodes - assignedToPods) + spareAddresses(mine).length,
    };
  });
  return { subnets: out.sort((a, b) => a.subnetId.localeCompare(b.subnetId)) };
}

export async function lookupIp(ctx: ControlPlaneContext, ip: string): Promise<IpLookupResponse> {
  const record = await findAddressCovering(ctx.ledger, ip);
  if (!record) return { ip, state: 'unknown' };
  const usage = await getUsage(ctx.ledger, record.instanceId);
  const assignment = usage?.assignments.find((a) => a.ip === ip);
  return {
    ip,
    state: record.state === 'carved' ? 'spare' : record.state,
    instanceId: record.instanceId,
    eniId: record.eniId,
    subnetId: record.subnetId,
    ...(assignment
      ? { pod: { namespace: assignment.namespace, pod: assignment.pod, containerId: assignment.containerId } }
      : {}),
  };
}
