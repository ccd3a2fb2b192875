/**
 * The shipped agent (dist/ledger-agent) as a child process for one simulated node: in the
 * root namespace where the simulators listen, doing its node-side work in the node's
 * namespace, with its own directory for sockets, checkpoint, logs and the installed plugin.
 * Identity and credentials come only from the node's IMDS, as on EC2.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DependencyError } from '../../core/errors';
import { repoPath } from './paths';

const READY_TIMEOUT_MS = 60_000;
const CONFLIST = '10-ledger.conflist';

export interface BenchAgentOptions {
  readonly imdsEndpoint: string;
  readonly apiEndpoint: string;
  readonly region: string;
  readonly clusterName: string;
  readonly hostNetns: string;
  readonly directory: string;
  /** Warm-pool and other agent variables, by the AWS VPC CNI's names. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface BenchAgent {
  readonly pid: number;
  readonly socketPath: string;
  /** The plugin's network configuration as the runtime would pass it on stdin. */
  pluginConfig(): Record<string, unknown>;
  stop(): Promise<void>;
}

export function agentEnv(o: BenchAgentOptions): NodeJS.ProcessEnv {
  const dir = o.directory;
  return {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    AWS_CONFIG_FILE: join(dir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-aws-credentials'),
    AWS_EC2_METADATA_SERVICE_ENDPOINT: o.imdsEndpoint,
    LEDGER_API_ENDPOINT: o.apiEndpoint,
    LEDGER_API_REGION: o.region,
    CLUSTER_NAME: o.clusterName,
    LEDGER_HOST_NETNS: o.hostNetns,
    LEDGER_AGENT_SOCKET: join(dir, 'agent.sock'),
    LEDGER_CHECKPOINT_PATH: join(dir, 'state', 'ipam.json'),
    LEDGER_PLUGIN_SOURCE: repoPath('dist', 'ledger-cni'),
    HOST_CNI_BIN_PATH: join(dir, 'cni-bin'),
    HOST_CNI_CONFDIR_PATH: join(dir, 'net.d'),
    INTROSPECTION_BIND_ADDRESS: `unix:${join(dir, 'introspection.sock')}`,
    LEDGER_METRICS_BIND_ADDRESS: `unix:${join(dir, 'metrics.sock')}`,
    AWS_VPC_K8S_CNI_LOGLEVEL: 'info',
    AWS_VPC_K8S_CNI_LOG_FILE: join(dir, 'agent.log'),
    AWS_VPC_K8S_PLUGIN_LOG_LEVEL: 'info',
    AWS_VPC_K8S_PLUGIN_LOG_FILE: join(dir, 'plugin.log'),
    ...o.env,
  };
}

function tail(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n').slice(-10).join('\n') : '';
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function startBenchAgent(o: BenchAgentOptions): Promise<BenchAgent> {
  const env = agentEnv(o);
  mkdirSync(o.directory, { recursive: true });
  const stderrFile = join(o.directory, 'agent.stderr');
  const out = openSync(stderrFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(repoPath('dist', 'ledger-agent'), [], { env, stdio: ['ignore', out, out] });
  } finally {
    closeSync(out);
  }
  const conflist = join(env.HOST_CNI_CONFDIR_PATH!, CONFLIST);
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    const deadline = Date.now() + READY_TIMEOUT_MS;
    // The agent writes its conflist last, the runtime's readiness signal.
    while (!existsSync(conflist)) {
      if (child.exitCode !== null || Date.now() > deadline) {
        throw new DependencyError(
          `ledger-agent not ready (exit ${child.exitCode}):\n${tail(stderrFile)}\n${tail(env.AWS_VPC_K8S_CNI_LOG_FILE!)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  return {
    pid: child.pid!,
    socketPath: env.LEDGER_AGENT_SOCKET!,
    pluginConfig: () => {
      const list = JSON.parse(readFileSync(conflist, 'utf8')) as {
        cniVersion: string;
        name: string;
        plugins: Record<string, unknown>[];
      };
      return { cniVersion: list.cniVersion, name: list.name, ...list.plugins[0] };
    },
    stop: () => stopChild(child),
  };
}
