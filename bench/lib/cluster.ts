/**
 * The local cloud and control plane a benchmark runs against: the EC2 simulator on a VPC with
 * two large CNI subnets (a 150-node cluster does not fit the default scenario's /24s),
 * dynalite behind the metering proxy, local IAM, and the control plane host. Instances are
 * launched straight in the simulator's model; only benchmarks that run a real agent need
 * an IMDS per node (LocalCloud.addNode).
 */

import type { BucketSize, ThrottleCategory } from '../../core/ec2/budget';
import { type LocalCloud, startLocalCloud } from '../../infra/local/cloud';
import type { Scenario } from '../../infra/local/ec2';
import type { BucketOverrides } from '../../infra/local/ec2/throttling';
import { type LocalControlPlane, startLocalControlPlane } from '../../infra/local/host';
import { NodeClient } from '../../node-agent/control-plane/node-client';
import { type DynamoMeter, startDynamoMeter } from './dynamo-meter';

export const NODE_ROLE = 'ledger-node';
export const CLUSTER_NAME = 'ledger-bench';

export const BENCH_SCENARIO: Scenario = {
  description: 'Benchmarks: one VPC, two /18 CNI subnets (16 k addresses each) in two zones',
  vpcs: [
    {
      name: 'bench-vpc',
      cidrBlock: '10.0.0.0/16',
      subnets: [
        {
          name: 'nodes-a',
          cidrBlock: '10.0.0.0/18',
          availabilityZone: 'us-east-1a',
          tags: { 'kubernetes.io/role/cni': '1' },
        },
        {
          name: 'nodes-b',
          cidrBlock: '10.0.64.0/18',
          availabilityZone: 'us-east-1b',
          tags: { 'kubernetes.io/role/cni': '1' },
        },
      ],
      securityGroups: [{ name: 'bench-nodes', description: 'Nodes and pods of the benchmark cluster' }],
    },
  ],
  instances: [],
};

export interface BenchClusterOptions {
  readonly throttling: boolean | BucketOverrides;
  readonly attachDelayMs: number;
  readonly detachDelayMs?: number;
  /** The control plane's client-side EC2 budget; default its own (80 % of EC2's buckets). */
  readonly budget?: Partial<Record<ThrottleCategory, BucketSize>>;
  readonly coolingSeconds?: number;
}

export interface BenchCluster {
  readonly cloud: LocalCloud;
  readonly controlPlane: LocalControlPlane;
  readonly meter: DynamoMeter;
  /** Launches instances in the simulator (no IMDS), alternating the two subnets. */
  launch(count: number, instanceType: string): { instanceId: string; availabilityZone: string }[];
  /** A node's signed API client; without a timeout, the agent's own default. */
  nodeClient(instanceId: string, timeoutMs?: number): NodeClient;
  stop(): Promise<void>;
}

export async function startBenchCluster(options: BenchClusterOptions): Promise<BenchCluster> {
  const cloud = await startLocalCloud({
    scenario: BENCH_SCENARIO,
    nodes: 0,
    throttling: options.throttling,
    attachDelayMs: options.attachDelayMs,
    detachDelayMs: options.detachDelayMs ?? options.attachDelayMs,
  });
  let meter: DynamoMeter | undefined;
  try {
    meter = await startDynamoMeter(cloud.dynamodb.endpoint);
    const controlPlane = await startLocalControlPlane({
      ec2: { endpoint: cloud.ec2.endpoint, region: cloud.ec2.region, model: cloud.ec2.model },
      dynamodbEndpoint: meter.endpoint,
      iam: cloud.iam,
      clusterName: CLUSTER_NAME,
      vpcId: Object.values(cloud.ec2.scenario.vpcs)[0]!,
      nodeRoleNames: [NODE_ROLE],
      operatorRoleNames: ['ledger-operator'],
      coolingSeconds: options.coolingSeconds ?? 30,
      ...(options.budget && { budget: options.budget }),
    });
    const subnets = Object.values(cloud.ec2.scenario.subnets);
    const group = Object.values(cloud.ec2.scenario.securityGroups)[0]!;
    let launched = 0;
    const m = meter;
    return {
      cloud,
      controlPlane,
      meter: m,
      launch: (count, instanceType) =>
        Array.from({ length: count }, () => {
          const subnetId = subnets[launched++ % subnets.length]!;
          const [instance] = cloud.ec2.model.runInstances({
            imageId: 'ami-0ledger0bench0000',
            instanceType,
            count: 1,
            minCount: 1,
            subnetId,
            groupIds: [group],
            instanceTags: new Map([['Name', `bench-node-${launched}`]]),
            interfaceTags: new Map(),
          });
          return { instanceId: instance!.instanceId, availabilityZone: instance!.availabilityZone };
        }),
      nodeClient: (instanceId, timeoutMs) =>
        new NodeClient({
          endpoint: controlPlane.endpoint,
          region: cloud.ec2.region,
          instanceId,
          credentials: cloud.iam.issueRoleCredentials(NODE_ROLE, instanceId),
          ...(timeoutMs !== undefined && { timeoutMs }),
        }),
      stop: async () => {
        await controlPlane.stop().catch(() => undefined);
        await m.stop().catch(() => undefined);
        await cloud.stop();
      },
    };
  } catch (error) {
    await meter?.stop().catch(() => undefined);
    await cloud.stop();
    throw error;
  }
}
