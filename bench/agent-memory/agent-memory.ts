/**
 * Agent memory (root): RSS of the shipped agent holding 250 pods wired through the shipped
 * plugin on a simulated node, beside the RSS of an idle `node` process measured in the same
 * run (the floor any Node.js program pays) and of the same agent before its first pod. The
 * agent's CPU time per ADD is measured alongside, since Node flags that save memory can cost
 * CPU, and CPU time shows that with less noise than latency on a busy machine.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LocalNode } from '../../infra/local/cloud';
import { figure } from '../lib/figures';
import { startLocalNodes, waitForLeases } from '../lib/local-nodes';
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
import { sampleRss } from '../lib/rss';
import type { Benchmark } from '../lib/runner';

const PREFIX = `bam${process.pid % 100_000}`;
const INSTANCE_TYPE = 'm5.24xlarge';
const PODS = 250;
/** ADDs in flight at once while filling the node: a runtime starting pods in parallel. */
const PARALLEL_ADDS = 8;
/** ADDs per CPU-time sample: /proc counts CPU time in 10 ms ticks. */
const ADDS_PER_CPU_SAMPLE = 40;

/** CPU time (user and system) a process has used, in ms. */
async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks * 10;
}

async function idleNodeRss(samples: number, everyMs: number): Promise<number[]> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
    env: { PATH: RUNTIME_PATH },
    stdio: 'ignore',
  });
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    await sleep(1_000);
    return await sampleRss(child.pid!, samples, everyMs);
  } finally {
    child.kill('SIGKILL');
  }
}

export const agentMemory: Benchmark = {
  name: 'agent-memory',
  summary: 'RSS of the shipped agent holding 250 pods, beside an idle node process',
  needsRoot: true,
  async run({ quick, log }) {
    const pods = quick ? 60 : PODS;
    const samples = quick ? 5 : 20;
    const nodes = await startLocalNodes({ count: 1, instanceType: INSTANCE_TYPE, prefix: PREFIX });
    const specs: PodSpec[] = Array.from({ length: pods }, (_, i) => benchPod('mem', i, PREFIX));
    try {
      const node = nodes.nodes[0] as LocalNode;
      const agent = await nodes.startAgent(node, { MINIMUM_IP_TARGET: String(pods + 5) });
      await waitForLeases(nodes.cluster, node.instanceId, pods + 5);
      await nodes.fabric.sync();
      await sleep(2_000);
      log('RSS of the agent with no pod');
      const before = await sampleRss(agent.pid!, samples, 250);
      log(`wiring ${pods} pods through the plugin, ${PARALLEL_ADDS} at a time`);
      const config = JSON.stringify({ ...agent.pluginConfig(), cniVersion: '1.0.0' });
      const plugin = repoPath('dist', 'ledger-cni');
      for (const spec of specs) await addNetns(spec.netns);
      const cpuPerAdd: number[] = [];
      let cpuMark = { ms: await cpuMs(agent.pid!), adds: 0 };
      for (let i = 0; i < specs.length; i += PARALLEL_ADDS) {
        if (i - cpuMark.adds >= ADDS_PER_CPU_SAMPLE) {
          const ms = await cpuMs(agent.pid!);
          cpuPerAdd.push((ms - cpuMark.ms) / (i - cpuMark.adds));
          cpuMark = { ms, adds: i };
        }
        await Promise.all(
          specs
            .slice(i, i + PARALLEL_ADDS)
            .map(async (spec) =>
              requireSuccess(`ADD ${spec.name}`, await timedExec(plugin, [], cniEnv('ADD', spec), config)),
            ),
        );
      }
      await sleep(6_000);
      log(`RSS of the agent holding ${pods} pods`);
      const holding = await sampleRss(agent.pid!, samples, 250);
      log('RSS of an idle node process');
      const idle = await idleNodeRss(samples, 250);
      const idleMedian = figure({ name: 'x', unit: 'MiB', samples: idle }).summary.median;
      for (const spec of specs) await timedExec(plugin, [], cniEnv('DEL', spec), config);
      return {
        figures: [
          figure({ name: 'idle node process', unit: 'MiB', samples: idle }),
          figure({
            name: 'agent, no pods',
            unit: 'MiB',
            samples: before,
            baseline: { name: 'idle node', median: idleMedian },
          }),
          figure({
            name: `agent holding ${pods} pods`,
            unit: 'MiB',
            samples: holding,
            target: { op: '<=', value: 64, on: 'max' },
            baseline: { name: 'idle node', median: idleMedian },
          }),
          figure({ name: 'agent CPU time per ADD', unit: 'ms', samples: cpuPerAdd }),
        ],
        notes: [
          `the shipped dist/ledger-agent on a simulated ${INSTANCE_TYPE} node, MINIMUM_IP_TARGET=${pods + 5} so the pods need no lease while they start; pods wired through dist/ledger-cni`,
          'VmRSS from /proc, sampled every 250 ms; the target is judged on the largest sample',
          `agent CPU time (user + system) from /proc, one sample per ${ADDS_PER_CPU_SAMPLE} ADDs`,
          "the AWS VPC CNI's own memory gate is 200 MiB",
        ],
      };
    } finally {
      await deleteNetns(specs.map((s) => s.netns));
      await nodes.stop();
    }
  },
};
