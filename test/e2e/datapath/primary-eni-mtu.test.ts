/**
 * AWS_VPC_ENI_MTU applies to every ENI, the primary included, as in the AWS VPC CNI
 * (SetupHostNetwork sets it on the primary link): with 1500 for a VPN or transit-gateway
 * path, the node and host-network pods must not send jumbo frames out of eth0.
 */
import { createHostNetwork } from '../../../node-agent/datapath';
import { ipIn, isRoot, sh } from './netns';
import { createNode, type Node } from './topology';

const TAG = `rmt${process.pid % 100000}`;
const suite = isRoot ? describe : describe.skip;

suite('AWS_VPC_ENI_MTU on the primary ENI', () => {
  let node: Node;
  beforeEach(() => {
    node = createNode(TAG);
    sh('ip', ['-n', node.host, 'link', 'set', 'eth0', 'mtu', '9001']);
  });
  afterEach(() => node.destroy());

  it('sets every ENI, the primary included, to AWS_VPC_ENI_MTU', async () => {
    await createHostNetwork({ ...node.hostSettings, eniMtu: 1500 }).apply([node.primary, node.secondary]);

    const mtu = (dev: string) => ipIn<{ mtu: number }>(node.host, ['link', 'show', 'dev', dev])[0]!.mtu;
    expect({ eth0: mtu('eth0'), eth1: mtu('eth1') }).toEqual({ eth0: 1500, eth1: 1500 });
  });
});
