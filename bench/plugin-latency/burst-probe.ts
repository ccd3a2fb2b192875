/**
 * Paired comparison of agent and plugin builds on the 30-pod burst (root), for deciding
 * whether a change to the ADD path helps: one simulated node per build, each with its own
 * agent binary, and the bursts taken in turns with a floor burst of `node -e 0` before each
 * round. Prints per build the burst's median and p99, its ratio to the floor, the CPU its
 * agent spent per ADD (agent and its command shells), what the plugin processes used (with
 * the exec counter's own `perf`, a few ms per burst), and the processes exec'd per ADD.
 *
 *   node dist/js/bench/plugin-latency/burst-probe.js <rounds> <name>=<dir> [<name>=<dir>...]
 *
 * where each <dir> holds a `ledger-agent` and a `ledger-cni` built from the build to compare.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInputError } from '../../core/errors';
import { agentEnvironment } from '../../infra/local/demo/agent-process';
import { CLUSTER_NAME } from '../lib/cluster';
import { startLocalNodes, waitForLeases } from '../lib/local-nodes';
import { benchPod } from '../lib/pods';
import { summarize } from '../lib/stats';
import { floorBurst, pluginBurst } from './burst';

const PREFIX = `bbp${process.pid % 100_000}`;
const BURST = 30;
const TICK_MS = 10;

interface Build {
  readonly name: string;
  readonly dir: string;
}

function parseBuilds(args: readonly string[]): Build[] {
  return args.map((arg) => {
    const [name, dir] = arg.split('=');
    if (!name || !dir || !existsSync(join(dir, 'ledger-agent')) || !existsSync(join(dir, 'ledger-cni')))
      throw new InvalidInputError('build', arg, '<name>=<dir> with dir holding ledger-agent and ledger-cni');
    return { name, dir };
  });
}

/** CPU ticks a process and its reaped children used, from /proc/<pid>/stat. */
function cpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime, stime, cutime, cstime are fields 14-17 of the whole line: 11-14 after the name.
    return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
  } catch {
    return 0;
  }
}

/** The agent and every process under it (its command shells), by pid. */
function processTree(pid: number): number[] {
  const children: number[] = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
    if (text !== '') children.push(...text.split(' ').map(Number));
  }
  return [pid, ...children.flatMap(processTree)];
}

function treeTicks(pid: number): number {
  return processTree(pid).reduce((sum, p) => sum + cpuTicks(p), 0);
}

