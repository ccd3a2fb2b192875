import { AssignPrivateIpAddressesCommand } from '@aws-sdk/client-ec2';
import type { ApiClient, ApiInvalidInputError, ApiUnavailableError } from '../../../core/api-client';
import { LEASE_NOT_STARTED } from '../../../core/contract/api';
import { addressesOf, cidrContains, parseCidr, parseIpv4 } from '../../../core/net/ipv4';
import { AZ, defaultScenario, startTestCluster, type TestCluster } from './support/cluster';

let seq = 0;
const key = () => `carve-${String(++seq).padStart(8, '0')}`;

describe('Control plane: single addresses carved out of /28 prefixes', () => {
  let cluster: TestCluster;
  let client: (id: string) => ApiClient;
  const assignCalls = () => cluster.sim.stats().actions.AssignPrivateIpAddresses?.calls ?? 0;
  const eniOf = (eniId: string) => cluster.sim.model.getNetworkInterface(eniId)!;

  beforeAll(async () => {
    cluster = await startTestCluster(
      defaultScenario([
        { name: 'nitro', instanceType: 'm5.large', subnet: 'nodes', securityGroups: ['nodes'] },
        { name: 'xen', instanceType: 'c3.2xlarge', subnet: 'nodes', securityGroups: ['nodes'] },
        { name: 'cycle', instanceType: 'm5.large', subnet: 'nodes', securityGroups: ['nodes'] },
      ]),
      { carvePrefixes: true },
    );
    client = (id) => cluster.nodeClient(id);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  describe('on a Nitro node', () => {
    let node: string;
    let primaryEniId: string;
    const leasedSoFar = new Set<string>();

    beforeAll(async () => {
      node = cluster.instances.nitro![0]!;
      const answer = await client(node).registerNode(node, {
        instanceType: 'm5.large',
        availabilityZone: AZ,
      });
      primaryEniId = answer.primaryEni.eniId;
    });

    it('serves ten addresses out of one prefix on the primary ENI, with one EC2 call', async () => {
      // Prepare
      const callsBefore = assignCalls();

      // Act
      const answer = await client(node).lease(node, { idempotencyKey: key(), ipv4: 10 });

      // Assess
      expect(assignCalls() - callsBefore).toBe(1);
      const eni = eniOf(primaryEniId);
      expect(eni.prefixes).toHaveLength(1);
      expect(eni.secondaryIps).toHaveLength(0);
      const prefix = parseCidr(eni.prefixes[0]!);
      expect(answer.addresses).toHaveLength(10);
      for (const a of answer.addresses) {
        expect(a.kind).toBe('ipv4');
        expect(a.eni.eniId).toBe(primaryEniId);
        expect(cidrContains(prefix, parseIpv4(a.address))).toBe(true);
        leasedSoFar.add(a.address);
      }
    });

    it('tells an operator which addresses are leased and which are the prefix spare', async () => {
      // Prepare
      const prefix = eniOf(primaryEniId).prefixes[0]!;
      const leased = [...leasedSoFar][0]!;
      const spare = addressesOf(parseCidr(prefix)).find((ip) => !leasedSoFar.has(ip))!;

      // Act
      const leasedView = await cluster.operatorClient().lookupIp(leased);
      const spareView = await cluster.operatorClient().lookupIp(spare);

      // Assess
      expect(leasedView).toMatchObject({ state: 'leased', instanceId: node, eniId: primaryEniId });
      expect(spareView).toMatchObject({ state: 'spare', instanceId: node, eniId: primaryEniId });
      // The subnet view counts the 6 spare with the 10 leased as held for the node, unused.
      const { subnets } = await cluster.operatorClient().subnetCapacity();
      const nodesSubnet = subnets.find((x) => x.subnetId === cluster.subnets.nodes)!;
      expect(nodesSubnet).toMatchObject({ leasedToNodes: 10, assignedToPods: 0, idleInWarmPools: 16 });
    });

    it('takes the spare first, then covers a small remainder with single addresses', async () => {
      // Prepare
      const callsBefore = assignCalls();

      // Act
      const answer = await client(node).lease(node, { idempotencyKey: key(), ipv4: 9 });

      // Assess: 6 spare without a call, then one call for 3 single addresses
      expect(answer.addresses).toHaveLength(9);
      expect(assignCalls() - callsBefore).toBe(1);
      const eni = eniOf(primaryEniId);
      expect(eni.prefixes).toHaveLength(1);
      expect(eni.secondaryIps).toHaveLength(3);
      for (const a of answer.addresses) {
        expect(leasedSoFar.has(a.address)).toBe(false);
        leasedSoFar.add(a.address);
      }
      expect(leasedSoFar.size).toBe(19);
    });

    it('answers a whole-prefix request with prefixes only and never hands out an address twice', async () => {
      // Act
      const answer = await client(node).lease(node, { idempotencyKey: key(), ipv4: 32 });

      // Assess
      expect(answer.addresses).toHaveLength(32);
      expect(eniOf(primaryEniId).prefixes).toHaveLength(3);
      for (const a of answer.addresses) {
        expect(leasedSoFar.has(a.address)).toBe(false);
        leasedSoFar.add(a.address);
      }
    });
  });

  it('gives a prefix back to EC2 once all its addresses are released, and single addresses one by one', async () => {
    // Prepare
    const node = cluster.instances.cycle![0]!;
    const { primaryEni } = await client(node).registerNode(node, {
      instanceType: 'm5.large',
      availabilityZone: AZ,
    });
    const carved = await client(node).lease(node, { idempotencyKey: key(), ipv4: 12 });
    const singles = await client(node).lease(node, { idempotencyKey: key(), ipv4: 6 });
    expect(eniOf(primaryEni.eniId).prefixes).toHaveLength(1);
    expect(eniOf(primaryEni.eniId).secondaryIps).toHaveLength(2);
    const carvedAddresses = carved.addresses.map((a) => a.address);

    // Act: half the prefix's addresses back, then the rest (the test cluster cools for 0 s)
    await client(node).release(node, { idempotencyKey: key(), addresses: carvedAddresses.slice(0, 6) });
    const prefixAfterHalf = [...eniOf(primaryEni.eniId).prefixes];
    await client(node).release(node, {
      idempotencyKey: key(),
      addresses: [...carvedAddresses.slice(6), ...singles.addresses.map((a) => a.address)],
    });

    // Assess
    expect(prefixAfterHalf).toHaveLength(1);
    expect(eniOf(primaryEni.eniId).prefixes).toHaveLength(0);
    expect(eniOf(primaryEni.eniId).secondaryIps).toHaveLength(0);
    const view = await cluster.operatorClient().lookupIp(carvedAddresses[0]!);
    expect(view.state).toBe('unknown');
  });

  it('leases single addresses on a node that is not built on Nitro', async () => {
    // Prepare
    const node = cluster.instances.xen![0]!;
    const { primaryEni } = await client(node).registerNode(node, {
      instanceType: 'c3.2xlarge',
      availabilityZone: AZ,
    });

    // Act
    const answer = await client(node).lease(node, { idempotencyKey: key(), ipv4: 10 });

    // Assess
    expect(answer.addresses).toHaveLength(10);
    expect(eniOf(primaryEni.eniId).prefixes).toHaveLength(0);
    expect(eniOf(primaryEni.eniId).secondaryIps).toHaveLength(10);
  });
});

describe('Control plane: carving in a subnet with no aligned /28 left', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    const scenario = defaultScenario([
      { name: 'node', instanceType: 'm5.large', subnet: 'small', securityGroups: ['nodes'] },
      { name: 'other', instanceType: 'm5.large', subnet: 'small', securityGroups: ['nodes'] },
    ]);
    scenario.vpcs![0]!.subnets!.push({ name: 'small', cidrBlock: '10.0.1.0/27', availabilityZone: AZ });
    cluster = await startTestCluster(scenario, { carvePrefixes: true });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('falls back to single addresses when EC2 answers InsufficientCidrBlocks', async () => {
    // Prepare: one address taken in each /28 of the /27 (the primaries sit in the first)
    const other = cluster.instances.other![0]!;
    const otherEni = cluster.sim.model
      .listNetworkInterfaces()
      .find((e) => e.attachment?.instanceId === other)!;
    await cluster.ec2.send(
      new AssignPrivateIpAddressesCommand({
        NetworkInterfaceId: otherEni.networkInterfaceId,
        PrivateIpAddresses: ['10.0.1.20'],
      }),
    );
    const node = cluster.instances.node![0]!;
    const client = cluster.nodeClient(node);
    const { primaryEni } = await client.registerNode(node, {
      instanceType: 'm5.large',
      availabilityZone: AZ,
    });

    const callsBefore = cluster.sim.stats().actions.AssignPrivateIpAddresses?.calls ?? 0;

    // Act: 8 would take a prefix, to keep the m5.large's slots for growth
    const answer = await client.lease(node, { idempotencyKey: key(), ipv4: 8 });

    // Assess
    expect(answer.addresses).toHaveLength(8);
    const eni = cluster.sim.model.getNetworkInterface(primaryEni.eniId)!;
    expect(eni.prefixes).toHaveLength(0);
    expect(eni.secondaryIps).toHaveLength(8);
    // The refused prefix, then the single addresses.
    expect((cluster.sim.stats().actions.AssignPrivateIpAddresses?.calls ?? 0) - callsBefore).toBe(2);
  });
});

describe('Control plane: carving when the EC2 budget is nearly spent', () => {
  let cluster: TestCluster;
  const leasedHere: string[] = [];

  beforeAll(async () => {
    cluster = await startTestCluster(
      defaultScenario([
        { name: 'node', instanceType: 'm5.large', subnet: 'nodes', securityGroups: ['nodes'] },
        { name: 'stranger', instanceType: 'm5.large', subnet: 'nodes', securityGroups: ['nodes'] },
      ]),
      { carvePrefixes: true, budget: { 'ip-and-eni': { capacity: 1, refillPerSecond: 0.1 } } },
    );
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it("answers the prefix its pods wait for rather than queue for the warm pool's few single addresses", async () => {
    // Prepare
    const node = cluster.instances.node![0]!;
    const client = cluster.nodeClient(node);
    await client.registerNode(node, { instanceType: 'm5.large', availabilityZone: AZ });

    // Act: 19 is a prefix and 3 single addresses, 16 of them for pods; the budget has one token
    const answer = await client.lease(node, { idempotencyKey: key(), ipv4: 19, forPods: 16 });

    // Assess
    expect(answer.addresses).toHaveLength(16);
    expect(cluster.sim.stats().actions.AssignPrivateIpAddresses?.calls).toBe(1);
    expect(cluster.sim.stats().actions.CreateNetworkInterface?.calls ?? 0).toBe(0);
    leasedHere.push(...answer.addresses.map((a) => a.address));
  });

  it('serves a warm-pool top-up from addresses given back, with the budget spent', async () => {
    // Prepare: two of the prefix's addresses released (no cooldown in this cluster)
    const node = cluster.instances.node![0]!;
    const client = cluster.nodeClient(node);
    const givenBack = leasedHere.slice(0, 2);
    await client.release(node, { idempotencyKey: key(), addresses: givenBack });
    const callsBefore = cluster.sim.stats().actions.AssignPrivateIpAddresses?.calls ?? 0;

    // Act
    const answer = await client.lease(node, { idempotencyKey: key(), ipv4: 2, forPods: 0 });

    // Assess
    expect(answer.addresses.map((a) => a.address).sort()).toEqual([...givenBack].sort());
    expect(cluster.sim.stats().actions.AssignPrivateIpAddresses?.calls ?? 0).toBe(callsBefore);
  });

  it('defers a warm-pool top-up that would need EC2, with the budget spent', async () => {
    // Prepare
    const node = cluster.instances.node![0]!;
    const client = cluster.nodeClient(node);

    // Act
    const error = await client
      .lease(node, { idempotencyKey: key(), ipv4: 2, forPods: 0 })
      .catch((e: unknown) => e);

    // Assess
    expect((error as ApiUnavailableError).body?.code).toBe(LEASE_NOT_STARTED);
  });

  it('answers an unregistered node 404 rather than defer its top-up', async () => {
    // Prepare: an instance that never registered
    const stranger = cluster.instances.stranger![0]!;

    // Act
    const error = await cluster
      .nodeClient(stranger)
      .lease(stranger, { idempotencyKey: key(), ipv4: 2, forPods: 0 })
      .catch((e: unknown) => e);

    // Assess
    expect((error as ApiInvalidInputError).status).toBe(404);
  });
});
