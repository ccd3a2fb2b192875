/**
 * A secondary-ENI pod wired by an earlier version has a from-rule per destination (the VPC
 * CIDRs and AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS at its ADD). An agent restarted, perhaps with
 * other SNAT settings, gives it the rule for every destination before dropping those, so its
 * traffic follows the node-wide iptables of the new settings: excluded destinations leave by
 * its ENI unSNATed, the rest of the world by the primary ENI, SNATed. EC2's source/dest check
 * is played by raw-table drops on the VPC router.
 */
import { createHostNetwork, type HostNetworkSettings, restorePodRoutes } from '../../../node-agent/datapath';
import { namedNetns } from '../../../node-agent/ns';
import { addNs, delNs, inNs, isRoot, sh, trySh } from './netns';
import { createNode, enforceSourceDestCheck, type Node, wireSecondaryPod } from './topology';

const TAG = `rrs${process.pid % 100000}`;
const POD_IP = '10.77.1.20';

const suite = isRoot ? describe : describe.skip;

/** The pod's from-rules as an earlier version left them with SNAT on. */
function toPerDestinationRules(node: Node, settings: HostNetworkSettings): void {
  sh('ip', ['-n', node.host, 'rule', 'del', 'from', `${POD_IP}/32`, 'priority', '1536']);
  for (const cidr of [...settings.vpcCidrs, ...settings.excludeSnatCidrs]) {
    sh('ip', [
      '-n',
      node.host,
      'rule',
      'add',
      'from',
      `${POD_IP}/32`,
      'to',
      cidr,
      'lookup',
      '2',
      'priority',
      '1536',
    ]);
  }
}

suite('agent restarted under pods an earlier version wired on a secondary ENI', () => {
  let node: Node;
  const sandbox = `${TAG}-api`;

  beforeEach(() => {
    node = createNode(TAG);
    addNs(sandbox);
    // Destinations beyond the VPC router: an on-prem range and the internet.
    sh('ip', ['-n', node.vpc, 'addr', 'add', '192.168.60.5/32', 'dev', 'lo']);
    sh('ip', ['-n', node.vpc, 'addr', 'add', '198.51.100.7/32', 'dev', 'lo']);
    enforceSourceDestCheck(node);
  });

  afterEach(() => {
    delNs(sandbox);
    node.destroy();
  });

  it.each([
    ['with the same settings', {}, '198.51.100.7'],
    ['with a SNAT exclusion added', { excludeSnatCidrs: ['192.168.60.0/24'] }, '192.168.60.5'],
  ] as [string, Partial<HostNetworkSettings>, string][])(
    '%s: one rule for every destination, and the pod reaches the outside',
    async (_what, after, destination) => {
      // Prepare: the pod wired, then its rules put back the way earlier versions made them
      await createHostNetwork(node.hostSettings).apply([node.primary, node.secondary]);
      const { pods, wiring } = await wireSecondaryPod(node, sandbox);
      toPerDestinationRules(node, node.hostSettings);

      // Act: the agent restarts, as node-agent/agent.ts does
      const settings = { ...node.hostSettings, ...after };
      await createHostNetwork(settings).apply([node.primary, node.secondary]);
      const report = await restorePodRoutes(namedNetns(node.host), [
        { ip: POD_IP, hostIfName: wiring.hostInterface.name, routeTable: 2 },
      ]);
      const problems = await pods.check({
        hostIfName: wiring.hostInterface.name,
        ifName: 'eth0',
        netns: `/run/netns/${sandbox}`,
        ip: POD_IP,
        routeTable: 2,
      });
      const rules = inNs(node.host, ['ip', 'rule', 'show', 'priority', '1536']).trim().split('\n');
      const reached = trySh('ip', ['netns', 'exec', sandbox, 'ping', '-c', '1', '-W', '2', destination]).ok;

      // Assess
      expect(report.failures).toEqual([]);
      expect(rules).toEqual([`1536:\tfrom ${POD_IP} lookup 2`]);
      expect({ reached, problems }).toEqual({ reached: true, problems: [] });
    },
  );
});
