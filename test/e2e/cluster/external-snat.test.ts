/**
 * AWS_VPC_K8S_CNI_EXTERNALSNAT=true, end to end as root: no SNAT on the node, so a pod on a
 * secondary ENI uses its ENI's table for every destination (`from <pod ip> lookup <table>`),
 * leaves by that ENI with its own address (which the source/dest check accepts), and the
 * outside sees the pod's address.
 */
import type { EC2Client } from '@aws-sdk/client-ec2';
import { addressSeenBy, startPeerEchoServer } from '../../../infra/local/demo/checks';
import { type LocalCluster, startLocalCluster } from '../../../infra/local/demo/cluster';
import { mapLimit } from '../../../infra/local/demo/exec';
import type { RunningPod } from '../../../infra/local/demo/pods';
import { cleanUpAll, ec2Client, enisOf, isRoot, podRules, startPods, uniquePrefix } from './support';

const PREFIX = uniquePrefix('cext');

const suite = isRoot ? describe : describe.skip;
if (!isRoot) console.warn('external SNAT e2e skipped: it needs root for namespaces, veths and iptables');

suite('Local cluster: external SNAT', () => {
  let cluster: LocalCluster;
  let ec2: EC2Client;
  let pods: RunningPod[];

  beforeAll(async () => {
    cluster = await startLocalCluster({
      prefix: PREFIX,
      nodes: 1,
      instanceType: 't3.medium',
      // Secondary ENIs are what this file checks; carving would keep every pod on the primary.
      carvePrefixes: false,
      agentEnv: { AWS_VPC_K8S_CNI_EXTERNALSNAT: 'true' },
    });
    ec2 = ec2Client(cluster);
    pods = await startPods([...cluster.agents.values()][0]!, PREFIX, 'ext', 8);
  }, 120_000);

  afterAll(async () => {
    await cleanUpAll(
      () => ec2?.destroy(),
      () => cluster?.stop(),
    );
  }, 60_000);

  it('routes secondary-ENI pods by their ENI for every destination, and the outside sees pod addresses', async () => {
    // Prepare
    const agent = [...cluster.agents.values()][0]!;
    const secondaryIps = (await enisOf(ec2, agent.instanceId))
      .filter((e) => e.Attachment!.DeviceIndex! > 0)
      .flatMap((e) => (e.PrivateIpAddresses ?? []).filter((a) => !a.Primary).map((a) => a.PrivateIpAddress!));
    const server = await startPeerEchoServer(cluster.fabric.outsideNamespace, cluster.fabric.outsideAddress);
    try {
      // Act
      const seen = await mapLimit(pods, 4, (pod) => addressSeenBy(pod.netns, server));
      const fromRules = podRules(agent.hostNetns).filter((r) => r.priority === 1536);

      // Assess
      expect(seen).toEqual(pods.map((p) => p.ip));
      const onSecondary = pods.filter((p) => secondaryIps.includes(p.ip)).map((p) => p.ip);
      expect(onSecondary.length).toBeGreaterThan(0);
      expect(
        fromRules.map((r) => ({ src: r.src, dst: r.dst })).sort((a, b) => a.src!.localeCompare(b.src!)),
      ).toEqual(onSecondary.sort().map((ip) => ({ src: ip, dst: undefined })));
    } finally {
      await server.stop();
    }
  }, 60_000);
});
