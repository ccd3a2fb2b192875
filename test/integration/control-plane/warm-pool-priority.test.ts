import { ApiUnavailableError } from '../../../core/api-client';
import { LEASE_NOT_STARTED } from '../../../core/contract/api';
import { AZ, defaultScenario, startTestCluster, type TestCluster } from './support/cluster';

let seq = 0;
const key = () => `warm-first-${String(++seq).padStart(8, '0')}`;

/**
 * The address bucket holds 2 tokens and refills one every 5 s; a quarter of it (1 token) is
 * kept for calls pods wait on. Each test relies on the calls of the ones before it.
 */
describe('Control plane: calls for waiting pods go ahead of warm-pool top-ups', () => {
  let cluster: TestCluster;
  let node: string;
  const assignCalls = () => cluster.sim.stats().actions.AssignPrivateIpAddresses?.calls ?? 0;
  const leasedOnNode = async () => (await cluster.operatorClient().getNode(node)).leased.length;

  beforeAll(async () => {
    cluster = await startTestCluster(
      defaultScenario([
        { name: 'node', instanceType: 'm5.large', subnet: 'nodes', securityGroups: ['nodes'] },
      ]),
      { budget: { 'ip-and-eni': { capacity: 2, refillPerSecond: 0.2 } } },
    );
    node = cluster.instances.node![0]!;
    await cluster.nodeClient(node).registerNode(node, { instanceType: 'm5.large', availabilityZone: AZ });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('makes a warm-pool top-up while the budget has tokens to spare', async () => {
    // Prepare
    const callsBefore = assignCalls();

    // Act
    const answer = await cluster.nodeClient(node).lease(node, { idempotencyKey: key(), ipv4: 3, forPods: 0 });

    // Assess
    expect(answer.addresses).toHaveLength(3);
    expect(assignCalls() - callsBefore).toBe(1);
  });

  it('defers a warm-pool top-up once only the share kept for pods is left, changing nothing', async () => {
    // Prepare
    const callsBefore = assignCalls();
    const leasedBefore = await leasedOnNode();

    // Act
    const error = await cluster
      .nodeClient(node)
      .lease(node, { idempotencyKey: key(), ipv4: 3, forPods: 0 })
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ApiUnavailableError);
    expect((error as ApiUnavailableError).status).toBe(503);
    expect((error as ApiUnavailableError).body?.code).toBe(LEASE_NOT_STARTED);
    expect((error as ApiUnavailableError).body?.retryAfterSeconds).toBe(5);
    expect((error as Error).message).toMatch(/warm-pool top-ups wait/);
    expect(assignCalls()).toBe(callsBefore);
    expect(await leasedOnNode()).toBe(leasedBefore);
  });

  it('leases what pods wait for from the kept share, and defers the warm part of the same lease', async () => {
    // Prepare
    const callsBefore = assignCalls();

    // Act: 2 for pods now, 2 more for the warm pool
    const answer = await cluster.nodeClient(node).lease(node, { idempotencyKey: key(), ipv4: 4, forPods: 2 });

    // Assess: one call, sized for the whole request; nothing deferred, since it was one call
    expect(assignCalls() - callsBefore).toBe(1);
    expect(answer.addresses).toHaveLength(4);
  });

  it('queues a call pods wait on for the next token rather than refuse it', async () => {
    // Prepare: the bucket is empty now
    const callsBefore = assignCalls();

    // Act
    const answer = await cluster.nodeClient(node).lease(node, { idempotencyKey: key(), ipv4: 1, forPods: 1 });

    // Assess
    expect(answer.addresses).toHaveLength(1);
    expect(assignCalls() - callsBefore).toBe(1);
  });
});

describe('Control plane: a lease for pods refused at the budget bound', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await startTestCluster(
      defaultScenario([
        { name: 'node', instanceType: 'm5.large', subnet: 'nodes', securityGroups: ['nodes'] },
      ]),
      { budget: { 'ip-and-eni': { capacity: 1, refillPerSecond: 0.05 } } },
    );
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('says when asking again could be served: the wait less the 10 s bound', async () => {
    // Prepare: the one token taken; the next comes in 20 s
    const node = cluster.instances.node![0]!;
    const client = cluster.nodeClient(node);
    await client.registerNode(node, { instanceType: 'm5.large', availabilityZone: AZ });
    await client.lease(node, { idempotencyKey: key(), ipv4: 1, forPods: 1 });

    // Act
    const error = await client
      .lease(node, { idempotencyKey: key(), ipv4: 1, forPods: 1 })
      .catch((e: unknown) => e);

    // Assess
    const body = (error as ApiUnavailableError).body;
    expect(body?.code).toBe(LEASE_NOT_STARTED);
    expect(body?.retryAfterSeconds).toBeGreaterThanOrEqual(9);
    expect(body?.retryAfterSeconds).toBeLessThanOrEqual(10);
  });
});
