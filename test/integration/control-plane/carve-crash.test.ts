import { AZ, defaultScenario, startTestCluster, type TestCluster } from './support/cluster';
import { CrashSwitch } from './support/crash';
import { ledgerAgreesWithEc2 } from './support/ledger-agrees';

const LOCK_TTL_MS = 300;
const CARVE_STEPS = ['addresses-assigned', 'addresses-recorded', 'answer-stored'];

describe('Control plane: a lease carving a prefix, crashed between any two steps', () => {
  let cluster: TestCluster;
  let nodes: string[];
  const crash = new CrashSwitch();

  beforeAll(async () => {
    cluster = await startTestCluster(
      defaultScenario([
        { name: 'n', instanceType: 'm5.large', subnet: 'nodes', securityGroups: ['nodes'], count: 6 },
      ]),
      { lockTtlMs: LOCK_TTL_MS, leakGraceSeconds: 0, afterStep: crash.afterStep, carvePrefixes: true },
    );
    nodes = [...cluster.instances.n!];
  });
  afterAll(async () => {
    await cluster?.stop();
    await crash.hungSettled();
  });

  async function freshNode(): Promise<string> {
    const node = nodes.shift()!;
    await cluster.nodeClient(node).registerNode(node, { instanceType: 'm5.large', availabilityZone: AZ });
    return node;
  }

  const dieAt = (step: string, request: () => Promise<unknown>) => crash.dieAt(step, request, LOCK_TTL_MS);

  it.each(CARVE_STEPS)('is repaired by the reconciler, then retried, after %s', async (step) => {
    // Prepare
    const node = await freshNode();
    const client = cluster.nodeClient(node);
    await dieAt(step, () => client.lease(node, { idempotencyKey: `carve-${step}`, ipv4: 10 }));

    // Act
    await cluster.cp.runReconciler();

    // Assess
    expect(await ledgerAgreesWithEc2(cluster, node)).toEqual([]);
    const retried = await client.lease(node, { idempotencyKey: `carve-${step}`, ipv4: 10 });
    expect(retried.addresses).toHaveLength(10);
    await cluster.cp.runReconciler();
    expect(await ledgerAgreesWithEc2(cluster, node)).toEqual([]);
    const leased = (await client.getNode(node)).leased.map((a) => a.address);
    expect(leased.sort()).toEqual(retried.addresses.map((a) => a.address).sort());
    expect(cluster.sim.model.interfacesOfInstance(node)[0]!.prefixes).toHaveLength(1);
  });

  it('adopts the prefix a crashed attempt assigned when the same key is retried first', async () => {
    // Prepare
    const node = await freshNode();
    const client = cluster.nodeClient(node);
    await dieAt('addresses-assigned', () => client.lease(node, { idempotencyKey: 'carve-retry', ipv4: 10 }));

    // Act
    const retried = await client.lease(node, { idempotencyKey: 'carve-retry', ipv4: 10 });

    // Assess
    expect(retried.addresses).toHaveLength(10);
    expect(cluster.sim.model.interfacesOfInstance(node)[0]!.prefixes).toHaveLength(1);
    await cluster.cp.runReconciler();
    expect(await ledgerAgreesWithEc2(cluster, node)).toEqual([]);
    expect((await client.getNode(node)).leased).toHaveLength(10);
  });
});
