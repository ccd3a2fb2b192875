/**
 * One local cloud per test file: the EC2 simulator (a VPC, subnets, a security group and
 * instances from a scenario), dynalite, LocalIam, and the local control plane; plus signed
 * API clients for nodes (credentials from LocalIam, as the IMDS simulator hands out) and
 * for an operator.
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import { ApiClient } from '../../../../core/api-client';
import {
  type BucketOverrides,
  type Ec2Simulator,
  type Scenario,
  startEc2Simulator,
} from '../../../../infra/local/ec2';
import {
  type LocalControlPlane,
  type LocalControlPlaneOptions,
  startLocalControlPlane,
} from '../../../../infra/local/host';
import { LocalIam } from '../../../../infra/local/iam';
import { type LedgerDb, startLedgerDb } from './ledger-db';

export const NODE_ROLE = 'ledger-node';
export const OPERATOR_ROLE = 'ledger-operator';
export const CLUSTER = 'test-cluster';
export const AZ = 'us-east-1a';

export interface TestCluster {
  sim: Ec2Simulator;
  db: LedgerDb;
  iam: LocalIam;
  cp: LocalControlPlane;
  /** A plain EC2 client for looking at what the simulator holds. */
  ec2: EC2Client;
  vpcId: string;
  subnets: Record<string, string>;
  securityGroup: string;
  instances: Record<string, string[]>;
  nodeClient(instanceId: string): ApiClient;
  operatorClient(): ApiClient;
  stop(): Promise<void>;
}

export function defaultScenario(instances: Scenario['instances']): Scenario {
  return {
    vpcs: [
      {
        name: 'vpc',
        cidrBlock: '10.0.0.0/16',
        subnets: [
          { name: 'nodes', cidrBlock: '10.0.0.0/24', availabilityZone: AZ },
          {
            name: 'pods',
            cidrBlock: '10.0.16.0/20',
            availabilityZone: AZ,
            tags: { 'kubernetes.io/role/cni': '1' },
          },
        ],
        securityGroups: [{ name: 'nodes' }],
      },
    ],
    instances,
  };
}

export async function startTestCluster(
  scenario: Scenario,
  options: Partial<LocalControlPlaneOptions> & {
    simThrottling?: boolean | BucketOverrides;
    attachDelayMs?: number;
  } = {},
): Promise<TestCluster> {
  const { simThrottling, attachDelayMs, ...cpOptions } = options;
  const sim = await startEc2Simulator({
    scenario,
    throttling: simThrottling ?? false,
    attachDelayMs: attachDelayMs ?? 20,
    detachDelayMs: 20,
  });
  const db = await startLedgerDb();
  const iam = new LocalIam();
  const vpcId = Object.values(sim.scenario.vpcs)[0]!;
  let cp: LocalControlPlane | undefined;
  try {
    cp = await startLocalControlPlane({
      ec2: { endpoint: sim.endpoint, region: sim.region, model: sim.model },
      dynamodbEndpoint: db.endpoint,
      iam,
      clusterName: CLUSTER,
      vpcId,
      nodeRoleNames: [NODE_ROLE],
      operatorRoleNames: [OPERATOR_ROLE],
      coolingSeconds: 0,
      // These suites pin the secondary-address paths (ENI room, attach, trim); carve.test.ts covers carving.
      carvePrefixes: false,
      lockWaitMs: 30_000,
      detachWaitMs: 2_000,
      ...cpOptions,
    });
  } catch (error) {
    await sim.stop();
    await db.stop();
    throw error;
  }
  const ec2 = new EC2Client({
    endpoint: sim.endpoint,
    region: sim.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const clientFor = (roleName: string, sessionName: string) => {
    const creds = iam.issueRoleCredentials(roleName, sessionName);
    return new ApiClient({
      endpoint: cp!.endpoint,
      region: sim.region,
      credentials: {
        accessKeyId: creds.accessKeyId,
        secretAccessKey: creds.secretAccessKey,
        sessionToken: creds.sessionToken,
      },
      timeoutMs: 60_000,
    });
  };
  return {
    sim,
    db,
    iam,
    cp,
    ec2,
    vpcId,
    subnets: sim.scenario.subnets,
    securityGroup: Object.values(sim.scenario.securityGroups)[0]!,
    instances: sim.scenario.instances,
    nodeClient: (instanceId) => clientFor(NODE_ROLE, instanceId),
    operatorClient: () => clientFor(OPERATOR_ROLE, 'operator'),
    stop: async () => {
      await cp?.stop().catch(() => undefined);
      ec2.destroy();
      await sim.stop();
      await db.stop();
    },
  };
}
