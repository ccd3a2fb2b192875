/**
 * Plugin latency (root): the shipped plugin executed as a runtime executes it (only PATH and
 * CNI_*), against the shipped agent holding a warm pool on a simulated node. ADD then DEL of
 * pods one after another, then bursts of concurrent ADDs; `node -e 0` and the plugin's own
 * VERSION run in the same run as floors. A second node serves the same plugin from the
 * agent's parts with a stopwatch, to split one ADD into its parts.
 */
import { request } from 'node:http';
import { join } from 'node:path';
import { AGENT_ROUTES } from '../../core/contract/agent-socket';
import type { LocalNode } from '../../infra/local/cloud';
import { figure } from '../lib/figures';
import { type LocalNodes, startLocalNodes, waitForLeases } from '../lib/local-nodes';
import { repoPath } from '../lib/paths';
import {
  addNetns,
  benchPod,
  cniEnv,
  deleteNetns,
  type PodSpec,
  RUNTIME_PATH,
  requireSuccess,
  timedExec,
} from '../lib/pods';
import type { Figure } from '../lib/results';
import type { Benchmark, BenchOptions } from '../lib/runner';
import { pairedBursts, pluginBurst } from './burst';
import { startTimedAgent } from './timed-agent';

const PREFIX = `bpl${process.pid % 100_000}`;
const INSTANCE_TYPE = 'm5.24xlarge';

export const PLUGIN_LATENCY = {
  sequentialPods: 200,
  burstPods: 30,
  bursts: 3,
  floorRuns: 40,
  breakdownPods: 50,
} as const;

function podOf(tag: string, n: number): PodSpec {
  return benchPod(tag, n, PREFIX);
}

function configOf(agentSocket: string, dir: string): string {
  return JSON.stringify({
    cniVersion: '1.0.0',
    name: 'ledger-cni',
    type: 'ledger-cni',
    mtu: 9001,
    agentSocket,
    pluginLogFile: join(dir, 'plugin.log'),
    pluginLogLevel: 'INFO',
  });
}

const PLUGIN = () => repoPath('dist', 'ledger-cni');

async function floors(runs: number) {
  const node: number[] = [];
  const version: number[] = [];
  for (let i = 0; i < runs; i++) {
    node.push(
      requireSuccess('node -e 0', await timedExec(process.execPath, ['-e', '0'], { PATH: RUNTIME_PATH })).ms,
    );
    const env = { PATH: RUNTIME_PATH, CNI_COMMAND: 'VERSION' };
    version.push(requireSuccess('plugin VERSION', await timedExec(PLUGIN(), [], env)).ms);
  }
  return { node, version };
}

async function sequential(config: string, pods: PodSpec[]) {
  const add: number[] = [];
  const del: number[] = [];
  for (const pod of pods) await addNetns(pod.netns);
  try {
    for (const pod of pods)
      add.push(
        requireSuccess(`ADD ${pod.name}`, await timedExec(PLUGIN(), [], cniEnv('ADD', pod), config)).ms,
      );
    for (const pod of pods)
      del.push(
        requireSuccess(`DEL ${pod.name}`, await timedExec(PLUGIN(), [], cniEnv('DEL', pod), config)).ms,
      );
  } finally {
    await deleteNetns(pods.map((p) => p.netns));
  }
  return { add, del };
}

