/**
 * The simulated VPC fabric against the kernel, driven by the EC2 simulator through the real
 * SDK client. Needs root: it creates network namespaces, veths and routes (CI runs as root).
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import { startEc2Simulator } from '../../../infra/local/ec2';
import { type Fabric, startFabric } from '../../../infra/local/fabric';
import { routerLinkName } from '../../../infra/local/fabric/names';
import {
  type AttachedEni,
  assignOneAddress,
  assignOnePrefix,
  attachNewEni,
  createSubnets,
  detach,
  type LaunchedInstance,
  launchRunning,
  terminate,
  unassign,
} from './ec2-steps';
import { ip, links, namespaces, pings, reversePathDrops, routes, within } from './kernel-probes';

const PREFIX = 'fabt';
const isRoot = process.getuid?.() === 0;
const describeAsRoot = isRoot ? describe : describe.skip;
if (!isRoot) {
  process.stderr.write(
    'fabric.test.ts skipped: it creates network namespaces, veths and routes, which needs root\n',
  );
}

/** The fabric must follow EC2 by itself within a second (the attach and detach delays included). */
const FOLLOW_MS = 1000;

function nthAddressOf(prefix: string, n: number): string {
  const [network] = prefix.split('/');
  const octets = network!.split('.').map(Number);
  octets[3] = octets[3]! + n;
  return octets.join('.');
}

