import { CreateTagsCommand } from '@aws-sdk/client-ec2';
import { ApiInvalidInputError } from '../../../core/api-client';
import { TAGS } from '../../../core/contract/tags';
import { AZ, CLUSTER, defaultScenario, startTestCluster, type TestCluster } from './support/cluster';

describe('Control plane: registering a node', () => {
  let cluster: TestCluster;
  const calls = () =>
    Object.fromEntries(Object.entries(cluster.sim.stats().actions).map(([action, a]) => [action, a.calls]));
  const callsSince = (before: Record<string, number>) =>
    Object.fromEntries(
      Object.entries(calls())
        .map(([action, n]) => [action, n - (before[action] ?? 0)] as const)
        .filter(([, n]) => n > 0),
    );

  beforeAll(async () => {
    cluster = await startTestCluster(
      defaultScenario([
        { name: 'fresh', instanceType: 'm5.large', subnet: 'nodes', securityGroups: ['nodes'] },
        { name: 'foreign', instanceType: 'm5.large', subnet: 'nodes', securityGroups: ['nodes'] },
      ]),
    );
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('describes a fresh node once and tags its primary ENI, and a re-registration only describes it', async () => {
    // Prepare
    const node = cluster.instances.fresh![0]!;
    const client = cluster.nodeClient(node);
    const before = calls();
    await client.registerNode(node, { instanceType: 'm5.large', availabilityZone: AZ });
    const first = calls();
    const fresh = callsSince(before);

    // Act
    const again = await client.registerNode(node, { instanceType: 'm5.large', availabilityZone: AZ });

    // Assess
    expect(fresh).toMatchObject({ DescribeInstances: 1, CreateTags: 1 });
    expect(fresh.DescribeNetworkInterfaces).toBeUndefined();
    expect(callsSince(first)).toEqual({ DescribeInstances: 1 });
    const tags = cluster.sim.model.getNetworkInterface(again.primaryEni.eniId)!.tags;
    expect(tags.get(TAGS.clusterName)).toBe(CLUSTER);
    expect(tags.get(TAGS.instanceId)).toBe(node);
  });

  it('names the other cluster when EC2 refuses to tag a primary ENI that cluster claimed, and records nothing', async () => {
    // Prepare: another cluster's tag on the primary; IAM refuses the claim (as the stack's policy does)
    const node = cluster.instances.foreign![0]!;
    const primary = cluster.sim.model
      .interfacesOfInstance(node)
      .find((e) => e.attachment?.deviceIndex === 0)!;
    await cluster.ec2.send(
      new CreateTagsCommand({
        Resources: [primary.networkInterfaceId],
        Tags: [{ Key: TAGS.clusterName, Value: 'other-cluster' }],
      }),
    );
    cluster.sim.faults.failNext(
      'CreateTags',
      1,
      'UnauthorizedOperation',
      'You are not authorized to perform this operation.',
    );

    // Act
    const error = await cluster
      .nodeClient(node)
      .registerNode(node, { instanceType: 'm5.large', availabilityZone: AZ })
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ApiInvalidInputError);
    expect((error as ApiInvalidInputError).status).toBe(400);
    expect(String((error as Error).message)).toMatch(/tagged for cluster other-cluster/);
    const nodes = await cluster.operatorClient().listNodes();
    expect(nodes.nodes.map((n) => n.instanceId)).not.toContain(node);
  });
});
