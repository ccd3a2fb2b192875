/**
 * Shared by the cluster end-to-end tests: the root gate, a unique prefix per test file, the
 * agents' introspection over their unix sockets, what a node namespace holds, the EC2
 * simulator through the real SDK client, and polling for eventual state.
 */
import { execFileSync } from 'node:child_process';
import { request } from 'node:http';
import { DescribeNetworkInterfacesCommand, EC2Client, type NetworkInterface } from '@aws-sdk/client-ec2';
import type { AgentProcess } from '../../../infra/local/demo/agent-process';
import type { LocalCluster } from '../../../infra/local/demo/cluster';
import { mapLimit } from '../../../infra/local/demo/exec';
import { type PodSpec, type RunningPod, startPod } from '../../../infra/local/demo/pods';

export const isRoot = process.getuid?.() === 0;

/** A fabric prefix unique to this worker process: letters then the pid's last digits. */
export function uniquePrefix(tag: string): string {
  return `${tag}${process.pid % 100_000}`;
}

export function introspect<T>(agent: AgentProcess, path: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: agent.introspectionSocket, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => {
        try {
          resolve(JSON.parse(body) as T);
        } catch (error) {
          reject(error);
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

export interface PoolView {
  counts: { total: number; assigned: number; cooling: number; waiting: number };
}

export interface RuleJson {
  priority: number;
  src?: string;
  dst?: string;
  dstlen?: number;
  table?: string;
}

export function ipJsonIn<T>(namespace: string, args: string[]): T[] {
  const text = execFileSync('ip', ['-n', namespace, '-json', ...args], { encoding: 'utf8' }).trim();
  return text === '' ? [] : (JSON.parse(text) as T[]);
}

export function linkNames(namespace: string): string[] {
  return ipJsonIn<{ ifname: string }>(namespace, ['link', 'show']).map((l) => l.ifname);
}

/** Rules the pod datapath adds per pod (from-pod 1536; to-pod 512 in earlier versions), not the node-wide one at 512. */
export function podRules(namespace: string): RuleJson[] {
  return ipJsonIn<RuleJson>(namespace, ['rule', 'show']).filter(
    (r) => (r.priority === 512 && r.dst !== undefined) || r.priority === 1536,
  );
}

export function ec2Client(cluster: LocalCluster): EC2Client {
  return new EC2Client({
    endpoint: cluster.cloud.ec2.endpoint,
    region: cluster.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

export async function enisOf(ec2: EC2Client, instanceId: string): Promise<NetworkInterface[]> {
  const { NetworkInterfaces } = await ec2.send(
    new DescribeNetworkInterfacesCommand({
      Filters: [{ Name: 'attachment.instance-id', Values: [instanceId] }],
    }),
  );
  return NetworkInterfaces ?? [];
}

/** Polls `probe` until it returns something other than undefined, or fails with `what`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Starts `count` pods on an agent, named `<name>-<n>` with netns `<prefix>-<name>-<n>`. */
export function startPods(
  agent: AgentProcess,
  prefix: string,
  name: string,
  count: number,
  first = 1,
): Promise<RunningPod[]> {
  const specs: PodSpec[] = Array.from({ length: count }, (_, i) => ({
    namespace: 'e2e',
    name: `${name}-${first + i}`,
    netns: `${prefix}-${name}-${first + i}`,
  }));
  return mapLimit(specs, 4, (spec) => startPod(agent, spec));
}

/** Runs every cleanup step even when one fails, then reports the first failure. */
export async function cleanUpAll(
  ...steps: Array<(() => Promise<unknown> | unknown) | undefined>
): Promise<void> {
  let first: unknown;
  for (const step of steps) {
    try {
      await step?.();
    } catch (error) {
      first ??= error;
    }
  }
  if (first !== undefined) throw first;
}