/** One request straight to the agent socket, as the plugin sends it: the agent's whole share. */
function callAgent(socketPath: string, path: string, body: unknown): Promise<number> {
  const payload = JSON.stringify(body);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath,
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(performance.now() - started)
            : reject(new Error(`${path}: HTTP ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

function agentRequest(pod: PodSpec) {
  return {
    containerId: pod.containerId,
    ifName: 'eth0',
    netns: `/run/netns/${pod.netns}`,
    podNamespace: pod.namespace,
    podName: pod.name,
    mtu: 9001,
  };
}

async function breakdown(nodes: LocalNodes, node: LocalNode, pods: PodSpec[], direct: PodSpec[]) {
  const agent = await startTimedAgent({
    cluster: nodes.cluster,
    node,
    hostNetns: nodes.hostNetns(node),
    directory: join(nodes.dir, 'timed', node.instanceId),
    addresses: pods.length + direct.length + 5,
    syncFabric: () => nodes.fabric.sync(),
  });
  const config = configOf(agent.socketPath, join(nodes.dir, 'timed'));
  const add = { total: [] as number[], pool: [] as number[], datapath: [] as number[], rest: [] as number[] };
  const del = { total: [] as number[], pool: [] as number[], datapath: [] as number[], rest: [] as number[] };
  // ADD runs the pool, then the datapath; DEL runs both at once, so only the longer one counts.
  const record = (into: typeof add, ms: number) => {
    const parts = agent.takeParts();
    const agentMs =
      into === add ? parts.assignMs + parts.datapathMs : Math.max(parts.assignMs, parts.datapathMs);
    into.total.push(ms);
    into.pool.push(parts.assignMs);
    into.datapath.push(parts.datapathMs);
    into.rest.push(ms - agentMs);
  };
  const agentAdd: number[] = [];
  const agentDel: number[] = [];
  for (const pod of pods) await addNetns(pod.netns);
  try {
    agent.takeParts();
    for (const pod of pods) {
      record(
        add,
        requireSuccess(`ADD ${pod.name}`, await timedExec(PLUGIN(), [], cniEnv('ADD', pod), config)).ms,
      );
    }
    for (const pod of pods) {
      record(
        del,
        requireSuccess(`DEL ${pod.name}`, await timedExec(PLUGIN(), [], cniEnv('DEL', pod), config)).ms,
      );
    }
    for (const pod of direct) await addNetns(pod.netns);
    for (const pod of direct)
      agentAdd.push(await callAgent(agent.socketPath, AGENT_ROUTES.add, agentRequest(pod)));
    for (const pod of direct)
      agentDel.push(await callAgent(agent.socketPath, AGENT_ROUTES.del, agentRequest(pod)));
  } finally {
    await deleteNetns([...pods, ...direct].map((p) => p.netns));
    await agent.stop();
  }
  return { add, del, agentAdd, agentDel };
}

export const pluginLatency: Benchmark = {
  name: 'plugin-latency',
  summary: 'ADD/DEL of pods one after another and a 30-pod burst through the shipped plugin and agent',
  needsRoot: true,
  async run({ quick, log }: BenchOptions) {
    const sequentialPods = quick ? 40 : PLUGIN_LATENCY.sequentialPods;
    const burstRounds = quick ? 1 : PLUGIN_LATENCY.bursts;
    const warm = sequentialPods + PLUGIN_LATENCY.burstPods * burstRounds + 10;
    const nodes = await startLocalNodes({ count: 2, instanceType: INSTANCE_TYPE, prefix: PREFIX });
    try {
      const [node, timedNode] = nodes.nodes as [LocalNode, LocalNode];
      log(`starting the shipped agent with a warm pool of ${warm} addresses`);
      const agent = await nodes.startAgent(node, {
        MINIMUM_IP_TARGET: String(warm),
        WARM_IP_TARGET: '10',
      });
      await waitForLeases(nodes.cluster, node.instanceId, warm);
      await nodes.fabric.sync();
      const config = configOf(agent.socketPath, nodes.dir);

      log('floors: node -e 0 and the plugin answering VERSION');
      const floor = await floors(quick ? 10 : PLUGIN_LATENCY.floorRuns);
      log(`${sequentialPods} pods: ADD one after another, then DEL`);
      const seq = await sequential(
        config,
        Array.from({ length: sequentialPods }, (_, i) => podOf('s', i)),
      );
      const bursts = await pairedBursts(
        burstRounds,
        (b) => Array.from({ length: PLUGIN_LATENCY.burstPods }, (_, i) => podOf(`b${b}x`, i)),
        (pods) => pluginBurst(PLUGIN(), config, pods),
        log,
      );
      log('breakdown of ADD on the instrumented agent');
      const breakdownPods = quick ? 15 : PLUGIN_LATENCY.breakdownPods;
      const parts = await breakdown(
        nodes,
        timedNode,
        Array.from({ length: breakdownPods }, (_, i) => podOf('t', i)),
        Array.from({ length: breakdownPods }, (_, i) => podOf('d', i)),
      );
      const nodeFloor = figure({ name: 'x', unit: 'ms', samples: floor.node }).summary.median;
      const burstFloor = figure({
        name: `burst floor: ${PLUGIN_LATENCY.burstPods} × node -e 0 at once`,
        unit: 'ms',
        samples: bursts.floor,
      });
      const burstBaseline = { name: 'burst floor', median: burstFloor.summary.median };
      const figures: Figure[] = [
        figure({ name: 'floor: node -e 0', unit: 'ms', samples: floor.node }),
        figure({
          name: 'plugin start: VERSION',
          unit: 'ms',
          samples: floor.version,
          baseline: { name: 'node -e 0', median: nodeFloor },
        }),
        figure({
          name: 'ADD p50',
          unit: 'ms',
          samples: seq.add,
          target: { op: '<=', value: 40 },
          baseline: { name: 'node -e 0', median: nodeFloor },
        }),
        figure({ name: 'ADD p99', unit: 'ms', samples: seq.add, target: { op: '<=', value: 80, on: 'p99' } }),
        figure({
          name: 'DEL p50',
          unit: 'ms',
          samples: seq.del,
          target: { op: '<=', value: 35 },
          baseline: { name: 'node -e 0', median: nodeFloor },
        }),
        burstFloor,
        figure({
          name: `burst of ${PLUGIN_LATENCY.burstPods}: ADD p50`,
          unit: 'ms',
          samples: bursts.plugin,
          target: { op: '<=', value: 250 },
          baseline: burstBaseline,
        }),
        figure({
          name: `burst of ${PLUGIN_LATENCY.burstPods}: ADD p99`,
          unit: 'ms',
          samples: bursts.plugin,
          target: { op: '<=', value: 500, on: 'p99' },
        }),
        ...(['add', 'del'] as const).flatMap((command) => {
          const p = parts[command];
          const label = command.toUpperCase();
          return [
            figure({ name: `${label} breakdown: whole (instrumented agent)`, unit: 'ms', samples: p.total }),
            figure({ name: `${label} breakdown: pool + checkpoint write`, unit: 'ms', samples: p.pool }),
            figure({ name: `${label} breakdown: datapath commands`, unit: 'ms', samples: p.datapath }),
            figure({
              name: `${label} breakdown: plugin start, socket, parsing`,
              unit: 'ms',
              samples: p.rest,
            }),
            figure({
              name: `${label} breakdown: agent round trip on its socket, no plugin`,
              unit: 'ms',
              samples: command === 'add' ? parts.agentAdd : parts.agentDel,
            }),
          ];
        }),
      ];
      return {
        figures,
        notes: [
          `${INSTANCE_TYPE} node on the simulated VPC fabric; the shipped dist/ledger-agent and dist/ledger-cni; the plugin runs in the root namespace with only PATH and CNI_* set`,
          `sequential: ${sequentialPods} ADDs, then ${sequentialPods} DELs; bursts: ${burstRounds} × ${PLUGIN_LATENCY.burstPods} ADDs started at once, each timed from its own spawn, each round after a burst of as many \`node -e 0\` started the same way (the burst floor: what ${PLUGIN_LATENCY.burstPods} Node runtimes cost on this machine before any pod's work; the burst's ratio is to its median)`,
          'breakdown: the agent parts in the benchmark process with a stopwatch; "pool + checkpoint write" is pool.assign or pool.unassign (bookkeeping, atomic write, fsync), which DEL runs alongside its datapath commands; DEL\'s "datapath commands" is the removal of the pod\'s rules, what DEL waits for (the veth\'s deletion finishes after the answer); the rest is the plugin process (see plugin start) and the socket round trip; "agent round trip" is the same request posted to the agent socket by the benchmark, without a plugin process',
          'AWS VPC CNI published 30-pod burst p50: 750 ms (PR #3764)',
        ],
      };
    } finally {
      await nodes.stop();
    }
  },
};
