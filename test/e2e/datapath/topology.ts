/**
 * A simulated node: a namespace playing the host with a primary ENI (eth0) and a secondary
 * ENI (eth1), each a veth into a "vpc" namespace that routes like the VPC's router.
 */

import type { PodWiring } from '../../../core/contract/agent-socket';
import type { LeasedEni } from '../../../core/contract/api';
import { createPodNetwork, type HostNetworkSettings, type PodNetwork } from '../../../node-agent/datapath';
import type { FixedAddress } from './fixed-pool';
import { addNs, delNs, sh } from './netns';

export interface Node {
  host: string;
  vpc: string;
  primary: LeasedEni;
  secondary: LeasedEni;
  addresses: FixedAddress[];
  hostSettings: HostNetworkSettings;
  destroy(): void;
}

function eni(
  id: string,
  mac: string,
  deviceIndex: number,
  cidr: string,
  gateway: string,
  primaryIp: string,
): LeasedEni {
  return {
    eniId: id,
    mac,
    deviceIndex,
    subnetId: `subnet-${id}`,
    subnetCidr: cidr,
    gateway,
    securityGroups: [],
    primaryIp,
  };
}

/** `tag` keeps names unique per test file: jest runs files in parallel. */
export function createNode(tag: string): Node {
  const host = `${tag}-host`;
  const vpc = `${tag}-vpc`;
  addNs(host);
  addNs(vpc);
  const primary = eni('eni-0a', '02:42:0a:4d:00:0a', 0, '10.77.0.0/24', '10.77.0.1', '10.77.0.10');
  const secondary = eni('eni-0b', '02:42:0a:4d:01:0a', 1, '10.77.1.0/24', '10.77.1.1', '10.77.1.10');
  const ipv = (ns: string, line: string) => sh('ip', ['-n', ns, ...line.split(' ')]);
  ipv(host, `link add eth0 address ${primary.mac} type veth peer name r0 netns ${vpc}`);
  ipv(host, `link add eth1 address ${secondary.mac} type veth peer name r1 netns ${vpc}`);
  ipv(host, 'addr add 10.77.0.10/24 dev eth0');
  ipv(host, 'link set eth0 up');
  ipv(host, 'route add default via 10.77.0.1 dev eth0');
  ipv(vpc, 'addr add 10.77.0.1/24 dev r0');
  ipv(vpc, 'addr add 10.77.1.1/24 dev r1');
  ipv(vpc, 'link set r0 up');
  ipv(vpc, 'link set r1 up');
  const addresses: FixedAddress[] = [
    { ip: '10.77.0.20', eni: primary },
    { ip: '10.77.0.21', eni: primary },
    { ip: '10.77.0.22', eni: primary },
    { ip: '10.77.1.20', eni: secondary },
  ];
  // The VPC knows which ENI holds each address; our router learns it from static entries.
  for (const a of addresses) {
    const dev = a.eni === primary ? 'r0' : 'r1';
    ipv(vpc, `neigh replace ${a.ip} lladdr ${a.eni.mac} dev ${dev} nud permanent`);
  }
  return {
    host,
    vpc,
    primary,
    secondary,
    addresses,
    hostSettings: {
      hostNetns: host,
      primaryMac: primary.mac,
      primaryIp: primary.primaryIp,
      vpcCidrs: ['10.77.0.0/16'],
      eniMtu: 9001,
      vethPrefix: 'eni',
      externalSnat: false,
      randomizeSnat: 'prng',
      excludeSnatCidrs: ['192.168.50.0/24'],
      externalServiceCidrs: ['172.20.0.0/16'],
      nodePortSupport: true,
    },
    destroy() {
      delNs(host);
      delNs(vpc);
    },
  };
}

/**
 * EC2's source/dest check on the node's two ENIs, played by the VPC router's raw table: an
 * ENI may send only from addresses of its own subnet (the router routes each subnet to its ENI).
 */
export function enforceSourceDestCheck(node: Node): void {
  const check = [
    '*raw',
    ':PREROUTING ACCEPT [0:0]',
    '-A PREROUTING -i r0 -s 10.77.0.0/24 -j ACCEPT',
    '-A PREROUTING -i r0 -j DROP',
    '-A PREROUTING -i r1 -s 10.77.1.0/24 -j ACCEPT',
    '-A PREROUTING -i r1 -j DROP',
    'COMMIT',
    '',
  ].join('\n');
  sh('ip', ['netns', 'exec', node.vpc, 'iptables-restore', '--noflush'], check);
}

/** The address the tests' pod on the secondary ENI has. */
export const SECONDARY_POD_IP = '10.77.1.20';

/** Pod default/api wired on the node's secondary ENI into the existing namespace `sandbox`. */
export async function wireSecondaryPod(
  node: Node,
  sandbox: string,
): Promise<{ pods: PodNetwork; wiring: PodWiring }> {
  const pods = createPodNetwork({ hostNetns: node.host, vethPrefix: 'eni', mtu: 1500 });
  const wiring = await pods.setup({
    containerId: 'c0ffeeapi',
    ifName: 'eth0',
    netns: `/run/netns/${sandbox}`,
    namespace: 'default',
    pod: 'api',
    ip: SECONDARY_POD_IP,
    eni: node.secondary,
  });
  return { pods, wiring };
}
