/**
 * The control plane lists a node's addresses from the owner index, which DynamoDB reads
 * eventually consistently: a trim or a lease may see it one lease behind. Trim must not
 * then detach an ENI whose addresses were just leased, nor unassign an address leased again
 * from its cooled state; a lease must not take an address a trim just gave back to EC2. The
 * lag is played by answering the node's owner-index query with an earlier snapshot.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type ControlPlaneContext, leaseAddresses, reconcile } from '../../../core/ec2';
import { getAddress } from '../../../core/ledger';
import { ownerIndex } from '../../../core/ledger/keys';
import { OWNER_INDEX } from '../../../core/ledger/table';
import { AZ, defaultScenario, startTestCluster, type TestCluster } from './support/cluster';

let clockMs = Date.now();
const now = () => new Date(clockMs);

/** The context with the node's owner-index query answered from an earlier snapshot. */
async function withStaleOwnerIndex(ctx: ControlPlaneContext, instanceId: string) {
  const partition = ownerIndex.addressesOf(instanceId);
  const query = () =>
    ctx.ledger.doc.send(
      new QueryCommand({
        TableName: ctx.ledger.tableName,
        IndexName: OWNER_INDEX,
        KeyConditionExpression: 'gsi1pk = :p',
        ExpressionAttributeValues: { ':p': partition },
      }),
    );
  const snapshot = (await query()).Items ?? [];
  return () => {
    const real = ctx.ledger.doc;
    const doc = new Proxy(real, {
      get(target, prop, receiver) {
        if (prop !== 'send') return Reflect.get(target, prop, receiver);
        return (command: {
          input?: { IndexName?: string; ExpressionAttributeValues?: Record<string, unknown> };
        }) => {
          const input = command.input;
          if (input?.IndexName === OWNER_INDEX && input.ExpressionAttributeValues?.[':p'] === partition)
            return Promise.resolve({ Items: snapshot });
          return (target.send as (c: unknown) => Promise<unknown>).call(target, command);
        };
      },
    });
    return { ...ctx, ledger: { ...ctx.ledger, doc } } as ControlPlaneContext;
  };
}

describe('Reconciler trim with an owner index one lease behind', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster(
      defaultScenario([
        { name: 'a', instanceType: 'm5.large', subnet: 'nodes', securityGroups: ['nodes'] },
        { name: 'b', instanceType: 'm5.large', subnet: 'nodes', securityGroups: ['nodes'] },
        { name: 'c', instanceType: 'm5.large', subnet: 'nodes', securityGroups: ['nodes'] },
      ]),
      { coolingSeconds: 30, now, leakGraceSeconds: 3600 },
    );
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('does not detach and delete an ENI whose addresses were just leased', async () => {
    const node = cluster.instances.a![0]!;
    const client = cluster.nodeClient(node);
    await client.registerNode(node, { instanceType: 'm5.large', availabilityZone: AZ });
    await client.lease(node, { idempotencyKey: 'fill-primary', ipv4: 9 });
    const stale = await withStaleOwnerIndex(cluster.cp.context, node);

    // A lease that needs a new ENI
    const lease = await client.lease(node, { idempotencyKey: 'lease-new-eni', ipv4: 5 });
    const eniId = lease.addresses[0]!.eni.eniId;
    expect(lease.addresses[0]!.eni.deviceIndex).toBe(1);

    // A reconciler pass whose index read does not show that lease yet
    await reconcile(stale());

    const eni = cluster.sim.model.getNetworkInterface(eniId);
    expect(eni?.attachment?.instanceId).toBe(node);
    expect(eni?.secondaryIps.sort()).toEqual(lease.addresses.map((a) => a.address).sort());
  });

  it('does not unassign an address the node leased again from its cooled state', async () => {
    const node = cluster.instances.b![0]!;
    const client = cluster.nodeClient(node);
    await client.registerNode(node, { instanceType: 'm5.large', availabilityZone: AZ });
    const first = await client.lease(node, { idempotencyKey: 'lease-b-0001', ipv4: 3 });
    const ip = first.addresses[0]!.address;
    await client.release(node, { idempotencyKey: 'release-b-0001', addresses: [ip] });
    clockMs += 31_000; // cooled, not yet trimmed
    const stale = await withStaleOwnerIndex(cluster.cp.context, node);

    // The node leases again: the cooled address comes back without an EC2 call
    const again = await client.lease(node, { idempotencyKey: 'lease-b-0002', ipv4: 1 });
    expect(again.addresses.map((a) => a.address)).toEqual([ip]);

    await reconcile(stale());

    const eni = cluster.sim.model.getNetworkInterface(again.addresses[0]!.eni.eniId);
    expect(eni?.secondaryIps).toContain(ip);
    expect((await getAddress(cluster.cp.ledger, ip))?.state).toBe('leased');
  });

  it('does not lease an address the reconciler has just given back to EC2', async () => {
    const node = cluster.instances.c![0]!;
    const client = cluster.nodeClient(node);
    await client.registerNode(node, { instanceType: 'm5.large', availabilityZone: AZ });
    const first = await client.lease(node, { idempotencyKey: 'lease-c-0001', ipv4: 3 });
    const ip = first.addresses[0]!.address;
    await client.release(node, { idempotencyKey: 'release-c-0001', addresses: [ip] });
    clockMs += 31_000; // cooled
    const stale = await withStaleOwnerIndex(cluster.cp.context, node); // shows ip cooling
    await reconcile(cluster.cp.context); // unassigns ip in EC2 and forgets it
    const eniId = first.addresses[0]!.eni.eniId;
    expect(cluster.sim.model.getNetworkInterface(eniId)?.secondaryIps).not.toContain(ip);

    // The node's next lease, its index read not yet showing the trim
    const again = await leaseAddresses(stale(), node, {
      idempotencyKey: 'lease-c-0002',
      ipv4: 1,
      forPods: 1,
    });

    // Whatever it grants must be assigned on the ENI in EC2
    for (const a of again.addresses)
      expect(cluster.sim.model.getNetworkInterface(a.eni.eniId)?.secondaryIps).toContain(a.address);
  });
});

describe('Leases on a carving node with an owner index one lease behind', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster(
      defaultScenario([{ name: 'n', instanceType: 'm5.large', subnet: 'nodes', securityGroups: ['nodes'] }]),
      { carvePrefixes: true, now },
    );
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('does not lease again a spare address the node’s previous lease took', async () => {
    const node = cluster.instances.n![0]!;
    const client = cluster.nodeClient(node);
    await client.registerNode(node, { instanceType: 'm5.large', availabilityZone: AZ });
    await client.lease(node, { idempotencyKey: 'lease-n-0001', ipv4: 10 }); // one /28, 6 spare
    const stale = await withStaleOwnerIndex(cluster.cp.context, node);
    const second = await client.lease(node, { idempotencyKey: 'lease-n-0002', ipv4: 3 });

    // The next lease, its index read not yet showing the second one
    const third = await leaseAddresses(stale(), node, {
      idempotencyKey: 'lease-n-0003',
      ipv4: 3,
      forPods: 3,
    });

    const taken = new Set(second.addresses.map((a) => a.address));
    expect(third.addresses.filter((a) => taken.has(a.address))).toEqual([]);
    for (const a of third.addresses)
      expect((await getAddress(cluster.cp.ledger, a.address))?.leaseId).toBe('lease-n-0003');
  });
});
