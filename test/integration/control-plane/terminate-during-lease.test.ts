/**
 * An instance terminated while a lease for it is between attaching a new ENI and recording
 * it. Forgetting the node takes the node lock, so it waits for the lease; had it not, the
 * lease would record the ENI under the forgotten node, and the ledger would "own" an
 * `available` ENI that no reconciler pass visits or sweeps.
 */
import { TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { AZ, defaultScenario, startTestCluster, type TestCluster } from './support/cluster';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('instance terminated while a lease adds an ENI', () => {
  let cluster: TestCluster;
  let pauseAt: string | undefined;
  let paused: (() => void) | undefined;
  let resume: (() => void) | undefined;

  beforeAll(async () => {
    cluster = await startTestCluster(
      defaultScenario([
        { name: 'n', instanceType: 'm5.large', subnet: 'nodes', securityGroups: ['nodes'], count: 1 },
      ]),
      {
        leakGraceSeconds: 0,
        // The terminated event waits this long for the paused lease, then is left to the reconciler.
        lockWaitMs: 1_000,
        afterStep: async (step: string) => {
          if (step !== pauseAt) return;
          pauseAt = undefined;
          await new Promise<void>((r) => {
            resume = r;
            paused?.();
          });
        },
      },
    );
  });
  afterAll(async () => {
    resume?.();
    await cluster?.stop();
  });

  it('leaves no ENI of the terminated node behind once the reconciler ran', async () => {
    const node = cluster.instances.n![0]!;
    const client = cluster.nodeClient(node);
    await client.registerNode(node, { instanceType: 'm5.large', availabilityZone: AZ });
    await client.lease(node, { idempotencyKey: 'fill-primary', ipv4: 9 });

    const reachedAttach = new Promise<void>((r) => {
      paused = r;
    });
    pauseAt = 'eni-attached';
    const lease = client.lease(node, { idempotencyKey: 'racing-lease', ipv4: 3 }).catch((e: unknown) => e);
    await reachedAttach;
    const eniId = cluster.sim.model
      .interfacesOfInstance(node)
      .find((e) => e.attachment?.deviceIndex === 1)!.networkInterfaceId;

    await cluster.ec2.send(new TerminateInstancesCommand({ InstanceIds: [node] }));
    for (let i = 0; i < 100 && cluster.sim.model.getInstance(node)?.state !== 'terminated'; i++)
      await sleep(20);
    await cluster.cp.eventsSettled();
    resume!();
    await lease;

    await cluster.cp.runReconciler();
    await cluster.cp.runReconciler();

    expect(cluster.sim.model.getNetworkInterface(eniId)).toBeUndefined();
  });
});
