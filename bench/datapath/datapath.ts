/**
 * Datapath throughput (root, iperf3 from Debian): pod↔pod on one node, on a node crowded
 * with kubelet's default 110 pods, and across two simulated nodes through the VPC fabric's
 * router, each pod wired by the shipped plugin and agent, against a bare veth pair between
 * two namespaces with the same MTU, measured in the same run and interleaved round by round
 * so the machine's load hits every path alike.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { LocalNode } from '../../infra/local/cloud';
import { figure } from '../lib/figures';
import { startLocalNodes, waitForLeases } from '../lib/local-nodes';
import { addNetns, deleteNetns, type PodSpec } from '../lib/pods';
import type { Benchmark } from '../lib/runner';
import { type IperfServer, measureGbps, startIperfServer } from './iperf';
import { plainChain } from './plain-chain';
import { CROWDED_NODE_PODS, wireCrowdedNode, wirePod } from './pods';
import { ruleLayouts } from './rule-layouts';

const run = promisify(execFile);
const PREFIX = `bdp${process.pid % 100_000}`;
/** A /30 from TEST-NET-2 for the bare pair: never routed anywhere. */
const VETH_A = '198.51.100.1';
const VETH_B = '198.51.100.2';
/** The references' endpoints, from the same block; each chain has namespaces of its own. */
const PLAIN_CLIENT = '198.51.100.9';
const PLAIN_SERVER = '198.51.100.10';

/** The crowded node's two layouts swap places every other round, so neither always goes first. */
function inRound<T extends { key: string }>(paths: T[], round: number): T[] {
  if (round % 2 === 0) return paths;
  const at = paths.findIndex((p) => p.key === 'crowded');
  const swapped = [...paths];
  [swapped[at], swapped[at + 1]] = [swapped[at + 1]!, swapped[at]!];
  return swapped;
}

async function barePair(mtu: number): Promise<[string, string]> {
  const [a, b] = [`${PREFIX}-va`, `${PREFIX}-vb`];
  await addNetns(a);
  await addNetns(b);
  const ip = (ns: string, ...args: string[]) => run('ip', ['-n', ns, ...args]);
  await ip(
    a,
    'link',
    'add',
    'veth0',
    'mtu',
    String(mtu),
    'type',
    'veth',
    'peer',
    'name',
    'veth0',
    'netns',
    b,
    'mtu',
    String(mtu),
  );
  await ip(a, 'addr', 'add', `${VETH_A}/30`, 'dev', 'veth0');
  await ip(b, 'addr', 'add', `${VETH_B}/30`, 'dev', 'veth0');
  for (const ns of [a, b]) {
    await ip(ns, 'link', 'set', 'veth0', 'up');
    await ip(ns, 'link', 'set', 'lo', 'up');
  }
  return [a, b];
}

