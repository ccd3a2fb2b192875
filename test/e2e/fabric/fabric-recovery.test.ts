/**
 * The fabric when the kernel or its options go wrong: it repairs itself after a failed pass
 * without touching what the node agent built, and a start that fails leaves nothing behind.
 * Needs root: it creates network namespaces, veths and routes (CI runs as root).
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import { startEc2Simulator } from '../../../infra/local/ec2';
import { type Fabric, startFabric } from '../../../infra/local/fabric';
import { routerLinkName } from '../../../infra/local/fabric/names';
import {
  assignOneAddress,
  attachNewEni,
  createSubnets,
  type LaunchedInstance,
  launchRunning,
} from './ec2-steps';
import { ip, links, namespaces, routes, within } from './kernel-probes';

const PREFIX = 'fabr';
const isRoot = process.getuid?.() === 0;
const describeAsRoot = isRoot ? describe : describe.skip;
if (!isRoot) {
  process.stderr.write(
    'fabric-recovery.test.ts skipped: it creates network namespaces and veths, which needs root\n',
  );
}

describeAsRoot('Function: startFabric, recovery (as root, with the EC2 simulator)', () => {
  let simulator: Awaited<ReturnType<typeof startEc2Simulator>> | undefined;
  let ec2: EC2Client;
  let fabric: Fabric | undefined;
  let node: LaunchedInstance;
  let subnetId: string;
  const errors: unknown[] = [];

  beforeAll(async () => {
    simulator = await startEc2Simulator();
    ec2 = new EC2Client({
      endpoint: simulator.endpoint,
      region: simulator.region,
      credentials: { accessKeyId: 'AKIDFABRICTEST', secretAccessKey: 'fabric-test-secret' },
    });
    [subnetId] = (await createSubnets(ec2, `${simulator.region}a`, '10.40.0.0/16', ['10.40.1.0/24'])) as [
      string,
    ];
    [node] = (await launchRunning(ec2, subnetId, 1)) as [LaunchedInstance];
  });

  afterAll(async () => {
    try {
      await fabric?.stop();
    } finally {
      ec2?.destroy();
      await simulator?.stop();
      for (const name of (await namespaces()).filter(
        (n) => n.startsWith(`${PREFIX}-`) || n.startsWith(`${PREFIX}x-`),
      )) {
        await ip(['netns', 'del', name]).catch(() => undefined);
      }
    }
  });

  it('rejects an outside network that overlaps a subnet in use and leaves no namespace behind', async () => {
    // Act
    const started = startFabric({
      model: simulator!.model,
      prefix: `${PREFIX}x`,
      outsideCidr: '10.40.1.0/24',
    });

    // Assess
    await expect(started).rejects.toThrow(
      /outsideCidr="10.40.1.0\/24" is not valid: a network outside the VPC/,
    );
    expect((await namespaces()).filter((n) => n.startsWith(`${PREFIX}x-`))).toEqual([]);
  });

  it('rebuilds a link that vanished under it and keeps what else lives in the instance namespace', async () => {
    // Prepare
    fabric = await startFabric({ model: simulator!.model, prefix: PREFIX, onError: (e) => errors.push(e) });
    const nodeNs = fabric.nodeNamespace(node.instanceId);
    const eni = await attachNewEni(ec2, subnetId, node.instanceId, 1);
    await within(1000, async () => (await links(nodeNs)).some((l) => l.ifname === 'eth1'));
    await ip(['link', 'add', 'agentlink', 'type', 'veth', 'peer', 'name', 'agentpeer'], nodeNs);
    await ip(['link', 'del', routerLinkName(eni.eniId)], fabric.routerNamespace);

    // Act: the next change cannot be applied to the missing link.
    const address = await assignOneAddress(ec2, eni.eniId);
    await within(2000, async () =>
      (await routes(fabric!.routerNamespace)).some((r) => r.startsWith(`${address} `)),
    );

    // Assess
    expect(errors.length).toBeGreaterThan(0);
    const inNode = (await links(nodeNs)).map((l) => l.ifname);
    expect(inNode).toEqual(expect.arrayContaining(['eth0', 'eth1', 'agentlink']));
    expect((await links(nodeNs)).find((l) => l.ifname === 'eth0')?.addr_info).toEqual(
      expect.arrayContaining([expect.objectContaining({ local: node.privateIp, prefixlen: 24 })]),
    );
    expect(await routes(nodeNs)).toContain('default via 10.40.1.1 dev eth0');
  });
});
