/**
 * A whole cluster on this machine, as root: 2 t3.medium nodes (3 ENIs x 6 addresses) with 12
 * pods each, so every node fills its primary ENI and spills onto a second and a third. Every
 * pod reaches every other across nodes and the outside through SNAT; deleted pods leave no
 * link or rule and their addresses come back to the pool after the cooldown.
 */
import { execFileSync } from 'node:child_process';
import type { EC2Client } from '@aws-sdk/client-ec2';
import {
  addressSeenBy,
  checkSnat,
  pingAllPairs,
  startPeerEchoServer,
} from '../../../infra/local/demo/checks';
import { type LocalCluster, startLocalCluster } from '../../../infra/local/demo/cluster';
import { type RunningPod, stopPod } from '../../../infra/local/demo/pods';
import { hostVethName } from '../../../node-agent/datapath/names';
import {
  cleanUpAll,
  ec2Client,
  enisOf,
  eventually,
  introspect,
  ipJsonIn,
  isRoot,
  linkNames,
  type PoolView,
  podRules,
  startPods,
  uniquePrefix,
} from './support';

const PREFIX = uniquePrefix('cnet');
const PODS_PER_NODE = 12;
// Long enough that twelve DELs one after another all finish inside it, even where a plugin
// process takes 100 ms to start: the test checks every deleted pod's address is still cooling.
const COOLDOWN_SECONDS = 10;

const suite = isRoot ? describe : describe.skip;
if (!isRoot)
  console.warn('cluster pod-network e2e skipped: it needs root for namespaces, veths and iptables');

