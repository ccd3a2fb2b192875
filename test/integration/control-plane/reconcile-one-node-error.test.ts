/**
 * One node's EC2 error during a reconciler pass (a spent budget, an IAM refusal on one ENI, a
 * 5xx) must not abort the pass: the nodes after it are still repaired and trimmed, and the
 * leak sweep still runs; the failing node is reported and tried again next pass.
 */
import { CreateNetworkInterfaceCommand } from '@aws-sdk/client-ec2';
import { TAGS } from '../../../core/contract/tags';
import { AZ, CLUSTER, defaultScenario, startTestCluster, type TestCluster } from './support/cluster';

let clockMs = Date.now();
const now = () => new Date(clockMs);

describe('Reconciler with one node failing', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster(
      defaultScenario([
        { name: 'n', instanceType: 'm5.large', subnet: 'nodes', securityGroups: ['nodes'], count: 2 },
      ]),
      { coolingSeconds: 30, now, leakGraceSeconds: 0 },
    );
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it("trims the other nodes and sweeps leaked ENIs even if one node's unassign fails", async () => {
    const [first, second] = [...cluster.instances.n!].sort();
    const released: Record<string, string> = {};
    for (const node of [first!, second!]) {
      const client = cluster.nodeClient(node);
      await client.registerNode(node, { instanceType: 'm5.large', availabilityZone: AZ });
      const lease = await client.lease(node, { idempotencyKey: `lease-${node}`, ipv4: 2 });
      released[node] = lease.addresses[0]!.address;
      await client.release(node, { idempotencyKey: `release-${node}`, addresses: [released[node]!] });
    }
    // A leaked ENI of this cluster, available, old enough to sweep
    const leaked = await cluster.ec2.send(
      new CreateNetworkInterfaceCommand({
        SubnetId: cluster.subnets.pods,
        Groups: [cluster.securityGroup],
        TagSpecifications: [
          {
            ResourceType: 'network-interface',
            Tags: [
              { Key: TAGS.clusterName, Value: CLUSTER },
              { Key: TAGS.createdAt, Value: new Date(clockMs - 3_600_000).toISOString() },
            ],
          },
        ],
      }),
    );
    const leakedId = leaked.NetworkInterface!.NetworkInterfaceId!;
    clockMs += 31_000; // both released addresses have cooled

    // The first node's unassign is refused (e.g. its ENI lost the cluster tag the IAM policy requires)
    cluster.sim.faults.failNext('UnassignPrivateIpAddresses', 1, 'UnauthorizedOperation');
    const report = await cluster.cp.runReconciler();

    const eniOf = (node: string) =>
      [...cluster.sim.model.listNetworkInterfaces()].find(
        (e) => e.attachment?.instanceId === node && e.attachment.deviceIndex === 0,
      )!;
    expect(report.nodesFailed).toEqual([first]);
    expect(eniOf(first!).secondaryIps).toContain(released[first!]);
    expect(eniOf(second!).secondaryIps).not.toContain(released[second!]);
    expect(cluster.sim.model.getNetworkInterface(leakedId)).toBeUndefined();
  });
});
