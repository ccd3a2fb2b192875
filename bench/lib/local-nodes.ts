/**
 * Simulated nodes with everything a real agent needs: the benchmark cluster (EC2 simulator
 * without throttling, dynalite, control plane), an IMDS per node, and the VPC fabric that
 * gives each node a namespace with its ENIs as links. For benchmarks that run the shipped
 * agent and plugin (as root).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalNode } from '../../infra/local/cloud';
import { type AgentProcess, startAgentProcess } from '../../infra/local/demo/agent-process';
import { type Fabric, startFabric } from '../../infra/local/fabric';
import { type BenchCluster, CLUSTER_NAME, startBenchCluster } from './cluster';
import { deleteNetnsWithPrefix } from './pods';

export interface LocalNodes {
  readonly cluster: BenchCluster;
  readonly fabric: Fabric;
  readonly nodes: readonly LocalNode[];
  /** A directory removed at stop. */
  readonly dir: string;
  hostNetns(node: LocalNode): string;
  /** Starts the shipped agent for a node with extra agent variables. */
  startAgent(node: LocalNode, env: Record<string, string>): Promise<AgentProcess>;
  stop(): Promise<void>;
}

export async function startLocalNodes(options: {
  count: number;
  instanceType: string;
  /** Start of every namespace name, unique per benchmark. */
  prefix: string;
}): Promise<LocalNodes> {
  await deleteNetnsWithPrefix(`${options.prefix}-`);
  const cluster = await startBenchCluster({ throttling: false, attachDelayMs: 50 });
  const agents: AgentProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), `ledger-bench-${options.prefix}-`));
  let fabric: Fabric | undefined;
  const stop = async () => {
    for (const agent of agents.splice(0)) await agent.stop().catch(() => undefined);
    await fabric?.stop().catch(() => undefined);
    await cluster.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const nodes: LocalNode[] = [];
    for (let i = 0; i < options.count; i++) {
      nodes.push(await cluster.cloud.addNode({ instanceType: options.instanceType }));
    }
    fabric = await startFabric({ model: cluster.cloud.ec2.model, prefix: options.prefix });
    await fabric.sync();
    const f = fabric;
    return {
      cluster,
      fabric: f,
      nodes,
      dir,
      hostNetns: (node) => f.nodeNamespace(node.instanceId),
      startAgent: async (node, env) => {
        const agent = await startAgentProcess({
          instanceId: node.instanceId,
          imdsEndpoint: node.imds.endpoint,
          apiEndpoint: cluster.controlPlane.endpoint,
          region: cluster.cloud.ec2.region,
          clusterName: CLUSTER_NAME,
          hostNetns: f.nodeNamespace(node.instanceId),
          directory: join(dir, node.instanceId),
          env,
        });
        agents.push(agent);
        return agent;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Waits until the control plane has leased the node at least `count` addresses. */
export async function waitForLeases(
  cluster: BenchCluster,
  instanceId: string,
  count: number,
  timeoutMs = 120_000,
) {
  const client = cluster.nodeClient(instanceId);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const leased = (await client.state()).leased.length;
    if (leased >= count) return leased;
    if (Date.now() > deadline)
      throw new Error(`node ${instanceId} holds ${leased} of ${count} addresses after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
