/**
 * A crashed lease that added one ENI, retried with the same key while it still needs another
 * ENI: the retry creates its next ENI with ordinal 0 again, i.e. the crashed attempt's
 * ClientToken, so EC2 answers with the ENI already recorded and its addresses are granted twice.
 */
import { AZ, defaultScenario, startTestCluster, type TestCluster } from './support/cluster';
import { CrashSwitch } from './support/crash';

const LOCK_TTL_MS = 300;

describe('retry of a crashed lease that needs a second new ENI', () => {
  let cluster: TestCluster;
  let nodes: string[];
  const crash = new CrashSwitch();
  let onStep: ((step: string) => void) | undefined;

  beforeAll(async () => {
    cluster = await startTestCluster(
      defaultScenario([
        { name: 'n', instanceType: 'm5.large', subnet: 'nodes', securityGroups: ['nodes'], count: 3 },
      ]),
      {
        lockTtlMs: LOCK_TTL_MS,
        leakGraceSeconds: 0,
        afterStep: async (step: string) => {
          onStep?.(step);
          await crash.afterStep(step);
        },
      },
    );
    nodes = [...cluster.instances.n!];
  });
  afterAll(async () => {
    await cluster?.stop();
    await crash.hungSettled();
  });

  it('answers distinct addresses, each once, on two new ENIs', async () => {
    const node = nodes.shift()!;
    const client = cluster.nodeClient(node);
    await client.registerNode(node, { instanceType: 'm5.large', availabilityZone: AZ });
    await client.lease(node, { idempotencyKey: `fill-${node}`, ipv4: 9 });
    // Dies after the first new ENI's 9 addresses are recorded; the lease wants 9 more.
    await crash.dieAt(
      'addresses-recorded',
      () => client.lease(node, { idempotencyKey: 'two-enis', ipv4: 18 }),
      LOCK_TTL_MS,
    );

    const retried = await client.lease(node, { idempotencyKey: 'two-enis', ipv4: 18 });

    const addresses = retried.addresses.map((a) => a.address);
    expect(new Set(addresses).size).toBe(addresses.length);
    expect(new Set(retried.addresses.map((a) => a.eni.eniId)).size).toBe(2);
    expect(cluster.sim.model.interfacesOfInstance(node)).toHaveLength(3);
  });

  it("also without a crash: the second ENI's create fails, the node retries the same key", async () => {
    const node = nodes.shift()!;
    const client = cluster.nodeClient(node);
    await client.registerNode(node, { instanceType: 'm5.large', availabilityZone: AZ });
    await client.lease(node, { idempotencyKey: `fill-${node}`, ipv4: 9 });
    // EC2 fails CreateNetworkInterface (500) once the first new ENI is recorded.
    onStep = (step) => {
      if (step !== 'eni-recorded') return;
      onStep = undefined;
      cluster.sim.faults.failNext('CreateNetworkInterface', 50);
    };
    await expect(client.lease(node, { idempotencyKey: 'two-enis-b', ipv4: 18 })).rejects.toThrow();
    cluster.sim.faults.clear();

    const retried = await client.lease(node, { idempotencyKey: 'two-enis-b', ipv4: 18 });

    const addresses = retried.addresses.map((a) => a.address);
    expect(new Set(addresses).size).toBe(addresses.length);
  });
});