export const datapath: Benchmark = {
  name: 'datapath',
  summary: 'iperf3 pod↔pod on one node, on a node with 110 pods and across two nodes vs a bare veth pair',
  needsRoot: true,
  async run({ quick, log }) {
    const rounds = quick ? 2 : 9;
    const seconds = quick ? 2 : 4;
    const crowd = quick ? 30 : CROWDED_NODE_PODS;
    // Room for the crowded node's pods on its primary ENI's carved prefixes.
    const nodes = await startLocalNodes({ count: 3, instanceType: 'm5.4xlarge', prefix: PREFIX });
    const netns: string[] = [];
    const servers: IperfServer[] = [];
    try {
      const [nodeA, nodeB, nodeC] = nodes.nodes as [LocalNode, LocalNode, LocalNode];
      const agentA = await nodes.startAgent(nodeA, {});
      const agentB = await nodes.startAgent(nodeB, {});
      // Every address leased before the first ADD, so no pod waits on the control plane.
      const agentC = await nodes.startAgent(nodeC, { MINIMUM_IP_TARGET: String(crowd + 5) });
      await waitForLeases(nodes.cluster, nodeA.instanceId, 2);
      await waitForLeases(nodes.cluster, nodeB.instanceId, 1);
      await waitForLeases(nodes.cluster, nodeC.instanceId, crowd + 5);
      await nodes.fabric.sync();
      const pod = (name: string): PodSpec => ({
        containerId: `dp${name}`.padEnd(16, '0'),
        namespace: 'bench',
        name,
        netns: `${PREFIX}-${name}`,
      });
      const [a1, a2, b1] = [pod('a1'), pod('a2'), pod('b1')];
      netns.push(a1.netns, a2.netns, b1.netns);
      await wirePod(agentA, a1);
      const a2Ip = (await wirePod(agentA, a2)).ip;
      const b1Ip = (await wirePod(agentB, b1)).ip;
      log(`wiring ${crowd} pods on a third node`);
      const crowded = await wireCrowdedNode(agentC, crowd, PREFIX, netns);
      const layouts = ruleLayouts(nodes.hostNetns(nodeC), crowded.pods);
      const mtu = Number(agentA.pluginConfig().mtu ?? 9001);
      const [va, vb] = await barePair(mtu);
      netns.push(va, vb);
      // The same hops as the two pod paths (one forwarding namespace; three) with plain routing.
      const plain1 = await plainChain({
        prefix: `${PREFIX}-p1`,
        forwarders: 1,
        mtu,
        clientIp: PLAIN_CLIENT,
        serverIp: PLAIN_SERVER,
        made: netns,
      });
      const plain3 = await plainChain({
        prefix: `${PREFIX}-p3`,
        forwarders: 3,
        mtu,
        clientIp: PLAIN_CLIENT,
        serverIp: PLAIN_SERVER,
        made: netns,
      });
      const congestionControl = (
        await run('ip', ['netns', 'exec', a1.netns, 'cat', '/proc/sys/net/ipv4/tcp_congestion_control'])
      ).stdout.trim();

      const samples: Record<
        'veth' | 'same' | 'crowded' | 'rulePerPod' | 'plain1' | 'cross' | 'plain3',
        number[]
      > = { veth: [], same: [], crowded: [], rulePerPod: [], plain1: [], cross: [], plain3: [] };
      const serve = async (netns: string, address: string) => {
        const server = await startIperfServer(netns, address);
        servers.push(server);
        return server;
      };
      const crowdedServer = await serve(crowded.server.netns, crowded.server.ip);
      // Measured in this order every round, so the machine's load hits every path alike.
      const paths: {
        key: keyof typeof samples;
        client: string;
        server: IperfServer;
        rulePerPod?: boolean;
      }[] = [
        { key: 'veth', client: va, server: await serve(vb, VETH_B) },
        { key: 'same', client: a1.netns, server: await serve(a2.netns, a2Ip) },
        { key: 'crowded', client: crowded.client.netns, server: crowdedServer },
        { key: 'rulePerPod', client: crowded.client.netns, server: crowdedServer, rulePerPod: true },
        { key: 'plain1', client: plain1.clientNetns, server: await serve(plain1.serverNetns, PLAIN_SERVER) },
        { key: 'cross', client: a1.netns, server: await serve(b1.netns, b1Ip) },
        { key: 'plain3', client: plain3.clientNetns, server: await serve(plain3.serverNetns, PLAIN_SERVER) },
      ];
      for (let r = 0; r < rounds; r++) {
        log(`round ${r + 1}/${rounds}: ${seconds} s per path`);
        for (const path of inRound(paths, r)) {
          if (path.rulePerPod) await layouts.toRulePerPod();
          try {
            samples[path.key].push(await measureGbps(path.client, path.server, seconds));
          } finally {
            if (path.rulePerPod) await layouts.toPodsTable();
          }
        }
      }
      const vethMedian = figure({ name: 'x', unit: 'Gbit/s', samples: samples.veth }).summary.median;
      const baseline = { name: 'veth', median: vethMedian };
      const ratios = (xs: number[], to = samples.veth) => xs.map((x, i) => x / to[i]!);
      return {
        figures: [
          figure({ name: 'bare veth pair', unit: 'Gbit/s', samples: samples.veth }),
          figure({ name: 'pod↔pod, same node', unit: 'Gbit/s', samples: samples.same, baseline }),
          figure({
            name: `pod↔pod, same node with ${crowd} pods`,
            unit: 'Gbit/s',
            samples: samples.crowded,
            baseline,
          }),
          figure({
            name: `pod↔pod, same node with ${crowd} pods, a rule per pod`,
            unit: 'Gbit/s',
            samples: samples.rulePerPod,
            baseline,
          }),
          figure({
            name: 'reference: one forwarding namespace',
            unit: 'Gbit/s',
            samples: samples.plain1,
            baseline,
          }),
          figure({ name: 'pod↔pod, two nodes', unit: 'Gbit/s', samples: samples.cross, baseline }),
          figure({
            name: 'reference: three forwarding namespaces',
            unit: 'Gbit/s',
            samples: samples.plain3,
            baseline,
          }),
          figure({
            name: 'same node / veth, per round',
            unit: '×',
            samples: ratios(samples.same),
            target: { op: '>=', value: 0.9 },
          }),
          figure({
            name: `same node with ${crowd} pods / veth, per round`,
            unit: '×',
            samples: ratios(samples.crowded),
            target: { op: '>=', value: 0.9 },
          }),
          figure({
            name: `same node with ${crowd} pods / same node with 2, per round`,
            unit: '×',
            samples: ratios(samples.crowded, samples.same),
          }),
          figure({
            name: `same node with ${crowd} pods, pods table / a rule per pod, per round`,
            unit: '×',
            samples: ratios(samples.crowded, samples.rulePerPod),
          }),
          figure({
            name: 'two nodes / veth, per round',
            unit: '×',
            samples: ratios(samples.cross),
            target: { op: '>=', value: 0.9 },
          }),
          figure({
            name: 'reference one forward / veth, per round',
            unit: '×',
            samples: ratios(samples.plain1),
          }),
          figure({
            name: 'reference three forwards / veth, per round',
            unit: '×',
            samples: ratios(samples.plain3),
          }),
          figure({
            name: 'same node / its reference, per round',
            unit: '×',
            samples: ratios(samples.same, samples.plain1),
          }),
          figure({
            name: 'two nodes / its reference, per round',
            unit: '×',
            samples: ratios(samples.cross, samples.plain3),
          }),
        ],
        notes: [
          `iperf3, one TCP stream, ${seconds} s per measurement, ${rounds} rounds with the seven paths interleaved; MTU ${mtu} on the bare pair and the references as on the pods`,
          `crowded node: ${crowd} pods wired through the plugin, 8 ADDs at a time; iperf3 between two pods wired mid-way (with a policy rule per pod, as the AWS VPC CNI lays them out, each packet walks past about half of them); measured in the pods-table layout the agent sets up, and right after it in the rule-per-pod layout of earlier versions and the AWS VPC CNI (512: to <pod> lookup main, in wiring order, no pods table), switched by hand between measurements and back`,
          "two nodes: pod → host veth → node → ENI link → the fabric's router (source/dest check) → ENI link → node → pod",
          'references: the same veth crossings and forwarding namespaces as each pod path, with static routes only (no policy rules, no iptables or conntrack, no rp_filter); pod path / reference is what Ledger and the fabric add to the hops',
          `TCP congestion control in the pods' namespaces: ${congestionControl} (the machine's default, inherited by every namespace; one setting for all paths)`,
        ],
      };
    } finally {
      for (const server of servers) await server.stop().catch(() => undefined);
      await deleteNetns(netns);
      await nodes.stop();
    }
  },
};
