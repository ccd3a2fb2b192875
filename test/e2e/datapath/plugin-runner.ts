/** Runs the built plugin the way a container runtime does: in the node's namespace, only PATH and CNI_* set. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const PLUGIN = join(__dirname, '..', '..', '..', 'dist', 'ledger-cni');

/** Rebuilds the plugin so the test drives the code under test, not a stale binary. */
export function buildPlugin(): void {
  const build = spawnSync(process.execPath, [join(__dirname, '..', '..', '..', 'scripts', 'build-cni.js')], {
    encoding: 'utf8',
  });
  if (build.status !== 0 || !existsSync(PLUGIN)) throw new Error(`plugin build failed: ${build.stderr}`);
}

export interface PluginRun {
  code: number;
  stdout: string;
  stderr: string;
  json: Record<string, unknown> | undefined;
}

/** Async on purpose: the agent answering the plugin runs in the test's own event loop. */
export function runPlugin(
  hostNetns: string,
  cniEnv: Record<string, string>,
  stdin: string,
  binary: string = PLUGIN,
): Promise<PluginRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', hostNetns, binary], {
      env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...cniEnv },
      timeout: 30_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      let json: Record<string, unknown> | undefined;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      resolve({ code: code ?? -1, stdout, stderr, json });
    });
    child.stdin.end(stdin);
  });
}

export interface PodEnv {
  containerId: string;
  netns: string;
  namespace: string;
  pod: string;
  ifName?: string;
}

export function cniEnv(command: string, pod: PodEnv): Record<string, string> {
  return {
    CNI_COMMAND: command,
    CNI_CONTAINERID: pod.containerId,
    CNI_NETNS: pod.netns,
    CNI_IFNAME: pod.ifName ?? 'eth0',
    CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=${pod.namespace};K8S_POD_NAME=${pod.pod};K8S_POD_INFRA_CONTAINER_ID=${pod.containerId}`,
    CNI_PATH: '/usr/lib/cni',
  };
}
