/**
 * Environment variables of the control plane's Lambda functions. The CDK stack sets them and
 * the handlers (and the local host, which runs the same handlers) read them: one list, so
 * the two cannot drift.
 */
export const LAMBDA_ENV = {
  /** DynamoDB table holding the ledger. */
  tableName: 'LEDGER_TABLE_NAME',
  /** Cluster name: the value of the cluster.k8s.amazonaws.com/name tag on every ENI we own. */
  clusterName: 'CLUSTER_NAME',
  vpcId: 'VPC_ID',
  /** Comma-separated IAM role names whose sessions (named by instance id) are nodes. */
  nodeRoleNames: 'NODE_ROLE_NAMES',
  /** Comma-separated IAM role names allowed the operator routes (capacity, lookup, node list). */
  operatorRoleNames: 'OPERATOR_ROLE_NAMES',
  /** Optional comma-separated subnet ids for pod ENIs; when unset, subnets tagged kubernetes.io/role/cni. */
  subnetIds: 'SUBNET_IDS',
  /** Optional JSON {"<name>": {"subnetId": "...", "securityGroups": ["sg-..."]}}: custom networking. */
  customNetworkConfigs: 'CUSTOM_NETWORK_CONFIGS',
  /** "false" turns off serving single addresses out of /28 prefixes on Nitro nodes (default "true"). */
  carvePrefixes: 'CARVE_PREFIXES',
  /** Seconds an unowned, available ENI tagged with the cluster must age before the reconciler deletes it. */
  leakGraceSeconds: 'LEAK_GRACE_SECONDS',
  /** Local mode only: endpoint overrides for the EC2 simulator and dynalite. */
  ec2Endpoint: 'AWS_EC2_ENDPOINT',
  dynamodbEndpoint: 'DYNAMODB_ENDPOINT',
} as const;
export type LambdaEnvName = (typeof LAMBDA_ENV)[keyof typeof LAMBDA_ENV];

/** Handler entry files (relative to the package root) and their exported function name. */
export const LAMBDA_ENTRIES = {
  api: 'lambdas/api/index.ts',
  instanceEvents: 'lambdas/instance-events/index.ts',
  reconciler: 'lambdas/reconciler/index.ts',
} as const;
export const LAMBDA_HANDLER_EXPORT = 'handler';
