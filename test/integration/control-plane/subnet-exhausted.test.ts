import { ApiCapacityError } from '../../../core/api-client';
import { AZ, startTestCluster, type TestCluster } from './support/cluster';

describe('Control plane: subnet exhausted', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    // A /28 holds 11 usable addresses: the primary ENI takes one, leaving room for 10.
    cluster = await startTestCluster({
      vpcs: [
        {
          name: 'vpc',
          cidrBlock: '10.1.0.0/16',
          subnets: [{ name: 'tiny', cidrBlock: '10.1.0.0/28', availabilityZone: AZ }],
          securityGroups: [{ name: 'nodes' }],
        },
      ],
      instances: [{ name: 'n', instanceType: 'm5.large', subnet: 'tiny', securityGroups: ['nodes'] }],
    });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('answers 409 SubnetExhausted, creating no ENI it cannot fill', async () => {
    // Prepare
    const node = cluster.instances.n![0]!;
    const client = cluster.nodeClient(node);
    await client.registerNode(node, { instanceType: 'm5.large', availabilityZone: AZ });
    const full = await client.lease(node, { idempotencyKey: 'fill-00000001', ipv4: 9 });

    // Act: the primary ENI is full, and the one free address cannot hold a new ENI and a lease.
    const error = await client
      .lease(node, { idempotencyKey: 'fill-00000002', ipv4: 1 })
      .catch((e: unknown) => e);

    // Assess
    expect(full.addresses).toHaveLength(9);
    expect(error).toBeInstanceOf(ApiCapacityError);
    expect((error as ApiCapacityError).reason).toBe('SubnetExhausted');
    expect((error as ApiCapacityError).message).toMatch(/subnet/i);
    expect(cluster.sim.model.interfacesOfInstance(node)).toHaveLength(1);
  });
});
