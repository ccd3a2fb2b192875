/**
 * A pod on a secondary ENI answers a connection opened from outside the VPC CIDRs (on-prem
 * over a VPN or transit gateway, a peered VPC with another CIDR, an NLB keeping the client's
 * address) through its own ENI, as the AWS VPC CNI does: its rule takes the ENI's table for
 * every destination, and only connections the pod opens out of the VPC are marked to leave
 * by the primary ENI. Through the primary ENI the reply would carry the pod's address and
 * EC2's source/dest check (played here by raw-table drops on the VPC router) would drop it.
 */
import { createHostNetwork, type PodNetwork } from '../../../node-agent/datapath';
import { addNs, delNs, inNs, isRoot, sh, trySh } from './netns';
import { createNode, enforceSourceDestCheck, type Node, wireSecondaryPod } from './topology';

const TAG = `rin${process.pid % 100000}`;
const OUTSIDE = '198.51.100.7';

const suite = isRoot ? describe : describe.skip;

suite('secondary-ENI pod, connection opened from outside the VPC CIDRs', () => {
  let node: Node;
  let pods: PodNetwork;
  const sandbox = `${TAG}-api`;

  beforeEach(async () => {
    node = createNode(TAG);
    await createHostNetwork(node.hostSettings).apply([node.primary, node.secondary]);
    addNs(sandbox);
    ({ pods } = await wireSecondaryPod(node, sandbox));
    // A client beyond the VPC router (on-prem / peered VPC / NLB-preserved client address).
    sh('ip', ['-n', node.vpc, 'addr', 'add', `${OUTSIDE}/32`, 'dev', 'lo']);
    enforceSourceDestCheck(node);
  });

  afterEach(() => {
    delNs(sandbox);
    node.destroy();
  });

  it('answers through its own ENI, as the AWS VPC CNI does', () => {
    const hostIf = pods.hostIfName('default', 'api');
    const route = sh('ip', ['-n', node.host, 'route', 'get', OUTSIDE, 'from', '10.77.1.20', 'iif', hostIf]);
    const reached = trySh('ip', [
      'netns',
      'exec',
      node.vpc,
      'ping',
      '-c',
      '1',
      '-W',
      '2',
      '-I',
      OUTSIDE,
      '10.77.1.20',
    ]).ok;
    const dropped = inNs(node.vpc, ['iptables-save', '-c', '-t', 'raw'])
      .split('\n')
      .find((l) => l.includes('-i r0 -j DROP'));

    expect({ route: route.includes('dev eth1'), reached, dropped }).toEqual({
      route: true,
      reached: true,
      dropped: expect.stringMatching(/^\[0:0\]/),
    });
  });
});
