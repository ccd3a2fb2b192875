/**
 * The scale-up baseline's per-node ipamd model against the EC2 simulator through the real
 * SDK client: WARM_ENI_TARGET=1 fills the primary ENI first, attaches one ENI when the free
 * addresses drop below one ENI's worth, and frees a whole idle ENI after the cooldown.
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import { IpamdNode } from '../../../bench/scale-up/ipamd-model';
import { type Ec2Simulator, startEc2Simulator } from '../../../infra/local/ec2';

const SCENARIO = {
  vpcs: [
    {
      name: 'vpc',
      cidrBlock: '10.9.0.0/16',
      subnets: [
        {
          name: 'nodes',
          cidrBlock: '10.9.0.0/20',
          availabilityZone: 'us-east-1a',
          tags: { 'kubernetes.io/role/cni': '1' },
        },
      ],
      securityGroups: [{ name: 'nodes' }],
    },
  ],
  instances: [{ name: 'node', instanceType: 'm5.xlarge', subnet: 'nodes', securityGroups: ['nodes'] }],
};

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('Class: IpamdNode', () => {
  let sim: Ec2Simulator;
  let ec2: EC2Client;
  let node: IpamdNode | undefined;

  beforeAll(async () => {
    sim = await startEc2Simulator({
      scenario: SCENARIO,
      throttling: false,
      attachDelayMs: 20,
      detachDelayMs: 20,
    });
    ec2 = new EC2Client({
      endpoint: sim.endpoint,
      region: sim.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });
  afterEach(() => node?.stop());
  afterAll(async () => {
    ec2?.destroy();
    await sim?.stop();
  });

  it('keeps one ENI of free addresses, attaching one more as pods take them, and frees it when idle', async () => {
    // Prepare
    const instanceId = sim.scenario.instances.node![0]!;
    const instance = sim.model.getInstance(instanceId)!;
    node = new IpamdNode({
      ec2,
      instanceId,
      subnetId: instance.subnetId,
      securityGroupIds: Object.values(sim.scenario.securityGroups),
      clusterName: 'bench-test',
      maxEnis: 4,
      ipv4PerEni: 15,
      maxPods: 58,
      attachmentStatus: (eniId) => sim.model.getNetworkInterface(eniId)?.attachment?.status,
      timeScale: 0.01,
    });

    // Act
    await node.start();
    await until(() => node!.idle() === 14);
    const afterStart = { enis: node.eniCount(), idle: node.idle() };
    const pods = Array.from({ length: 5 }, () => node!.tryAssign());
    await until(() => node!.eniCount() === 2 && node!.idle() === 23);
    const afterPods = { enis: node.eniCount(), idle: node.idle() };
    for (const ip of pods) node.unassign(ip!);
    await until(() => node!.eniCount() === 1);

    // Assess
    expect(afterStart).toEqual({ enis: 1, idle: 14 });
    expect(pods.every((ip) => ip !== undefined)).toBe(true);
    expect(afterPods).toEqual({ enis: 2, idle: 23 });
    await until(() => sim.model.interfacesOfInstance(instanceId).length === 1);
    expect(node.idle()).toBe(14);
  });

  it('fails an ADD at once when no address is free, as ipamd does', () => {
    // Prepare
    const instanceId = sim.scenario.instances.node![0]!;
    node = new IpamdNode({
      ec2,
      instanceId,
      subnetId: sim.model.getInstance(instanceId)!.subnetId,
      securityGroupIds: [],
      clusterName: 'bench-test',
      maxEnis: 4,
      ipv4PerEni: 15,
      maxPods: 58,
      attachmentStatus: () => undefined,
    });

    // Act
    const ip = node.tryAssign();

    // Assess
    expect(ip).toBeUndefined();
    expect(node.idle()).toBe(0);
  });
});
