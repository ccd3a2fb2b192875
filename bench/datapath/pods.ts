/**
 * Pods for the datapath benchmark, wired as a runtime wires them: a namespace, then the
 * shipped plugin against the node's agent. A crowded node holds as many pods as kubelet's
 * default max-pods, so any per-pod cost on the forwarding path (a policy rule per pod, in
 * the AWS VPC CNI's layout) shows in the throughput between two of them.
 */
import type { AgentProcess } from '../../infra/local/demo/agent-process';
import { repoPath } from '../lib/paths';
import { addNetns, benchPod, cniEnv, type PodSpec, requireSuccess, timedExec } from '../lib/pods';
import type { WiredPod } from './rule-layouts';

/** Kubelet's default max-pods. */
export const CROWDED_NODE_PODS = 110;
/** ADDs in flight at once while filling the node, as a runtime starting pods in parallel. */
const PARALLEL_ADDS = 8;

/** Wires one pod through the shipped plugin and answers its address and host link. */
export async function wirePod(agent: AgentProcess, spec: PodSpec): Promise<WiredPod> {
  await addNetns(spec.netns);
  const config = JSON.stringify({ ...agent.pluginConfig(), cniVersion: '1.0.0' });
  const result = requireSuccess(
    `ADD ${spec.name}`,
    await timedExec(repoPath('dist', 'ledger-cni'), [], cniEnv('ADD', spec), config),
  );
  const answer = JSON.parse(result.stdout) as { ips: { address: string }[]; interfaces: { name: string }[] };
  const ip = answer.ips[0]?.address.split('/')[0];
  const hostIfName = answer.interfaces[0]?.name;
  if (!ip || !hostIfName) throw new Error(`ADD ${spec.name} gave no address or link: ${result.stdout}`);
  return { ip, hostIfName };
}

export interface CrowdedNode {
  /** The node's pods, in the order they were wired. */
  readonly pods: readonly WiredPod[];
  /** Two pods wired in the middle of the run: with a rule per pod, each packet walks past half. */
  readonly client: { netns: string; ip: string };
  readonly server: { netns: string; ip: string };
}

/**
 * Fills the agent's node with `count` pods. `made` gets each namespace as soon as it exists,
 * so the caller removes them all even when a later ADD fails.
 */
export async function wireCrowdedNode(
  agent: AgentProcess,
  count: number,
  netnsPrefix: string,
  made: string[],
): Promise<CrowdedNode> {
  const specs = Array.from({ length: count }, (_, i) => benchPod('crowd', i, netnsPrefix));
  const pods: WiredPod[] = [];
  for (let i = 0; i < specs.length; i += PARALLEL_ADDS) {
    const batch = specs.slice(i, i + PARALLEL_ADDS);
    made.push(...batch.map((s) => s.netns));
    pods.push(...(await Promise.all(batch.map((spec) => wirePod(agent, spec)))));
  }
  const middle = Math.floor(count / 2);
  return {
    pods,
    client: { netns: specs[middle - 1]!.netns, ip: pods[middle - 1]!.ip },
    server: { netns: specs[middle]!.netns, ip: pods[middle]!.ip },
  };
}