describeAsRoot('Function: startFabric (as root, with the EC2 simulator)', () => {
  let simulator: Awaited<ReturnType<typeof startEc2Simulator>> | undefined;
  let ec2: EC2Client;
  let fabric: Fabric | undefined;
  let a: LaunchedInstance;
  let b: LaunchedInstance;
  let podSubnetId: string;
  const seenRouterLinks = new Set<string>();

  beforeAll(async () => {
    simulator = await startEc2Simulator();
    ec2 = new EC2Client({
      endpoint: simulator.endpoint,
      region: simulator.region,
      credentials: { accessKeyId: 'AKIDFABRICTEST', secretAccessKey: 'fabric-test-secret' },
    });
    const zone = `${simulator.region}a`;
    const [nodeSubnetId, secondSubnetId] = await createSubnets(ec2, zone, '10.30.0.0/16', [
      '10.30.1.0/24',
      '10.30.2.0/24',
    ]);
    podSubnetId = secondSubnetId!;
    [a, b] = (await launchRunning(ec2, nodeSubnetId!, 2)) as [LaunchedInstance, LaunchedInstance];
    fabric = await startFabric({ model: simulator.model, prefix: PREFIX });
  });

  afterAll(async () => {
    try {
      await fabric?.stop();
    } finally {
      ec2?.destroy();
      await simulator?.stop();
      // Whatever a failed run left under this file's prefix.
      for (const name of (await namespaces()).filter((n) => n.startsWith(`${PREFIX}-`))) {
        await ip(['netns', 'del', name]).catch(() => undefined);
      }
    }
  });

  describe('when two instances are running', () => {
    it("gives each a namespace with lo up and eth0 carrying the simulator's MAC, primary address and default route", async () => {
      // Act
      const inA = await links(fabric!.nodeNamespace(a.instanceId));
      const routesA = await routes(fabric!.nodeNamespace(a.instanceId));

      // Assess
      const lo = inA.find((l) => l.ifname === 'lo');
      const eth0 = inA.find((l) => l.ifname === 'eth0');
      expect(lo?.flags).toContain('UP');
      expect(eth0?.address).toBe(a.mac);
      expect(eth0?.mtu).toBe(9001);
      expect(eth0?.addr_info?.filter((x) => x.family === 'inet')).toEqual([
        expect.objectContaining({ local: a.privateIp, prefixlen: 24 }),
      ]);
      expect(routesA).toContain('default via 10.30.1.1 dev eth0');
    });

    it('lets the primary addresses ping each other through the router (one hop, 9001-byte MTU) and reach the outside address', async () => {
      // Act
      const aToB = await pings(fabric!.nodeNamespace(a.instanceId), b.privateIp);
      const jumbo = await pings(fabric!.nodeNamespace(a.instanceId), b.privateIp, { size: 8900 });
      const bToA = await pings(fabric!.nodeNamespace(b.instanceId), a.privateIp);
      const aOut = await pings(fabric!.nodeNamespace(a.instanceId), fabric!.outsideAddress);
      const bOut = await pings(fabric!.nodeNamespace(b.instanceId), fabric!.outsideAddress);

      // Assess
      expect(aToB).toEqual({ ok: true, output: expect.stringContaining('ttl=63') });
      expect(bToA.ok).toBe(true);
      expect(jumbo.ok).toBe(true);
      expect(aOut).toEqual({ ok: true, output: expect.stringContaining('ttl=63') });
      expect(bOut.ok).toBe(true);
      expect(fabric!.outsideAddress).toBe('203.0.113.10');
    });
  });

  describe('when an ENI is attached to an instance and an address assigned to it', () => {
    let eni: AttachedEni;
    let secondary: string;
    let prefix: string;

    beforeAll(async () => {
      eni = await attachNewEni(ec2, podSubnetId, a.instanceId, 1);
      secondary = await assignOneAddress(ec2, eni.eniId);
      seenRouterLinks.add(routerLinkName(eni.eniId));
    });

    it('shows the ENI as eth1 with its MAC in the instance and routes its addresses to it within a second', async () => {
      // Prepare
      const nodeNs = fabric!.nodeNamespace(a.instanceId);
      const router = routerLinkName(eni.eniId);

      // Act
      await within(FOLLOW_MS, async () => (await links(nodeNs)).some((l) => l.ifname === 'eth1'));
      await within(FOLLOW_MS, async () =>
        (await routes(fabric!.routerNamespace)).some((r) => r.startsWith(`${secondary} `)),
      );

      // Assess
      expect((await links(nodeNs)).find((l) => l.ifname === 'eth1')?.address).toBe(eni.mac);
      const routerRoutes = await routes(fabric!.routerNamespace);
      expect(routerRoutes).toContain(`${secondary} via 169.254.0.1 dev ${router} onlink`);
      expect(routerRoutes).toContain(`${eni.primaryIp} via 169.254.0.1 dev ${router} onlink`);
    });

    it('drops a packet from that address leaving by the wrong ENI and passes it by the right one (source/dest check)', async () => {
      // Prepare: the address on eth1, but the instance's only default route leaves by eth0.
      const nodeNs = fabric!.nodeNamespace(a.instanceId);
      await ip(['addr', 'add', `${secondary}/32`, 'dev', 'eth1'], nodeNs);
      expect((await pings(nodeNs, '10.30.1.1')).ok).toBe(true);
      const dropsBefore = await reversePathDrops(fabric!.routerNamespace);

      // Act
      const wrongEni = await pings(nodeNs, b.privateIp, { source: secondary });
      const dropsAfter = await reversePathDrops(fabric!.routerNamespace);
      await ip(['rule', 'add', 'from', '10.30.2.0/24', 'lookup', '101', 'pref', '1000'], nodeNs);
      await ip(
        ['route', 'add', 'default', 'via', '10.30.2.1', 'dev', 'eth1', 'onlink', 'table', '101'],
        nodeNs,
      );
      const rightEni = await pings(nodeNs, b.privateIp, { source: secondary });
      const fromB = await pings(fabric!.nodeNamespace(b.instanceId), secondary);

      // Assess
      expect(wrongEni.ok).toBe(false);
      expect(dropsAfter).toBeGreaterThan(dropsBefore);
      expect(rightEni.ok).toBe(true);
      expect(fromB.ok).toBe(true);
    });

    it('routes a delegated /28 prefix to the ENI within a second', async () => {
      // Prepare
      const nodeNs = fabric!.nodeNamespace(a.instanceId);

      // Act
      prefix = await assignOnePrefix(ec2, eni.eniId);
      await within(FOLLOW_MS, async () =>
        (await routes(fabric!.routerNamespace)).some((r) => r.startsWith(`${prefix} `)),
      );
      const inPrefix = nthAddressOf(prefix, 5);
      await ip(['addr', 'add', `${inPrefix}/32`, 'dev', 'eth1'], nodeNs);
      const fromB = await pings(fabric!.nodeNamespace(b.instanceId), inPrefix);

      // Assess
      expect(await routes(fabric!.routerNamespace)).toContain(
        `${prefix} via 169.254.0.1 dev ${routerLinkName(eni.eniId)} onlink`,
      );
      expect(fromB.ok).toBe(true);
    });

    it('removes the routes of unassigned addresses and prefixes within a second', async () => {
      // Act
      await unassign(ec2, eni.eniId, { addresses: [secondary], prefixes: [prefix] });
      const took = await within(FOLLOW_MS, async () => {
        const now = await routes(fabric!.routerNamespace);
        return !now.some((r) => r.startsWith(`${secondary} `) || r.startsWith(`${prefix} `));
      });
      const fromB = await pings(fabric!.nodeNamespace(b.instanceId), secondary);

      // Assess
      expect(took).toBeLessThanOrEqual(FOLLOW_MS);
      expect(fromB.ok).toBe(false);
      expect(await routes(fabric!.routerNamespace)).toContain(
        `${eni.primaryIp} via 169.254.0.1 dev ${routerLinkName(eni.eniId)} onlink`,
      );
    });

    it('removes the link from both namespaces within a second of a detach', async () => {
      // Act
      await detach(ec2, eni.attachmentId);
      await within(FOLLOW_MS, async () => {
        const inNode = await links(fabric!.nodeNamespace(a.instanceId));
        const inRouter = await links(fabric!.routerNamespace);
        return (
          !inNode.some((l) => l.ifname === 'eth1') &&
          !inRouter.some((l) => l.ifname === routerLinkName(eni.eniId))
        );
      });

      // Assess
      expect((await routes(fabric!.routerNamespace)).some((r) => r.includes(routerLinkName(eni.eniId)))).toBe(
        false,
      );
      expect((await pings(fabric!.nodeNamespace(a.instanceId), b.privateIp)).ok).toBe(true);
    });
  });

  describe('when an instance is terminated', () => {
    it('removes its namespace and its router link within a second, and leaves the other instance working', async () => {
      // Prepare
      const bNs = fabric!.nodeNamespace(b.instanceId);
      expect(await namespaces()).toContain(bNs);

      // Act
      await terminate(ec2, b.instanceId);
      await within(FOLLOW_MS, async () => !(await namespaces()).includes(bNs));

      // Assess
      const routerRoutes = await routes(fabric!.routerNamespace);
      expect(routerRoutes.some((r) => r.startsWith(`${b.privateIp} `))).toBe(false);
      expect((await pings(fabric!.nodeNamespace(a.instanceId), fabric!.outsideAddress)).ok).toBe(true);
    });
  });

  describe('with bad options', () => {
    it('rejects an outsideCidr with host bits, naming the field and what is allowed, and creates nothing', async () => {
      // Act
      const started = startFabric({
        model: simulator!.model,
        prefix: 'fabtbad',
        outsideCidr: '203.0.113.7/24',
      });

      // Assess
      await expect(started).rejects.toThrow(/outsideCidr="203.0.113.7\/24" is not valid: an IPv4 network/);
      expect((await namespaces()).filter((n) => n.startsWith('fabtbad-'))).toEqual([]);
    });
  });

  describe('Method: stop', () => {
    it('leaves no namespace of the fabric and no link of it in the root namespace', async () => {
      // Prepare
      for (const link of await links(fabric!.routerNamespace)) seenRouterLinks.add(link.ifname);
      seenRouterLinks.delete('lo');

      // Act
      await fabric!.stop();

      // Assess
      expect((await namespaces()).filter((n) => n.startsWith(`${PREFIX}-`))).toEqual([]);
      const rootLinks = (await links()).map((l) => l.ifname);
      expect(rootLinks.filter((name) => seenRouterLinks.has(name))).toEqual([]);
      expect(seenRouterLinks.size).toBeGreaterThan(1);
    });
  });
});
