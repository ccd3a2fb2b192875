/**
 * The control plane's side of a cluster's life, end to end as root: an ENI leaked on purpose
 * is swept by the reconciler's timer after a short grace; a terminated node's ENIs leave EC2
 * and the ledger; with the control plane stopped, pods on a node with cached leases still
 * start and reach each other. One cluster serves the file; the last test stops its control plane.
 */
import {
  CreateNetworkInterfaceCommand,
  DescribeNetworkInterfacesCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { TAGS } from '../../../core/contract/tags';
import { ping } from '../../../infra/local/demo/checks';
import { type LocalCluster, startLocalCluster } from '../../../infra/local/demo/cluster';
import { deleteSandbox, type RunningPod } from '../../../infra/local/demo/pods';
import { cleanUpAll, ec2Client, enisOf, eventually, isRoot, startPods, uniquePrefix } from './support';

const PREFIX = uniquePrefix('clif');

const suite = isRoot ? describe : describe.skip;
if (!isRoot) console.warn('cluster lifecycle e2e skipped: it needs root for namespaces, veths and iptables');

suite('Local cluster: leaked ENIs, terminated nodes, control plane outage', () => {
  let cluster: LocalCluster;
  let ec2: EC2Client;

  beforeAll(async () => {
    cluster = await startLocalCluster({
      prefix: PREFIX,
      nodes: 2,
      instanceType: 't3.medium',
      // Secondary ENIs are what this file checks; carving would keep every pod on the primary.
      carvePrefixes: false,
      reconcileIntervalMs: 1_000,
      leakGraceSeconds: 2,
    });
    ec2 = ec2Client(cluster);
  }, 120_000);

  afterAll(async () => {
    await cleanUpAll(
      () => ec2?.destroy(),
      () => cluster?.stop(),
    );
  }, 60_000);

  const eniExists = async (eniId: string) => {
    const { NetworkInterfaces } = await ec2.send(
      new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'network-interface-id', Values: [eniId] }] }),
    );
    return (NetworkInterfaces ?? []).length > 0;
  };

  it('sweeps an ENI tagged with the cluster that the ledger does not own, after the grace period', async () => {
    // Prepare
    const subnetId = cluster.cloud.nodes[0]!.subnetId;
    const created = await ec2.send(
      new CreateNetworkInterfaceCommand({
        SubnetId: subnetId,
        Description: 'leaked on purpose',
        TagSpecifications: [
          {
            ResourceType: 'network-interface',
            Tags: [
              { Key: TAGS.clusterName, Value: cluster.clusterName },
              { Key: TAGS.createdAt, Value: new Date().toISOString() },
            ],
          },
        ],
      }),
    );
    const leaked = created.NetworkInterface!.NetworkInterfaceId!;
    const untagged = await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnetId }));

    // Act
    await eventually('the reconciler to delete the leaked ENI', async () =>
      (await eniExists(leaked)) ? undefined : true,
    );

    // Assess
    expect(await eniExists(leaked)).toBe(false);
    expect(await eniExists(untagged.NetworkInterface!.NetworkInterfaceId!)).toBe(true);
  }, 30_000);

  it('removes a terminated node’s ENIs from EC2 and the ledger', async () => {
    // Prepare: enough pods to give the node secondary ENIs.
    const node = cluster.cloud.nodes[1]!;
    const agent = cluster.agents.get(node.instanceId)!;
    const pods = await startPods(agent, PREFIX, 'gone', 8);
    const enis = (await enisOf(ec2, node.instanceId)).map((e) => e.NetworkInterfaceId!);
    const operator = cluster.operatorClient();
    expect(enis.length).toBeGreaterThanOrEqual(2);
    expect((await operator.getNode(node.instanceId)).enis).toHaveLength(enis.length);

    // Act: the instance goes away with its agent and pods.
    await agent.stop();
    cluster.agents.delete(node.instanceId);
    for (const pod of pods) await deleteSandbox(pod.netns);
    await cluster.cloud.removeNode(node.instanceId);

    // Assess
    await eventually('the ledger to forget the node', async () => {
      const { nodes } = await operator.listNodes();
      return nodes.some((n) => n.instanceId === node.instanceId) ? undefined : true;
    });
    await cluster.controlPlane.eventsSettled();
    const left = await Promise.all(enis.map((id) => eniExists(id)));
    expect(left).toEqual(enis.map(() => false));
    await expect(operator.getNode(node.instanceId)).rejects.toThrow();
    const lookups = await Promise.all(pods.map((p) => operator.lookupIp(p.ip)));
    expect(lookups.filter((l) => l.instanceId === node.instanceId)).toEqual([]);
  }, 60_000);

  it('starts pods from cached leases while the control plane is stopped', async () => {
    // Prepare
    const agent = [...cluster.agents.values()][0]!;
    const [before] = await startPods(agent, PREFIX, 'before', 1);
    await cluster.controlPlane.stop();

    // Act
    const during: RunningPod[] = await startPods(agent, PREFIX, 'during', 3);

    // Assess
    expect(during.map((p) => p.ip)).toHaveLength(3);
    for (const pod of during) expect(await ping(pod.netns, before!.ip)).toBe(true);
    expect(await ping(before!.netns, during[2]!.ip)).toBe(true);
  }, 60_000);
});
