import {
  AttachNetworkInterfaceCommand,
  CreateNetworkInterfaceCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { ApiInvalidInputError } from '../../../core/api-client';
import { TAGS } from '../../../core/contract/tags';
import { AZ, CLUSTER, defaultScenario, startTestCluster, type TestCluster } from './support/cluster';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function untilTerminated(cluster: TestCluster, instanceId: string): Promise<void> {
  for (let i = 0; i < 100 && cluster.sim.model.getInstance(instanceId)?.state !== 'terminated'; i++)
    await sleep(20);
}

describe('Control plane: node lifecycle and leaked ENIs', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await startTestCluster(
      defaultScenario([
        { name: 'n', instanceType: 'm5.large', subnet: 'nodes', securityGroups: ['nodes'], count: 3 },
      ]),
      { leakGraceSeconds: 60 },
    );
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('an instance-terminated event removes the node, its addresses and its ENIs', async () => {
    // Prepare
    const node = cluster.instances.n![0]!;
    const client = cluster.nodeClient(node);
    await client.registerNode(node, { instanceType: 'm5.large', availabilityZone: AZ });
    const lease = await client.lease(node, { idempotencyKey: 'term-lease-01', ipv4: 12 });
    const secondaryEni = lease.addresses.find((a) => a.eni.deviceIndex === 1)!.eni.eniId;

    // Act
    await cluster.ec2.send(new TerminateInstancesCommand({ InstanceIds: [node] }));
    await untilTerminated(cluster, node);
    await cluster.cp.eventsSettled();

    // Assess
    const error = await cluster
      .operatorClient()
      .getNode(node)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiInvalidInputError);
    expect((error as ApiInvalidInputError).status).toBe(404);
    expect((await cluster.operatorClient().lookupIp(lease.addresses[0]!.address)).state).toBe('unknown');
    expect(cluster.sim.model.getNetworkInterface(secondaryEni)).toBeUndefined();
    expect((await cluster.operatorClient().listNodes()).nodes.map((n) => n.instanceId)).not.toContain(node);
  });

  it('sweeps an available ENI tagged with the cluster only after the grace period, sparing others', async () => {
    // Prepare
    const old = new Date(Date.now() - 120_000).toISOString();
    const young = new Date().toISOString();
    const make = async (tags: Record<string, string>) => {
      const out = await cluster.ec2.send(
        new CreateNetworkInterfaceCommand({
          SubnetId: cluster.subnets.pods,
          TagSpecifications: [
            {
              ResourceType: 'network-interface',
              Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
            },
          ],
        }),
      );
      return out.NetworkInterface!.NetworkInterfaceId!;
    };
    const leaked = await make({ [TAGS.clusterName]: CLUSTER, [TAGS.createdAt]: old });
    const tooYoung = await make({ [TAGS.clusterName]: CLUSTER, [TAGS.createdAt]: young });
    const noManage = await make({
      [TAGS.clusterName]: CLUSTER,
      [TAGS.createdAt]: old,
      [TAGS.noManage]: 'true',
    });
    const otherCluster = await make({ [TAGS.clusterName]: 'someone-else', [TAGS.createdAt]: old });

    // Act
    const report = await cluster.cp.runReconciler();

    // Assess
    expect(report.enisSwept).toEqual([leaked]);
    expect(cluster.sim.model.getNetworkInterface(leaked)).toBeUndefined();
    for (const kept of [tooYoung, noManage, otherCluster])
      expect(cluster.sim.model.getNetworkInterface(kept)).toBeDefined();
  });

  it('never fills, detaches or sweeps an ENI tagged no_manage that is attached to a node', async () => {
    // Prepare
    const node = cluster.instances.n![1]!;
    const created = await cluster.ec2.send(
      new CreateNetworkInterfaceCommand({
        SubnetId: cluster.subnets.pods,
        TagSpecifications: [
          {
            ResourceType: 'network-interface',
            Tags: [
              { Key: TAGS.clusterName, Value: CLUSTER },
              { Key: TAGS.instanceId, Value: node },
              { Key: TAGS.noManage, Value: 'true' },
            ],
          },
        ],
      }),
    );
    const unmanaged = created.NetworkInterface!.NetworkInterfaceId!;
    await cluster.ec2.send(
      new AttachNetworkInterfaceCommand({ NetworkInterfaceId: unmanaged, InstanceId: node, DeviceIndex: 1 }),
    );
    const client = cluster.nodeClient(node);
    await client.registerNode(node, { instanceType: 'm5.large', availabilityZone: AZ });

    // Act
    const lease = await client.lease(node, { idempotencyKey: 'nomanage-001', ipv4: 12 });
    await cluster.cp.runReconciler();

    // Assess
    expect(lease.addresses.map((a) => a.eni.eniId)).not.toContain(unmanaged);
    expect(lease.addresses.find((a) => a.eni.deviceIndex > 0)!.eni.deviceIndex).toBe(2);
    const eni = cluster.sim.model.getNetworkInterface(unmanaged)!;
    expect(eni.secondaryIps).toEqual([]);
    expect(eni.attachment?.deviceIndex).toBe(1);
  });
});

