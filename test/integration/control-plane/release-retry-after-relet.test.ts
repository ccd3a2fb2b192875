/**
 * A release that died after marking its addresses cooling but before storing its answer is
 * retried with the same key after the node leased the same addresses again (they cooled and
 * were reused): the retry releases them a second time, out from under the new lease.
 */
import { AZ, defaultScenario, startTestCluster, type TestCluster } from './support/cluster';
import { CrashSwitch } from './support/crash';

const LOCK_TTL_MS = 300;

describe('release retried after its addresses were leased again', () => {
  let cluster: TestCluster;
  const crash = new CrashSwitch();

  beforeAll(async () => {
    cluster = await startTestCluster(
      defaultScenario([
        { name: 'n', instanceType: 'm5.large', subnet: 'nodes', securityGroups: ['nodes'], count: 1 },
      ]),
      // coolingSeconds 0 (the suite default) stands for the 30 s cooling having passed.
      { lockTtlMs: LOCK_TTL_MS, leakGraceSeconds: 0, afterStep: crash.afterStep },
    );
  });
  afterAll(async () => {
    await cluster?.stop();
    await crash.hungSettled();
  });

  it('does not release an address the node leased again after the first attempt', async () => {
    const node = cluster.instances.n![0]!;
    const client = cluster.nodeClient(node);
    await client.registerNode(node, { instanceType: 'm5.large', availabilityZone: AZ });
    const first = await client.lease(node, { idempotencyKey: 'lease-one', ipv4: 2 });
    const address = first.addresses[0]!.address;
    await crash.dieAt(
      'addresses-cooling',
      () => client.release(node, { idempotencyKey: 'release-one', addresses: [address] }),
      LOCK_TTL_MS,
    );
    // The node asks for an address again; the cooled one is reused.
    const again = await client.lease(node, { idempotencyKey: 'lease-two', ipv4: 1 });
    expect(again.addresses.map((a) => a.address)).toEqual([address]);

    // The release's outcome was unknown to the node, so it is sent again, same key and body.
    await client.release(node, { idempotencyKey: 'release-one', addresses: [address] });

    const leased = (await client.getNode(node)).leased.map((a) => a.address);
    expect(leased).toContain(address);
    const eni = cluster.sim.model.interfacesOfInstance(node)[0]!;
    expect(eni.secondaryIps).toContain(address);
  });
});
