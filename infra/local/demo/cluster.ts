/**
 * A whole cluster's pod network on this machine: the local cloud (EC2 and IMDS simulators,
 * LocalIam, dynalite), the local control plane host, the simulated VPC fabric, and one agent
 * process per node. The demo and the cluster end-to-end tests start it the same way; stop()
 * undoes everything in reverse, also after a partial start.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from '../../../core/api-client';
import { InvalidInputError } from '../../../core/errors';
import { type LocalCloud, type LocalNode, startLocalCloud } from '../cloud';
import { type Fabric, startFabric } from '../fabric';
import { type LocalControlPlane, startLocalControlPlane } from '../host';
import { type AgentProcess, startAgentProcess } from './agent-process';
import type { Progress } from './progress';

export const NODE_ROLE = 'ledger-node';
export const OPERATOR_ROLE = 'ledger-operator';

export interface LocalClusterOptions {
  /** Start of every namespace name (fabric, nodes, pods); unique per run or test file. */
  readonly prefix: string;
  readonly nodes: number;
  readonly instanceType: string;
  readonly clusterName?: string;
  /** Extra agent variables for every node (warm pool, IP_COOLDOWN_PERIOD, …). */
  readonly agentEnv?: Readonly<Record<string, string>>;
  /** Seconds released addresses cool in the ledger before going back to EC2. */
  readonly coolingSeconds?: number;
  /** Single addresses out of carved /28 prefixes (the default); false spills onto secondary ENIs. */
  readonly carvePrefixes?: boolean;
  readonly reconcileIntervalMs?: number;
  readonly leakGraceSeconds?: number;
  readonly attachDelayMs?: number;
  readonly progress?: Pick<Progress, 'phase'>;
}

export interface LocalCluster {
  readonly cloud: LocalCloud;
  readonly controlPlane: LocalControlPlane;
  readonly fabric: Fabric;
  readonly region: string;
  readonly clusterName: string;
  /** Agents by instance id, in the order of cloud.nodes. */
  readonly agents: Map<string, AgentProcess>;
  /** A temporary directory holding every file of the run. */
  readonly workDir: string;
  /** Operator credentials from LocalIam, for ledgerctl. */
  readonly operatorCredentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
  operatorClient(): ApiClient;
  startAgent(node: LocalNode, env?: Readonly<Record<string, string>>): Promise<AgentProcess>;
  stop(): Promise<void>;
}

const PREFIX = /^[a-z][a-z0-9]{0,11}$/;

export function validateClusterOptions(options: LocalClusterOptions): void {
  if (!PREFIX.test(options.prefix)) {
    throw new InvalidInputError(
      'prefix',
      options.prefix,
      '1-12 lower-case letters or digits, starting with a letter',
    );
  }
  if (!Number.isInteger(options.nodes) || options.nodes < 1 || options.nodes > 20) {
    throw new InvalidInputError('nodes', options.nodes, 'an integer from 1 to 20');
  }
}

export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  validateClusterOptions(options);
  const phase = options.progress?.phase ?? (<T>(_: string, work: () => Promise<T>) => work());
  const clusterName = options.clusterName ?? `${options.prefix}-cluster`;
  const workDir = mkdtempSync(join(tmpdir(), `ledger-${options.prefix}-`));
  const undo: Array<() => Promise<void>> = [async () => rmSync(workDir, { recursive: true, force: true })];
  const stop = async () => {
    for (const step of undo.splice(0).reverse()) await step().catch(() => undefined);
  };
  try {
    const cloud = await phase('local cloud: EC2 and IMDS simulators, IAM, dynalite', () =>
      startLocalCloud({
        nodes: options.nodes,
        instanceType: options.instanceType,
        roleName: NODE_ROLE,
        throttling: false,
        attachDelayMs: options.attachDelayMs ?? 50,
        detachDelayMs: 50,
      }),
    );
    undo.push(() => cloud.stop());
    const region = cloud.ec2.region;
    const vpcId = Object.values(cloud.ec2.scenario.vpcs)[0];
    if (vpcId === undefined) throw new InvalidInputError('scenario', 'default', 'a scenario with a VPC');

    const controlPlane = await phase('control plane: API with SigV4, reconciler, instance events', () =>
      startLocalControlPlane({
        ec2: { endpoint: cloud.ec2.endpoint, region, model: cloud.ec2.model },
        dynamodbEndpoint: cloud.dynamodb.endpoint,
        iam: cloud.iam,
        clusterName,
        vpcId,
        nodeRoleNames: [NODE_ROLE],
        operatorRoleNames: [OPERATOR_ROLE],
        coolingSeconds: options.coolingSeconds ?? 30,
        carvePrefixes: options.carvePrefixes ?? true,
        reconcileIntervalMs: options.reconcileIntervalMs ?? 30_000,
        leakGraceSeconds: options.leakGraceSeconds,
        detachWaitMs: 5_000,
      }),
    );
    undo.push(() => controlPlane.stop());

    const fabric = await phase('VPC fabric: router, outside and node namespaces', async () => {
      const started = await startFabric({ model: cloud.ec2.model, prefix: options.prefix });
      await started.sync();
      return started;
    });
    undo.push(() => fabric.stop());

    const agents = new Map<string, AgentProcess>();
    undo.push(async () => {
      await Promise.all([...agents.values()].map((agent) => agent.stop()));
    });
    const startAgent = async (node: LocalNode, env?: Readonly<Record<string, string>>) => {
      const agent = await startAgentProcess({
        instanceId: node.instanceId,
        imdsEndpoint: node.imds.endpoint,
        apiEndpoint: controlPlane.endpoint,
        region,
        clusterName,
        hostNetns: fabric.nodeNamespace(node.instanceId),
        directory: join(workDir, node.instanceId),
        env: { ...options.agentEnv, ...env },
      });
      agents.set(node.instanceId, agent);
      return agent;
    };
    await phase(`node agents: ${options.nodes} x dist/ledger-agent, registered`, async () => {
      // Every start settles before a failure is thrown, so none is left running unseen.
      const started = await Promise.allSettled(cloud.nodes.map((node) => startAgent(node)));
      const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw failed.reason;
    });

    const issued = cloud.iam.issueRoleCredentials(OPERATOR_ROLE, `${options.prefix}-operator`, 43_200);
    const operatorCredentials = {
      accessKeyId: issued.accessKeyId,
      secretAccessKey: issued.secretAccessKey,
      sessionToken: issued.sessionToken,
    };
    const operatorClient = new ApiClient({
      endpoint: controlPlane.endpoint,
      region,
      credentials: operatorCredentials,
    });
    return {
      cloud,
      controlPlane,
      fabric,
      region,
      clusterName,
      agents,
      workDir,
      operatorCredentials,
      operatorClient: () => operatorClient,
      startAgent,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
