import type { ApiClient } from '../../../core/api-client';
import { AZ, defaultScenario, startTestCluster, type TestCluster } from './support/cluster';

describe('Control plane: lease and release', () => {
  let cluster: TestCluster;
  let node: string;
  let client: ApiClient;

  beforeAll(async () => {
    cluster = await startTestCluster(
      defaultScenario([{ name: 'n', instanceType: 'm5.large', subnet: 'nodes', securityGroups: ['nodes'] }]),
    );
    node = cluster.instances.n![0]!;
    client = cluster.nodeClient(node);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('registers a node with its type limits and primary ENI', async () => {
    // Act
    const answer = await client.registerNode(node, { instanceType: 'm5.large', availabilityZone: AZ });

    // Assess
    expect(answer.limits).toEqual({ maxEnis: 3, ipv4PerEni: 10, maxPods: 29 });
    expect(answer.primaryEni.deviceIndex).toBe(0);
    expect(answer.primaryEni.subnetCidr).toBe('10.0.0.0/24');
    expect(answer.primaryEni.gateway).toBe('10.0.0.1');
    expect(answer.vpcCidrs).toEqual(['10.0.0.0/16']);
  });

  it('fills the primary ENI first with one assign call', async () => {
    // Act
    const lease = await client.lease(node, { idempotencyKey: 'lease-0000001', ipv4: 5 });

    // Assess
    expect(lease.addresses).toHaveLength(5);
    expect(new Set(lease.addresses.map((a) => a.eni.deviceIndex))).toEqual(new Set([0]));
    expect(cluster.cp.ec2.stats().calls.AssignPrivateIpAddresses).toBe(1);
    expect(cluster.cp.ec2.stats().calls.CreateNetworkInterface).toBeUndefined();
  });
});
