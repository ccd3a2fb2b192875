/**
 * Pods as a container runtime makes them: a network namespace per sandbox, then the plugin
 * the agent installed, executed in the node's namespace with only PATH and CNI_* set and the
 * network config on stdin. ADD is retried on "try again later" (code 11), as kubelet retries
 * a sandbox whose network is not ready yet.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { AgentProcess } from './agent-process';
import { type ExecResult, exec, execOrThrow, netnsPath } from './exec';

const PLUGIN_FILE = 'ledger-cni';
const TRY_AGAIN_LATER = 11;
const PLUGIN_TIMEOUT_MS = 30_000;

export interface PodSpec {
  /** Kubernetes namespace and name, passed in CNI_ARGS. */
  readonly namespace: string;
  readonly name: string;
  /** The sandbox's network namespace name (under /run/netns). */
  readonly netns: string;
}

export interface RunningPod extends PodSpec {
  readonly containerId: string;
  readonly instanceId: string;
  readonly ip: string;
  readonly result: Record<string, unknown>;
}

export interface PluginRun extends ExecResult {
  readonly json: Record<string, unknown> | undefined;
}

export class PluginError extends Error {
  constructor(
    readonly command: string,
    readonly pod: string,
    readonly run: PluginRun,
  ) {
    const message = typeof run.json?.msg === 'string' ? run.json.msg : run.stderr.trim() || run.stdout.trim();
    super(`plugin ${command} for pod ${pod} exited ${run.code}: ${message}`);
  }
}

export function newContainerId(): string {
  return randomBytes(32).toString('hex');
}

export async function runPlugin(
  agent: AgentProcess,
  command: string,
  pod: PodSpec & { containerId: string },
  prevResult?: Record<string, unknown>,
): Promise<PluginRun> {
  const config = { ...agent.pluginConfig(), ...(prevResult ? { prevResult } : {}) };
  const env = {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    CNI_COMMAND: command,
    CNI_CONTAINERID: pod.containerId,
    CNI_NETNS: netnsPath(pod.netns),
    CNI_IFNAME: 'eth0',
    CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=${pod.namespace};K8S_POD_NAME=${pod.name};K8S_POD_INFRA_CONTAINER_ID=${pod.containerId}`,
    CNI_PATH: agent.cniBinDir,
  };
  // A runtime runs the plugin in the node's own namespace, which here is the node's netns.
  const run = await exec(
    'nsenter',
    [`--net=${netnsPath(agent.hostNetns)}`, '--', join(agent.cniBinDir, PLUGIN_FILE)],
    { env, input: JSON.stringify(config), timeoutMs: PLUGIN_TIMEOUT_MS },
  );
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(run.stdout) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { ...run, json };
}

export async function createSandbox(netns: string): Promise<void> {
  await exec('ip', ['netns', 'del', netns]);
  await execOrThrow('ip', ['netns', 'add', netns]);
}

export async function deleteSandbox(netns: string): Promise<void> {
  await exec('ip', ['netns', 'del', netns]);
}

function podIp(result: Record<string, unknown>): string | undefined {
  const ips = result.ips as { address?: string }[] | undefined;
  return ips?.[0]?.address?.split('/')[0];
}

/** Creates the sandbox and runs ADD until it succeeds or `deadlineMs` passes; undoes the sandbox on failure. */
export async function startPod(agent: AgentProcess, spec: PodSpec, deadlineMs = 60_000): Promise<RunningPod> {
  const pod = { ...spec, containerId: newContainerId() };
  await createSandbox(spec.netns);
  try {
    const deadline = Date.now() + deadlineMs;
    for (let delayMs = 200; ; delayMs = Math.min(delayMs * 2, 2_000)) {
      const run = await runPlugin(agent, 'ADD', pod);
      const ip = run.code === 0 && run.json ? podIp(run.json) : undefined;
      if (ip !== undefined) return { ...pod, instanceId: agent.instanceId, ip, result: run.json! };
      if (run.json?.code !== TRY_AGAIN_LATER || Date.now() + delayMs > deadline) {
        throw new PluginError('ADD', `${spec.namespace}/${spec.name}`, run);
      }
      await new Promise((r) => setTimeout(r, delayMs));
    }
  } catch (error) {
    await deleteSandbox(spec.netns);
    throw error;
  }
}

/** DEL with the ADD result as prevResult, then the sandbox goes; DEL failing is reported after cleanup. */
export async function stopPod(agent: AgentProcess, pod: RunningPod): Promise<void> {
  const run = await runPlugin(agent, 'DEL', pod, pod.result);
  await deleteSandbox(pod.netns);
  if (run.code !== 0) throw new PluginError('DEL', `${pod.namespace}/${pod.name}`, run);
}
