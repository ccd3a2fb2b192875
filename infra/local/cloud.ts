import { TAGS } from '../../core/contract/tags';
import { InvalidInputError } from '../../core/errors';
import { type LocalDynamoDb, startDynalite } from './dynamodb';
import { type Ec2Simulator, type Scenario, startEc2Simulator } from './ec2';
import { findRepoFile } from './ec2/repo-files';
import type { BucketOverrides } from './ec2/throttling';
import { LocalIam } from './iam';
import { type ImdsServer, startImds } from './imds';

/**
 * The whole local stand-in for AWS in one process: the EC2 simulator on a scenario, local
 * IAM, dynalite, and a few simulated nodes each with its own IMDS. `ledger-sim up`, the demo
 * and tests start it the same way.
 */

export const DEFAULT_SCENARIO = 'infra/local/scenarios/default.json';

export interface LocalCloudOptions {
  /** A scenario object or file; default: infra/local/scenarios/default.json. */
  readonly scenario?: string | Scenario;
  /** Nodes launched at start (default 2), spread over the subnets tagged for the CNI. */
  readonly nodes?: number;
  readonly instanceType?: string;
  /** Role of the nodes' instance profile (default ledger-node). */
  readonly roleName?: string;
  readonly ec2Port?: number;
  readonly dynamoPort?: number;
  /** Directory for dynalite's store; in memory when absent. */
  readonly dynamoPath?: string;
  readonly throttling?: boolean | BucketOverrides;
  readonly latencyMs?: number;
  readonly attachDelayMs?: number;
  readonly detachDelayMs?: number;
}

export interface LocalNode {
  readonly instanceId: string;
  readonly privateIp: string;
  readonly availabilityZone: string;
  readonly subnetId: string;
  readonly imds: ImdsServer;
}

export interface LocalCloud {
  readonly ec2: Ec2Simulator;
  readonly iam: LocalIam;
  readonly dynamodb: LocalDynamoDb;
  readonly nodes: readonly LocalNode[];
  /** Launches one more node (an instance and its IMDS). */
  addNode(options?: { instanceType?: string; subnetId?: string }): Promise<LocalNode>;
  /** Terminates a node's instance and stops its IMDS. */
  removeNode(instanceId: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const nodeCount = options.nodes ?? 2;
  if (!Number.isInteger(nodeCount) || nodeCount < 0 || nodeCount > 50) {
    throw new InvalidInputError('nodes', nodeCount, 'an integer from 0 to 50');
  }
  const stack: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stack.reverse().splice(0)) await stop().catch(() => undefined);
  };
  try {
    const ec2 = await startEc2Simulator({
      port: options.ec2Port,
      scenario: options.scenario ?? findRepoFile(DEFAULT_SCENARIO),
      throttling: options.throttling,
      latencyMs: options.latencyMs,
      attachDelayMs: options.attachDelayMs,
      detachDelayMs: options.detachDelayMs,
    });
    stack.push(() => ec2.stop());
    const iam = new LocalIam(ec2.model.ownerId);
    const dynamodb = await startDynalite({ port: options.dynamoPort, path: options.dynamoPath });
    stack.push(() => dynamodb.stop());

    const cniSubnets = ec2.model.listSubnets([{ name: `tag:${TAGS.subnetDiscovery}`, values: ['1'] }]);
    const subnets = cniSubnets.length > 0 ? cniSubnets : ec2.model.listSubnets();
    if (subnets.length === 0)
      throw new InvalidInputError('scenario', options.scenario, 'a scenario with at least one subnet');
    const nodes: LocalNode[] = [];
    const imdsByInstance = new Map<string, ImdsServer>();

    const addNode = async (
      nodeOptions: { instanceType?: string; subnetId?: string } = {},
    ): Promise<LocalNode> => {
      const subnet = nodeOptions.subnetId
        ? ec2.model.getSubnet(nodeOptions.subnetId)
        : subnets[nodes.length % subnets.length];
      if (!subnet) throw new InvalidInputError('subnetId', nodeOptions.subnetId, 'a subnet of the scenario');
      const groups = ec2.model.listSecurityGroups([{ name: 'vpc-id', values: [subnet.vpcId] }]);
      const [instance] = ec2.model.runInstances({
        imageId: 'ami-0ledger0local0000',
        instanceType: nodeOptions.instanceType ?? options.instanceType ?? 'm5.large',
        count: 1,
        minCount: 1,
        subnetId: subnet.subnetId,
        groupIds: groups.slice(0, 1).map((g) => g.groupId),
        instanceTags: new Map([['Name', `ledger-node-${nodes.length + 1}`]]),
        interfaceTags: new Map(),
        iamInstanceProfileArn: `arn:aws:iam::${ec2.model.ownerId}:instance-profile/${options.roleName ?? 'ledger-node'}`,
      });
      const imds = await startImds({
        model: ec2.model,
        instanceId: instance!.instanceId,
        iam,
        roleName: options.roleName,
      });
      imdsByInstance.set(instance!.instanceId, imds);
      const node: LocalNode = {
        instanceId: instance!.instanceId,
        privateIp: instance!.privateIpAddress,
        availabilityZone: instance!.availabilityZone,
        subnetId: subnet.subnetId,
        imds,
      };
      nodes.push(node);
      return node;
    };
    stack.push(async () => {
      for (const imds of imdsByInstance.values()) await imds.stop();
    });
    for (let i = 0; i < nodeCount; i++) await addNode();

    return {
      ec2,
      iam,
      dynamodb,
      nodes,
      addNode,
      removeNode: async (instanceId) => {
        const imds = imdsByInstance.get(instanceId);
        if (!imds)
          throw new InvalidInputError(
            'instanceId',
            instanceId,
            `one of ${[...imdsByInstance.keys()].join(', ')}`,
          );
        ec2.model.terminateInstances([instanceId]);
        imdsByInstance.delete(instanceId);
        nodes.splice(
          nodes.findIndex((n) => n.instanceId === instanceId),
          1,
        );
        await imds.stop();
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
