/**
 * An agent restarted with another AWS_VPC_K8S_CNI_VETHPREFIX keeps its running pods on their
 * links, named under the earlier prefix; the marks that send NodePort replies (and pods' own
 * connections out of the VPC) by the primary ENI must still match those links, or the reply
 * leaves by the pod's ENI with the node's address and EC2's source/dest check (raw-table
 * drops on the VPC router here) drops it. The agent passes the prefixes its checkpoint's
 * links carry (earlierVethPrefixes).
 */
import { createHostNetwork } from '../../../node-agent/datapath';
import { addNs, delNs, isRoot, sh, trySh } from './netns';
import { createNode, enforceSourceDestCheck, type Node, wireSecondaryPod } from './topology';

const TAG = `rnp${process.pid % 100000}`;
const suite = isRoot ? describe : describe.skip;

suite('NodePort to a pod on the secondary ENI', () => {
  let node: Node;
  const sandbox = `${TAG}-api`;

  beforeEach(async () => {
    node = createNode(TAG);
    addNs(sandbox);
    await createHostNetwork(node.hostSettings).apply([node.primary, node.secondary]);
    await wireSecondaryPod(node, sandbox);
    // kube-proxy's part: the node's address DNATed to the pod (ICMP stands in for a NodePort).
    sh('ip', [
      'netns',
      'exec',
      node.host,
      'iptables',
      '-t',
      'nat',
      '-A',
      'PREROUTING',
      '-i',
      'eth0',
      '-d',
      '10.77.0.10',
      '-p',
      'icmp',
      '-j',
      'DNAT',
      '--to-destination',
      '10.77.1.20',
    ]);
    enforceSourceDestCheck(node);
  });

  afterEach(() => {
    delNs(sandbox);
    node.destroy();
  });

  const nodePort = () =>
    trySh('ip', ['netns', 'exec', node.vpc, 'ping', '-c', '1', '-W', '2', '10.77.0.10']).ok;

  it('answers through the primary ENI', () => {
    expect(nodePort()).toBe(true);
  });

  it('still answers after the agent restarts with another veth prefix', async () => {
    await createHostNetwork({ ...node.hostSettings, vethPrefix: 'pod', earlierVethPrefixes: ['eni'] }).apply([
      node.primary,
      node.secondary,
    ]);
    expect(nodePort()).toBe(true);
  });
});