describe('Control plane: reconciler without instance events', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await startTestCluster(
      defaultScenario([{ name: 'n', instanceType: 'm5.large', subnet: 'nodes', securityGroups: ['nodes'] }]),
    );
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('drops a node whose instance is gone when its event was missed', async () => {
    // Prepare
    const node = cluster.instances.n![0]!;
    await cluster.nodeClient(node).registerNode(node, { instanceType: 'm5.large', availabilityZone: AZ });
    await cluster.nodeClient(node).lease(node, { idempotencyKey: 'missed-evt-1', ipv4: 2 });
    // Events stop reaching the host, as if EventBridge had dropped them.
    cluster.sim.model.removeAllListeners('change');
    await cluster.ec2.send(new TerminateInstancesCommand({ InstanceIds: [node] }));
    await untilTerminated(cluster, node);

    // Act
    const report = await cluster.cp.runReconciler();

    // Assess
    expect(report.nodesForgotten).toEqual([node]);
    expect((await cluster.operatorClient().listNodes()).nodes).toEqual([]);
  });
});

describe('Control plane: custom networking', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    const scenario = defaultScenario([
      { name: 'n', instanceType: 'm5.large', subnet: 'nodes', securityGroups: ['nodes'] },
    ]);
    scenario.vpcs![0]!.subnets!.push({ name: 'custom', cidrBlock: '10.0.64.0/20', availabilityZone: AZ });
    scenario.vpcs![0]!.securityGroups!.push({ name: 'pods' });
    // The config names ids the simulator assigns when the scenario runs; each test sets it.
    cluster = await startTestCluster(scenario, { customNetworkConfigs: {} });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('puts pod ENIs in the subnet and security groups of the config named by the zone', async () => {
    // Prepare
    cluster.cp.context.config.customNetworkConfigs[AZ] = {
      subnetId: cluster.subnets.custom!,
      securityGroups: [cluster.sim.scenario.securityGroups.pods!],
    };
    const node = cluster.instances.n![0]!;
    const client = cluster.nodeClient(node);

    // Act
    const registered = await client.registerNode(node, {
      instanceType: 'm5.large',
      availabilityZone: AZ,
      customNetworking: true,
    });
    const lease = await client.lease(node, { idempotencyKey: 'custom-net-01', ipv4: 3 });

    // Assess
    expect(registered.customNetwork).toEqual({
      name: AZ,
      subnetId: cluster.subnets.custom,
      securityGroups: [cluster.sim.scenario.securityGroups.pods],
    });
    expect(registered.limits.maxPods).toBe(2 * 9 + 2);
    expect(
      lease.addresses.every((a) => a.eni.subnetId === cluster.subnets.custom && a.eni.deviceIndex === 1),
    ).toBe(true);
    expect(lease.addresses[0]!.eni.securityGroups).toEqual([cluster.sim.scenario.securityGroups.pods]);
  });

  it('refuses custom networking when no config matches the node', async () => {
    // Prepare
    delete cluster.cp.context.config.customNetworkConfigs[AZ];
    const node = cluster.instances.n![0]!;

    // Act
    const error = await cluster
      .nodeClient(node)
      .registerNode(node, { instanceType: 'm5.large', availabilityZone: AZ, customNetworking: true })
      .catch((e: unknown) => e);

    // Assess
    expect((error as ApiInvalidInputError).field).toBe('customNetworking');
    expect((error as Error).message).toMatch(/us-east-1a/);
  });
});

describe('Control plane: SUBNET_IDS', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    const scenario = defaultScenario([
      { name: 'n', instanceType: 'm5.large', subnet: 'nodes', securityGroups: ['nodes'] },
    ]);
    scenario.vpcs![0]!.subnets!.push({ name: 'listed', cidrBlock: '10.0.96.0/24', availabilityZone: AZ });
    cluster = await startTestCluster(scenario);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('creates ENIs only in the listed subnets, even when a tagged subnet has more room', async () => {
    // Prepare: the id exists only once the scenario ran.
    cluster.cp.context.config.subnetIds = [cluster.subnets.listed!];
    const node = cluster.instances.n![0]!;
    const client = cluster.nodeClient(node);
    await client.registerNode(node, { instanceType: 'm5.large', availabilityZone: AZ });

    // Act
    const lease = await client.lease(node, { idempotencyKey: 'subnet-ids-01', ipv4: 12 });

    // Assess
    const onNewEni = lease.addresses.filter((a) => a.eni.deviceIndex === 1);
    expect(onNewEni.length).toBeGreaterThan(0);
    expect(onNewEni.every((a) => a.eni.subnetId === cluster.subnets.listed)).toBe(true);
  });
});
