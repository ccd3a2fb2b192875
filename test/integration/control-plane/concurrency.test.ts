import type { LeaseResponse } from '../../../core/contract/api';
import { AZ, defaultScenario, startTestCluster, type TestCluster } from './support/cluster';
import { allAddresses, attachmentProblems, duplicates, leasesMissingInEc2 } from './support/invariants';

async function burst(cluster: TestCluster, nodes: string[], perNode: number, ipv4: number, tag: string) {
  const calls: Promise<LeaseResponse>[] = [];
  for (let round = 0; round < perNode; round++) {
    for (const node of nodes) {
      calls.push(
        cluster.nodeClient(node).lease(node, { idempotencyKey: `${tag}-${node.slice(-8)}-${round}`, ipv4 }),
      );
    }
  }
  return Promise.all(calls);
}

async function registerAll(cluster: TestCluster, nodes: string[]) {
  await Promise.all(
    nodes.map((n) =>
      cluster.nodeClient(n).registerNode(n, { instanceType: 'm5.large', availabilityZone: AZ }),
    ),
  );
}

describe('Control plane: concurrent leases', () => {
  describe.each([
    ['secondary addresses', false],
    ['addresses carved out of prefixes', true],
  ])('50 leases from 10 nodes at once, %s', (_, carvePrefixes) => {
    let cluster: TestCluster;
    let nodes: string[];

    beforeAll(async () => {
      cluster = await startTestCluster(
        defaultScenario([
          { name: 'n', instanceType: 'm5.large', subnet: 'nodes', securityGroups: ['nodes'], count: 10 },
        ]),
        { carvePrefixes },
      );
      nodes = cluster.instances.n!;
      await registerAll(cluster, nodes);
    });
    afterAll(async () => {
      await cluster?.stop();
    });

    it('never doubles an address or a device index and keeps every ENI within limits', async () => {
      // Act
      const leases = await burst(cluster, nodes, 5, 4, 'c');

      // Assess
      const addresses = allAddresses(leases);
      expect(addresses).toHaveLength(200);
      expect(duplicates(addresses)).toEqual([]);
      expect(attachmentProblems(cluster, nodes, 3, 10)).toEqual([]);
      expect(leasesMissingInEc2(cluster, leases)).toEqual([]);
      for (const node of nodes) {
        const state = await cluster.operatorClient().getNode(node);
        expect(state.leased).toHaveLength(20);
      }
    });
  });

  describe('with EC2 throttling injected', () => {
    let cluster: TestCluster;
    let nodes: string[];

    beforeAll(async () => {
      cluster = await startTestCluster(
        defaultScenario([
          { name: 'n', instanceType: 'm5.large', subnet: 'nodes', securityGroups: ['nodes'], count: 6 },
        ]),
        {
          simThrottling: {
            networkInterface: { capacity: 3, refillPerSecond: 20 },
            mutating: { capacity: 2, refillPerSecond: 20 },
            unfilteredDescribe: { capacity: 4, refillPerSecond: 40 },
          },
        },
      );
      nodes = cluster.instances.n!;
      await registerAll(cluster, nodes);
      cluster.cp.ec2.resetStats();
    });
    afterAll(async () => {
      await cluster?.stop();
    });

    it('still serves every lease, retrying RequestLimitExceeded, with no duplicates', async () => {
      // Act
      const leases = await burst(cluster, nodes, 3, 5, 't');

      // Assess
      const addresses = allAddresses(leases);
      expect(addresses).toHaveLength(90);
      expect(duplicates(addresses)).toEqual([]);
      expect(attachmentProblems(cluster, nodes, 3, 10)).toEqual([]);
      expect(leasesMissingInEc2(cluster, leases)).toEqual([]);
      const throttled = Object.values(cluster.cp.ec2.stats().throttled).reduce((a, b) => a + b, 0);
      expect(throttled).toBeGreaterThan(0);
    });
  });

  describe('with the client-side budget below EC2 buckets', () => {
    let cluster: TestCluster;
    let nodes: string[];

    beforeAll(async () => {
      cluster = await startTestCluster(
        defaultScenario([
          { name: 'n', instanceType: 'm5.large', subnet: 'nodes', securityGroups: ['nodes'], count: 4 },
        ]),
        {
          simThrottling: { networkInterface: { capacity: 6, refillPerSecond: 10 } },
          budget: { 'ip-and-eni': { capacity: 4, refillPerSecond: 8 } },
        },
      );
      nodes = cluster.instances.n!;
      await registerAll(cluster, nodes);
      cluster.cp.ec2.resetStats();
    });
    afterAll(async () => {
      await cluster?.stop();
    });

    it('queues the burst instead of being throttled', async () => {
      // Act
      const leases = await burst(cluster, nodes, 3, 8, 'b');

      // Assess
      expect(duplicates(allAddresses(leases))).toEqual([]);
      expect(allAddresses(leases)).toHaveLength(96);
      expect(cluster.cp.ec2.stats().throttled).toEqual({});
      expect(cluster.cp.ec2.stats().calls.CreateNetworkInterface).toBeGreaterThan(0);
    });
  });
});
