import type { ApiClient } from '../../../core/api-client';
import { ApiCapacityError } from '../../../core/api-client';
import type { LeaseResponse } from '../../../core/contract/api';
import { TAGS } from '../../../core/contract/tags';
import { AZ, CLUSTER, defaultScenario, startTestCluster, type TestCluster } from './support/cluster';

let seq = 0;
const key = () => `lease-${String(++seq).padStart(8, '0')}`;

describe('Control plane: lease and release at every boundary', () => {
  let cluster: TestCluster;
  let client: (id: string) => ApiClient;

  beforeAll(async () => {
    cluster = await startTestCluster(
      defaultScenario([
        { name: 'fill', instanceType: 'm5.large', subnet: 'nodes', securityGroups: ['nodes'] },
        { name: 'capped', instanceType: 'm5.large', subnet: 'nodes', securityGroups: ['nodes'] },
        { name: 'pd', instanceType: 'm5.large', subnet: 'nodes', securityGroups: ['nodes'] },
        { name: 'rel', instanceType: 'm5.large', subnet: 'nodes', securityGroups: ['nodes'] },
        { name: 'topup', instanceType: 'm5.large', subnet: 'nodes', securityGroups: ['nodes'] },
        { name: 'refused', instanceType: 'm5.large', subnet: 'nodes', securityGroups: ['nodes'] },
      ]),
    );
    client = (id) => cluster.nodeClient(id);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  const eniOf = (eniId: string) => cluster.sim.model.getNetworkInterface(eniId);

  describe('secondary IPs on an m5.large (3 ENIs × 10 addresses)', () => {
    let node: string;

    beforeAll(async () => {
      node = cluster.instances.fill![0]!;
    });

    it('registers the node with its type limits and primary ENI', async () => {
      // Act
      const answer = await client(node).registerNode(node, {
        instanceType: 'm5.large',
        availabilityZone: AZ,
      });

      // Assess
      expect(answer.limits).toEqual({ maxEnis: 3, ipv4PerEni: 10, maxPods: 29 });
      expect(answer.primaryEni).toMatchObject({
        deviceIndex: 0,
        subnetCidr: '10.0.0.0/24',
        gateway: '10.0.0.1',
      });
      expect(answer.vpcCidrs).toEqual(['10.0.0.0/16']);
      // The primary ENI is claimed with the cluster's tags: the IAM fence on assignments needs them.
      const primaryTags = eniOf(answer.primaryEni.eniId)!.tags;
      expect(primaryTags.get(TAGS.clusterName)).toBe(CLUSTER);
      expect(primaryTags.get(TAGS.instanceId)).toBe(node);
    });

    it('uses room on the attached primary ENI with one AssignPrivateIpAddresses', async () => {
      // Prepare
      cluster.cp.ec2.resetStats();

      // Act
      const lease = await client(node).lease(node, { idempotencyKey: key(), ipv4: 5 });

      // Assess
      expect(lease.addresses).toHaveLength(5);
      expect(lease.addresses.every((a) => a.eni.deviceIndex === 0 && a.kind === 'ipv4')).toBe(true);
      const primary = eniOf(lease.addresses[0]!.eni.eniId)!;
      expect(primary.secondaryIps.sort()).toEqual(lease.addresses.map((a) => a.address).sort());
      expect(cluster.cp.ec2.stats().calls).toMatchObject({ AssignPrivateIpAddresses: 1 });
      expect(cluster.cp.ec2.stats().calls.CreateNetworkInterface).toBeUndefined();
    });

    it('fills the primary ENI, then creates, tags and attaches a new ENI in the tagged subnet', async () => {
      // Act
      const lease = await client(node).lease(node, { idempotencyKey: key(), ipv4: 10 });

      // Assess
      expect(lease.addresses).toHaveLength(10);
      const onPrimary = lease.addresses.filter((a) => a.eni.deviceIndex === 0);
      const onNew = lease.addresses.filter((a) => a.eni.deviceIndex === 1);
      expect(onPrimary).toHaveLength(4);
      expect(onNew).toHaveLength(6);
      const eni = eniOf(onNew[0]!.eni.eniId)!;
      expect(eni.subnetId).toBe(cluster.subnets.pods);
      expect(onNew[0]!.eni).toMatchObject({ subnetCidr: '10.0.16.0/20', gateway: '10.0.16.1' });
      expect(eni.attachment).toMatchObject({ instanceId: node, deviceIndex: 1 });
      // DeleteOnTermination is the reconciler's, off the lease's path.
      await cluster.cp.runReconciler();
      expect(eniOf(eni.networkInterfaceId)!.attachment).toMatchObject({ deleteOnTermination: true });
      expect(eni.tags.get(TAGS.clusterName)).toBe(CLUSTER);
      expect(eni.tags.get(TAGS.instanceId)).toBe(node);
      expect(Date.parse(eni.tags.get(TAGS.createdAt) ?? '')).not.toBeNaN();
      expect(eni.groupIds).toEqual([cluster.securityGroup]);
    });

    it('stops at the instance type limit with 409 EniLimitReached', async () => {
      // Prepare: 15 leased; the type allows 3 × 9 = 27.
      const rest = await client(node).lease(node, { idempotencyKey: key(), ipv4: 12 });

      // Act
      const error = await client(node)
        .lease(node, { idempotencyKey: key(), ipv4: 1 })
        .catch((e: unknown) => e);

      // Assess
      expect(rest.addresses).toHaveLength(12);
      expect(error).toBeInstanceOf(ApiCapacityError);
      expect((error as ApiCapacityError).status).toBe(409);
      expect((error as ApiCapacityError).reason).toBe('EniLimitReached');
      expect(cluster.sim.model.interfacesOfInstance(node)).toHaveLength(3);
    });
  });

  describe('MAX_ENI', () => {
    it('never attaches more ENIs than MAX_ENI even when the type allows more', async () => {
      // Prepare
      const node = cluster.instances.capped![0]!;
      await client(node).registerNode(node, { instanceType: 'm5.large', availabilityZone: AZ, maxEni: 2 });

      // Act
      const first = await client(node).lease(node, { idempotencyKey: key(), ipv4: 20 });
      const error = await client(node)
        .lease(node, { idempotencyKey: key(), ipv4: 1 })
        .catch((e: unknown) => e);

      // Assess
      expect(first.addresses).toHaveLength(18);
      expect((error as ApiCapacityError).reason).toBe('EniLimitReached');
      expect(cluster.sim.model.interfacesOfInstance(node)).toHaveLength(2);
    });
  });

  describe('prefix delegation', () => {
    it('leases aligned /28 prefixes with Ipv4PrefixCount', async () => {
      // Prepare
      const node = cluster.instances.pd![0]!;
      await client(node).registerNode(node, {
        instanceType: 'm5.large',
        availabilityZone: AZ,
        prefixDelegation: true,
      });

      // Act
      const lease = await client(node).lease(node, { idempotencyKey: key(), prefixes: 2 });

      // Assess
      expect(lease.addresses).toHaveLength(2);
      for (const a of lease.addresses) {
        expect(a.kind).toBe('prefix');
        expect(a.address).toMatch(/\/28$/);
        expect(Number(a.address.split('/')[0]!.split('.')[3]) % 16).toBe(0);
      }
      expect(eniOf(lease.addresses[0]!.eni.eniId)!.prefixes.sort()).toEqual(
        lease.addresses.map((a) => a.address).sort(),
      );
    });
  });

  describe('release', () => {
    let node: string;
    let lease: LeaseResponse;

    beforeAll(async () => {
      node = cluster.instances.rel![0]!;
      await client(node).registerNode(node, { instanceType: 'm5.large', availabilityZone: AZ });
      lease = await client(node).lease(node, { idempotencyKey: key(), ipv4: 12 });
    });

    it('gives addresses back to EC2 and reports what the node did not hold', async () => {
      // Prepare
      const onPrimary = lease.addresses
        .filter((a) => a.eni.deviceIndex === 0)
        .slice(0, 2)
        .map((a) => a.address);

      // Act
      const answer = await client(node).release(node, {
        idempotencyKey: key(),
        addresses: [...onPrimary, '10.0.99.99'],
      });

      // Assess
      expect(answer.released.sort()).toEqual(onPrimary.sort());
      expect(answer.unknown).toEqual(['10.0.99.99']);
      const primary = eniOf(lease.addresses[0]!.eni.eniId)!;
      for (const ip of onPrimary) expect(primary.secondaryIps).not.toContain(ip);
      const state = await client(node).getNode(node);
      expect(state.leased.map((a) => a.address)).not.toContain(onPrimary[0]);
    });

    it('answers two concurrent retries of one release identically, doing the work once', async () => {
      // Prepare
      const address = lease.addresses.filter((a) => a.eni.deviceIndex === 0)[2]!.address;
      const body = { idempotencyKey: key(), addresses: [address] };

      // Act
      const [first, second] = await Promise.all([
        client(node).release(node, body),
        client(node).release(node, body),
      ]);

      // Assess
      expect(first).toEqual({ released: [address], unknown: [] });
      expect(second).toEqual(first);
    });

    it('detaches and deletes a secondary ENI once all its addresses are released', async () => {
      // Prepare
      const onSecondary = lease.addresses.filter((a) => a.eni.deviceIndex === 1);
      const eniId = onSecondary[0]!.eni.eniId;

      // Act
      await client(node).release(node, {
        idempotencyKey: key(),
        addresses: onSecondary.map((a) => a.address),
      });

      // Assess
      expect(eniOf(eniId)).toBeUndefined();
      const state = await client(node).getNode(node);
      expect(state.enis.map((e) => e.eniId)).not.toContain(eniId);
      expect(cluster.sim.model.interfacesOfInstance(node)).toHaveLength(1);
    });

    it('reuses the freed device index for the next ENI', async () => {
      // Act
      const again = await client(node).lease(node, { idempotencyKey: key(), ipv4: 9 });

      // Assess
      expect(again.addresses.some((a) => a.eni.deviceIndex === 1)).toBe(true);
      expect(cluster.sim.model.interfacesOfInstance(node)).toHaveLength(2);
    });
  });
  describe('a request that needs a new ENI either way', () => {
    it('creates the ENI holding all of it, leaving the attached room to a later, smaller lease', async () => {
      // Prepare: 5 of the primary ENI's 9 slots leased, 4 free
      const node = cluster.instances.topup![0]!;
      await client(node).registerNode(node, { instanceType: 'm5.large', availabilityZone: AZ });
      await client(node).lease(node, { idempotencyKey: key(), ipv4: 5 });
      cluster.cp.ec2.resetStats();

      // Act: 9 fit one new ENI with or without topping up the primary
      const big = await client(node).lease(node, { idempotencyKey: key(), ipv4: 9 });
      const bigCalls = cluster.cp.ec2.stats().calls;
      cluster.cp.ec2.resetStats();
      const small = await client(node).lease(node, { idempotencyKey: key(), ipv4: 4 });

      // Assess
      expect(big.addresses).toHaveLength(9);
      expect(big.addresses.every((a) => a.eni.deviceIndex === 1)).toBe(true);
      expect(bigCalls.CreateNetworkInterface).toBe(1);
      expect(bigCalls.AssignPrivateIpAddresses).toBeUndefined();
      expect(small.addresses).toHaveLength(4);
      expect(small.addresses.every((a) => a.eni.deviceIndex === 0)).toBe(true);
      expect(cluster.cp.ec2.stats().calls).toMatchObject({ AssignPrivateIpAddresses: 1 });
    });
  });
  describe('an attach EC2 refuses', () => {
    it('deletes the new ENI, and a retry of the same request creates another under a new token', async () => {
      // Prepare: the primary ENI full, so the lease needs a new ENI
      const node = cluster.instances.refused![0]!;
      await client(node).registerNode(node, { instanceType: 'm5.large', availabilityZone: AZ });
      await client(node).lease(node, { idempotencyKey: key(), ipv4: 9 });
      cluster.sim.faults.failNext('AttachNetworkInterface', 1, 'InvalidParameterValue', 'attachment refused');
      const request = { idempotencyKey: key(), ipv4: 3 };

      // Act
      const refused = await client(node)
        .lease(node, request)
        .catch((e: unknown) => e);
      const retried = await client(node).lease(node, request);

      // Assess
      expect(refused).toBeInstanceOf(Error);
      expect(retried.addresses).toHaveLength(3);
      const eniId = retried.addresses[0]!.eni.eniId;
      expect(eniOf(eniId)?.attachment).toMatchObject({ instanceId: node, deviceIndex: 1 });
      expect(cluster.sim.model.interfacesOfInstance(node)).toHaveLength(2);
      const leftOver = cluster.sim.model
        .listNetworkInterfaces([{ name: `tag:${TAGS.instanceId}`, values: [node] }])
        .filter((e) => e.status === 'available');
      expect(leftOver).toEqual([]);
    });
  });
});
