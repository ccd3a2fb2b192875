/**
 * Pods as a container runtime makes them: a network namespace created first, then the
 * shipped plugin executed with only PATH and the CNI_* variables (a runtime passes nothing
 * else; NODE_EXTRA_CA_CERTS alone would add tens of milliseconds to every Node start),
 * config on stdin, result on stdout. Each run is timed from spawn to exit.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { DependencyError } from '../../core/errors';

const run = promisify(execFile);

export interface PodSpec {
  readonly containerId: string;
  readonly namespace: string;
  readonly name: string;
  /** Name of the pod's network namespace under /run/netns. */
  readonly netns: string;
}

/**
 * The n-th benchmark pod of a tag, in the namespace `<netnsPrefix>-<tag><n>`. The number is
 * written at a fixed width in the container id: padded after it, pod 1 and pod 10 would
 * share one, and the second ADD would rewire the first pod's address.
 */
export function benchPod(tag: string, n: number, netnsPrefix: string): PodSpec {
  return {
    containerId: `${tag}${String(n).padStart(4, '0')}`.padEnd(16, '0'),
    namespace: 'bench',
    name: `${tag}-${n}`,
    netns: `${netnsPrefix}-${tag}${n}`,
  };
}

export interface TimedRun {
  readonly code: number;
  readonly ms: number;
  readonly stdout: string;
  readonly stderr: string;
}

export const RUNTIME_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function cniEnv(command: string, pod: PodSpec): Record<string, string> {
  return {
    PATH: RUNTIME_PATH,
    CNI_COMMAND: command,
    CNI_CONTAINERID: pod.containerId,
    CNI_NETNS: `/run/netns/${pod.netns}`,
    CNI_IFNAME: 'eth0',
    CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=${pod.namespace};K8S_POD_NAME=${pod.name};K8S_POD_INFRA_CONTAINER_ID=${pod.containerId}`,
    CNI_PATH: '/opt/cni/bin',
  };
}

/** Runs an executable with exactly `env`, feeding `stdin`, and times it from spawn to exit. */
export function timedExec(
  file: string,
  args: readonly string[],
  env: Record<string, string>,
  stdin = '',
): Promise<TimedRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(file, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.once('error', reject);
    child.once('close', (code) =>
      resolve({ code: code ?? -1, ms: performance.now() - started, stdout, stderr }),
    );
    child.stdin.end(stdin);
  });
}

export async function addNetns(name: string): Promise<void> {
  await run('ip', ['netns', 'add', name]);
}

export async function deleteNetns(names: readonly string[]): Promise<void> {
  for (const name of names) await run('ip', ['netns', 'delete', name]).catch(() => undefined);
}

/** Namespaces left by an earlier run that stopped before cleaning up. */
export async function deleteNetnsWithPrefix(prefix: string): Promise<void> {
  const { stdout } = await run('ip', ['netns', 'list']);
  const stale = stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(prefix));
  await deleteNetns(stale);
}

export function requireSuccess(what: string, result: TimedRun): TimedRun {
  if (result.code !== 0) {
    throw new DependencyError(
      `${what} failed (exit ${result.code}): ${result.stdout.trim()} ${result.stderr.trim()}`,
    );
  }
  return result;
}
