/**
 * One simulated node's agent: the built dist/ledger-agent as a child process in the root
 * namespace (where the simulators listen on 127.0.0.1), doing its node-side work inside the
 * node's namespace (LEDGER_HOST_NETNS), with every path, socket and listener of its own so
 * that several agents share one machine. Credentials come only from the node's IMDS.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DependencyError } from '../../../core/errors';
import { findRepoFile } from '../ec2/repo-files';

export const AGENT_BINARY = 'dist/ledger-agent';
export const PLUGIN_BINARY = 'dist/ledger-cni';
const CONFLIST = '10-ledger.conflist';
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

export interface AgentProcessOptions {
  readonly instanceId: string;
  /** The node's IMDS endpoint; the agent's only source of identity and credentials. */
  readonly imdsEndpoint: string;
  readonly apiEndpoint: string;
  readonly region: string;
  readonly clusterName: string;
  /** The namespace that plays the node's host. */
  readonly hostNetns: string;
  /** A directory only this agent uses. */
  readonly directory: string;
  /** More agent variables (warm pool, IP_COOLDOWN_PERIOD, …), the AWS VPC CNI's names. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface AgentProcess {
  readonly instanceId: string;
  readonly hostNetns: string;
  readonly socketPath: string;
  readonly introspectionSocket: string;
  readonly cniBinDir: string;
  readonly cniConfDir: string;
  readonly logFile: string;
  /** The plugin's entry of the conflist the agent wrote, with the list's version and name. */
  pluginConfig(): Record<string, unknown>;
  readonly pid: number | undefined;
  /** SIGTERM, then SIGKILL if it has not exited in time; safe to call twice. */
  stop(): Promise<void>;
}

export function agentEnvironment(options: AgentProcessOptions): NodeJS.ProcessEnv {
  const dir = options.directory;
  return {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    // Only IMDS may supply credentials: no shared files, no keys from the caller's environment.
    AWS_CONFIG_FILE: join(dir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-aws-credentials'),
    AWS_EC2_METADATA_SERVICE_ENDPOINT: options.imdsEndpoint,
    LEDGER_API_ENDPOINT: options.apiEndpoint,
    LEDGER_API_REGION: options.region,
    CLUSTER_NAME: options.clusterName,
    LEDGER_HOST_NETNS: options.hostNetns,
    LEDGER_AGENT_SOCKET: join(dir, 'agent.sock'),
    LEDGER_CHECKPOINT_PATH: join(dir, 'state', 'ipam.json'),
    LEDGER_PLUGIN_SOURCE: findRepoFile(PLUGIN_BINARY),
    HOST_CNI_BIN_PATH: join(dir, 'cni-bin'),
    HOST_CNI_CONFDIR_PATH: join(dir, 'net.d'),
    INTROSPECTION_BIND_ADDRESS: `unix:${join(dir, 'introspection.sock')}`,
    LEDGER_METRICS_BIND_ADDRESS: `unix:${join(dir, 'metrics.sock')}`,
    AWS_VPC_K8S_CNI_LOGLEVEL: 'info',
    AWS_VPC_K8S_CNI_LOG_FILE: join(dir, 'agent.log'),
    AWS_VPC_K8S_PLUGIN_LOG_LEVEL: 'info',
    AWS_VPC_K8S_PLUGIN_LOG_FILE: join(dir, 'plugin.log'),
    ...options.env,
  };
}

function tail(file: string, lines = 15): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

async function waitUntilReady(child: ChildProcess, conflist: string, stderrFile: string, logFile: string) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  // The agent writes its conflist last: as on a node, that file is the readiness signal.
  while (!existsSync(conflist)) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new DependencyError(
        `ledger-agent exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${tail(stderrFile)}\n${tail(logFile)}`,
      );
    }
    if (Date.now() > deadline) {
      throw new DependencyError(
        `ledger-agent not ready after ${READY_TIMEOUT_MS / 1000} s:\n${tail(stderrFile)}\n${tail(logFile)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  // No pid: it never started, and no exit event would come.
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function startAgentProcess(options: AgentProcessOptions): Promise<AgentProcess> {
  const env = agentEnvironment(options);
  mkdirSync(options.directory, { recursive: true });
  const stderrFile = join(options.directory, 'agent.stderr');
  const output = openSync(stderrFile, 'a');
  let child: ChildProcess;
  try {
    // Its own process group: Ctrl-C in the terminal reaches only the demo, which then deletes
    // the pods through the agents before it stops them.
    child = spawn(findRepoFile(AGENT_BINARY), [], { env, stdio: ['ignore', output, output], detached: true });
  } finally {
    closeSync(output);
  }
  const stop = () => stopChild(child);
  const confDir = env.HOST_CNI_CONFDIR_PATH!;
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    await waitUntilReady(child, join(confDir, CONFLIST), stderrFile, env.AWS_VPC_K8S_CNI_LOG_FILE!);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    instanceId: options.instanceId,
    hostNetns: options.hostNetns,
    socketPath: env.LEDGER_AGENT_SOCKET!,
    introspectionSocket: join(options.directory, 'introspection.sock'),
    cniBinDir: env.HOST_CNI_BIN_PATH!,
    cniConfDir: confDir,
    logFile: env.AWS_VPC_K8S_CNI_LOG_FILE!,
    pid: child.pid,
    pluginConfig: () => {
      const list = JSON.parse(readFileSync(join(confDir, CONFLIST), 'utf8')) as {
        cniVersion: string;
        name: string;
        plugins: Record<string, unknown>[];
      };
      return { cniVersion: list.cniVersion, name: list.name, ...list.plugins[0] };
    },
    stop,
  };
}