/** The agent's own ticks, its threads only (no children). */
function ownTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** Every exec on the machine, counted by the kernel's tracepoint while `work` runs. */
async function countingExecs<T>(work: () => Promise<T>): Promise<{ result: T; execs: number }> {
  const perf = spawn('perf', ['stat', '-a', '-x', ',', '-e', 'sched:sched_process_exec'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let report = '';
  perf.stderr.on('data', (d: Buffer) => {
    report += d.toString();
  });
  await new Promise((r) => setTimeout(r, 300));
  const result = await work();
  const exited = new Promise((r) => perf.once('close', r));
  perf.kill('SIGINT');
  await exited;
  const line = report.split('\n').find((l) => l.includes('sched_process_exec'));
  return { result, execs: Number(line?.split(',')[0] ?? Number.NaN) };
}

async function startBuildAgent(
  build: Build,
  options: Parameters<typeof agentEnvironment>[0],
): Promise<{ child: ChildProcess; socketPath: string }> {
  const env: NodeJS.ProcessEnv = {
    ...agentEnvironment(options),
    LEDGER_PLUGIN_SOURCE: join(build.dir, 'ledger-cni'),
  };
  mkdirSync(options.directory, { recursive: true });
  const child = spawn(join(build.dir, 'ledger-agent'), [], { env, stdio: 'ignore', detached: true });
  const conflist = join(env.HOST_CNI_CONFDIR_PATH!, '10-ledger.conflist');
  const deadline = Date.now() + 30_000;
  while (!existsSync(conflist)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`agent of ${build.name} did not start`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, socketPath: env.LEDGER_AGENT_SOCKET! };
}

function config(socketPath: string, dir: string): string {
  return JSON.stringify({
    cniVersion: '1.0.0',
    name: 'ledger-cni',
    type: 'ledger-cni',
    mtu: 9001,
    agentSocket: socketPath,
    pluginLogFile: join(dir, 'plugin.log'),
    pluginLogLevel: 'INFO',
  });
}

async function main(argv: readonly string[]): Promise<void> {
  const rounds = Number(argv[0]);
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new InvalidInputError('rounds', argv[0], 'an integer ≥ 1');
  const builds = parseBuilds(argv.slice(1));
  const nodes = await startLocalNodes({ count: builds.length, instanceType: 'm5.24xlarge', prefix: PREFIX });
  const agents: ChildProcess[] = [];
  try {
    const runs = [];
    for (const [i, build] of builds.entries()) {
      const node = nodes.nodes[i]!;
      const agent = await startBuildAgent(build, {
        instanceId: node.instanceId,
        imdsEndpoint: node.imds.endpoint,
        apiEndpoint: nodes.cluster.controlPlane.endpoint,
        region: nodes.cluster.cloud.ec2.region,
        clusterName: CLUSTER_NAME,
        hostNetns: nodes.hostNetns(node),
        directory: join(nodes.dir, build.name),
        env: { MINIMUM_IP_TARGET: String(BURST + 10), WARM_IP_TARGET: '10' },
      });
      agents.push(agent.child);
      await waitForLeases(nodes.cluster, node.instanceId, BURST + 10);
      runs.push({
        build,
        agent,
        config: config(agent.socketPath, join(nodes.dir, build.name)),
        ms: [] as number[],
        cpu: [] as number[],
        own: [] as number[],
        plugin: [] as number[],
        execs: [] as number[],
      });
    }
    await nodes.fabric.sync();
    const floor: number[] = [];
    const floorCpu: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const childBefore = cpuTicks(process.pid) - ownTicks(process.pid);
      floor.push(...(await floorBurst(BURST)));
      floorCpu.push(((cpuTicks(process.pid) - ownTicks(process.pid) - childBefore) * TICK_MS) / BURST);
      // Builds take turns going first, so neither always follows the floor burst.
      const order = round % 2 === 0 ? runs : [...runs].reverse();
      for (const run of order) {
        const pods = Array.from({ length: BURST }, (_, n) =>
          benchPod(`${run.build.name}r${round}x`, n, PREFIX),
        );
        const pid = run.agent.child.pid!;
        let cpuMs = 0;
        let ownMs = 0;
        let pluginMs = 0;
        let execs = 0;
        const ms = await pluginBurst(join(run.build.dir, 'ledger-cni'), run.config, pods, async (adds) => {
          const before = treeTicks(pid);
          const ownBefore = ownTicks(pid);
          const pluginBefore = cpuTicks(process.pid) - ownTicks(process.pid);
          const counted = await countingExecs(adds);
          cpuMs = (treeTicks(pid) - before) * TICK_MS;
          ownMs = (ownTicks(pid) - ownBefore) * TICK_MS;
          pluginMs = (cpuTicks(process.pid) - ownTicks(process.pid) - pluginBefore) * TICK_MS;
          execs = counted.execs;
          return counted.result;
        });
        run.cpu.push(cpuMs / BURST);
        run.own.push(ownMs / BURST);
        run.plugin.push(pluginMs / BURST);
        run.execs.push(execs / BURST);
        run.ms.push(...ms);
      }
      process.stdout.write(`round ${round + 1}/${rounds} done\n`);
    }
    const f = summarize(floor);
    process.stdout.write(
      `floor burst: p50 ${f.median.toFixed(1)} ms, p99 ${f.p99.toFixed(1)} ms; CPU per process ${summarize(floorCpu).median.toFixed(1)} ms\n`,
    );
    for (const run of runs) {
      const s = summarize(run.ms);
      const cpu = summarize(run.cpu);
      const execs = summarize(run.execs);
      const own = summarize(run.own);
      const plugin = summarize(run.plugin);
      process.stdout.write(
        `${run.build.name}: p50 ${s.median.toFixed(1)} ms (${(s.median / f.median).toFixed(2)}× floor), p99 ${s.p99.toFixed(1)} ms; ` +
          `CPU per ADD: agent and shells ${cpu.median.toFixed(1)} ms (agent alone ${own.median.toFixed(1)}), plugin ${plugin.median.toFixed(1)} ms (perf included); execs per ADD (plugin included) ${execs.median.toFixed(1)}\n`,
      );
    }
  } finally {
    for (const agent of agents) agent.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    await nodes.stop();
  }
}

main(process.argv.slice(2)).then(
  () => setTimeout(() => process.exit(0), 200).unref(),
  (error) => {
    process.stderr.write(`${(error as Error).stack ?? error}\n`);
    process.exit(1);
  },
);
