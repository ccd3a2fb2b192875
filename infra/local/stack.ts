/**
 * The control plane over a local cloud: the roles, cluster name and endpoints that local mode
 * always uses, derived from the cloud so `ledger-sim up`, the demo, benchmarks and tests wire
 * the two the same way.
 */
import { InvalidInputError } from '../../core/errors';
import type { LocalCloud } from './cloud';
import { type LocalControlPlane, type LocalControlPlaneOptions, startLocalControlPlane } from './host';

/** The instance-profile role of local nodes (the IMDS simulator's default). */
export const LOCAL_NODE_ROLE = 'ledger-node';
export const LOCAL_OPERATOR_ROLE = 'ledger-operator';
export const LOCAL_CLUSTER_NAME = 'ledger-local';

export type ControlPlaneOverrides = Partial<
  Omit<LocalControlPlaneOptions, 'ec2' | 'dynamodbEndpoint' | 'iam' | 'vpcId'>
>;

export function startControlPlaneFor(
  cloud: LocalCloud,
  overrides: ControlPlaneOverrides = {},
): Promise<LocalControlPlane> {
  const vpcId = Object.values(cloud.ec2.scenario.vpcs)[0];
  if (vpcId === undefined)
    throw new InvalidInputError('scenario', 'vpcs', 'a scenario with at least one VPC');
  return startLocalControlPlane({
    clusterName: LOCAL_CLUSTER_NAME,
    nodeRoleNames: [LOCAL_NODE_ROLE],
    operatorRoleNames: [LOCAL_OPERATOR_ROLE],
    reconcileIntervalMs: 30_000,
    ...overrides,
    ec2: { endpoint: cloud.ec2.endpoint, region: cloud.ec2.region, model: cloud.ec2.model },
    dynamodbEndpoint: cloud.dynamodb.endpoint,
    iam: cloud.iam,
    vpcId,
  });
}

/** Shell lines that let ledgerctl (or any SigV4 client) call the local API as the operator. */
export function operatorEnvLines(cloud: LocalCloud, apiEndpoint: string): string[] {
  const credentials = cloud.iam.issueRoleCredentials(LOCAL_OPERATOR_ROLE, 'operator', 12 * 3600);
  return [
    `export LEDGER_API_ENDPOINT=${apiEndpoint}`,
    `export LEDGER_API_REGION=${cloud.ec2.region}`,
    `export AWS_ACCESS_KEY_ID=${credentials.accessKeyId}`,
    `export AWS_SECRET_ACCESS_KEY=${credentials.secretAccessKey}`,
    `export AWS_SESSION_TOKEN=${credentials.sessionToken}`,
  ];
}