suite('Local cluster: pod network across nodes', () => {
  let cluster: LocalCluster;
  let ec2: EC2Client;
  const pods: RunningPod[] = [];

  beforeAll(async () => {
    cluster = await startLocalCluster({
      prefix: PREFIX,
      nodes: 2,
      instanceType: 't3.medium',
      // Secondary ENIs are what this file checks; carving would keep every pod on the primary.
      carvePrefixes: false,
      agentEnv: { IP_COOLDOWN_PERIOD: String(COOLDOWN_SECONDS) },
    });
    ec2 = ec2Client(cluster);
    for (const [index, agent] of [...cluster.agents.values()].entries()) {
      pods.push(...(await startPods(agent, PREFIX, `web${index + 1}`, PODS_PER_NODE)));
    }
  }, 180_000);

  afterAll(async () => {
    await cleanUpAll(
      () => ec2?.destroy(),
      () => cluster?.stop(),
    );
  }, 60_000);

  it('fills the primary ENI and spills onto a second and a third on every node', async () => {
    for (const node of cluster.cloud.nodes) {
      // Act
      const enis = await enisOf(ec2, node.instanceId);

      // Assess
      const deviceOf = new Map(
        enis.flatMap((eni) =>
          (eni.PrivateIpAddresses ?? []).map((a) => [a.PrivateIpAddress!, eni.Attachment!.DeviceIndex!]),
        ),
      );
      const podDevices = new Set(
        pods.filter((p) => p.instanceId === node.instanceId).map((p) => deviceOf.get(p.ip)),
      );
      expect(enis).toHaveLength(3);
      expect([...podDevices].sort()).toEqual([0, 1, 2]);
    }
  });

  it('gives each secondary ENI link its primary address without a second route to the subnet', async () => {
    for (const agent of cluster.agents.values()) {
      // Prepare
      const secondaries = (await enisOf(ec2, agent.instanceId)).filter((e) => e.Attachment!.DeviceIndex! > 0);

      // Act
      const links = ipJsonIn<{
        ifname: string;
        address: string;
        addr_info: { family: string; local: string }[];
      }>(agent.hostNetns, ['address', 'show']);
      const mainRoutes = ipJsonIn<{ dst: string; dev: string }>(agent.hostNetns, [
        'route',
        'show',
        'table',
        'main',
      ]);

      // Assess
      for (const eni of secondaries) {
        const link = links.find((l) => l.address === eni.MacAddress);
        expect(link?.addr_info.filter((a) => a.family === 'inet').map((a) => a.local)).toEqual([
          eni.PrivateIpAddress,
        ]);
        expect(mainRoutes.filter((r) => r.dev === link?.ifname)).toEqual([]);
      }
      expect(secondaries).toHaveLength(2);
    }
  });

  it('routes secondary-ENI pods by their ENI for every destination (SNAT marks what leaves the VPC)', async () => {
    for (const agent of cluster.agents.values()) {
      // Prepare
      const secondaryIps = (await enisOf(ec2, agent.instanceId))
        .filter((e) => e.Attachment!.DeviceIndex! > 0)
        .flatMap((e) =>
          (e.PrivateIpAddresses ?? []).filter((a) => !a.Primary).map((a) => a.PrivateIpAddress!),
        );
      const podsThere = pods.filter((p) => p.instanceId === agent.instanceId && secondaryIps.includes(p.ip));

      // Act
      const fromRules = podRules(agent.hostNetns).filter((r) => r.priority === 1536);

      // Assess
      expect(podsThere.length).toBeGreaterThan(0);
      expect(fromRules.map((r) => `${r.src} to ${r.dst ?? 'all'}`).sort()).toEqual(
        podsThere.map((p) => `${p.ip} to all`).sort(),
      );
    }
  });

  it('has each agent turn on forwarding and loose reverse-path filtering in its node', () => {
    for (const agent of cluster.agents.values()) {
      // Act
      const sysctl = (key: string) =>
        execFileSync('ip', ['netns', 'exec', agent.hostNetns, 'cat', `/proc/sys/net/ipv4/${key}`], {
          encoding: 'utf8',
        }).trim();

      // Assess
      expect({ forward: sysctl('ip_forward'), rpFilter: sysctl('conf/eth0/rp_filter') }).toEqual({
        forward: '1',
        rpFilter: '2',
      });
    }
  });

  it('lets every pod reach every other pod, across nodes and ENIs', async () => {
    // Act
    const results = await pingAllPairs(pods, { concurrency: 8 });

    // Assess
    const failed = results
      .filter((r) => !r.ok)
      .map((r) => `${r.from.name}(${r.from.ip})->${r.to.name}(${r.to.ip})`);
    expect(results).toHaveLength(pods.length * (pods.length - 1));
    expect(failed).toEqual([]);
  }, 120_000);

  it("reaches the outside through SNAT to the node's primary IP, from every ENI", async () => {
    // Prepare
    const server = await startPeerEchoServer(cluster.fabric.outsideNamespace, cluster.fabric.outsideAddress);
    const primaryIp = new Map(cluster.cloud.nodes.map((n) => [n.instanceId, n.privateIp]));
    try {
      // Act
      const results = await checkSnat(pods, server, (id) => primaryIp.get(id)!);

      // Assess
      const seen = results.map((r) => ({ pod: r.pod.ip, seenAs: r.seenAs }));
      const expected = pods.map((p) => ({ pod: p.ip, seenAs: primaryIp.get(p.instanceId) }));
      expect(seen).toEqual(expected);
    } finally {
      await server.stop();
    }
  }, 120_000);

  it('answers a NodePort connection from a secondary-ENI pod back through the primary ENI', async () => {
    // Prepare: kube-proxy's DNAT of a node port on node 1 to a pod on one of its secondary ENIs
    const [nodeA, nodeB] = cluster.cloud.nodes;
    const agentA = cluster.agents.get(nodeA!.instanceId)!;
    const agentB = cluster.agents.get(nodeB!.instanceId)!;
    const secondaryIps = (await enisOf(ec2, nodeA!.instanceId))
      .filter((e) => e.Attachment!.DeviceIndex! > 0)
      .flatMap((e) => (e.PrivateIpAddresses ?? []).map((a) => a.PrivateIpAddress!));
    const backend = pods.find((p) => p.instanceId === nodeA!.instanceId && secondaryIps.includes(p.ip))!;
    const dnat = [
      'PREROUTING',
      '-d',
      nodeA!.privateIp,
      '-p',
      'tcp',
      '--dport',
      '30080',
      '-j',
      'DNAT',
      '--to-destination',
      `${backend.ip}:8080`,
    ];
    const iptables = (verb: string) =>
      execFileSync('ip', ['netns', 'exec', agentA.hostNetns, 'iptables', '-t', 'nat', verb, ...dnat]);
    const server = await startPeerEchoServer(backend.netns, backend.ip);
    iptables('-A');
    try {
      // Act: from the other node, inside the VPC, so the pod's reply would take its ENI's table
      const seenAs = await addressSeenBy(agentB.hostNetns, { address: nodeA!.privateIp, port: 30080 });

      // Assess: the reply left by the primary ENI, else the VPC's source/dest check drops it
      expect(seenAs).toBe(nodeB!.privateIp);
    } finally {
      iptables('-D');
      await server.stop();
    }
  }, 60_000);

  it('returns deleted pods’ addresses to the pool after the cooldown, leaving no link or rule', async () => {
    // Prepare
    const agent = [...cluster.agents.values()][0]!;
    const mine = pods.filter((p) => p.instanceId === agent.instanceId);
    const before = await introspect<PoolView>(agent, '/v1/pool');

    // Act
    for (const pod of mine) await stopPod(agent, pod);
    const justAfter = await introspect<PoolView>(agent, '/v1/pool');

    // Assess
    expect(before.counts.assigned).toBe(PODS_PER_NODE);
    expect(justAfter.counts).toMatchObject({ assigned: 0, cooling: PODS_PER_NODE });
    const links = linkNames(agent.hostNetns);
    expect(
      mine.map((p) => hostVethName('eni', p.namespace, p.name)).filter((l) => links.includes(l)),
    ).toEqual([]);
    expect(podRules(agent.hostNetns)).toEqual([]);
    const cooled = await eventually('the cooldown to end', async () => {
      const view = await introspect<PoolView>(agent, '/v1/pool');
      return view.counts.cooling === 0 ? view : undefined;
    });
    expect(cooled.counts.total - cooled.counts.assigned).toBeGreaterThanOrEqual(PODS_PER_NODE);
    pods.splice(0, pods.length, ...pods.filter((p) => p.instanceId !== agent.instanceId));
  }, 60_000);
});
