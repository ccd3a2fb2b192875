/**
 * What one cluster's control plane is built from, and the check that runs before any
 * construct exists: a bad value stops `cdk synth` with the field, the value and what is
 * allowed, instead of a CloudFormation failure ten minutes into a deploy.
 */
import { z } from 'zod';
import { InvalidInputError } from '../../core/errors';

export interface CustomNetworkProps {
  /** Subnet for pod ENIs of nodes that pick this config; it must be in the node's AZ. */
  readonly subnetId: string;
  /** Security groups for those ENIs (1 to 16). */
  readonly securityGroups: readonly string[];
}

export interface LedgerClusterProps {
  /** Kubernetes cluster name: the value of the cluster tag on every ENI the control plane creates. */
  readonly clusterName: string;
  /** The VPC the nodes run in; pod ENIs are created only in its subnets. */
  readonly vpcId: string;
  /**
   * Roles the node instances run with; each gets the node policy.
   * @default - a node role (and instance profile) is created
   */
  readonly nodeRoleArns?: readonly string[];
  /**
   * Roles allowed the operator routes (node list, subnet capacity, IP lookup).
   * @default - none; attach the exported operator policy later
   */
  readonly operatorRoleArns?: readonly string[];
  /**
   * Subnets for pod ENIs.
   * @default - subnets tagged kubernetes.io/role/cni, and each node's own subnet
   */
  readonly subnetIds?: readonly string[];
  /**
   * Custom networking (AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG), by config name as the ENIConfig
   * name would be.
   * @default - none
   */
  readonly customNetworkConfigs?: Readonly<Record<string, CustomNetworkProps>>;
  /**
   * Tag key that marks the cluster's node instances; ENIs may be attached to and detached
   * from only instances carrying it (value `owned` or `shared`). EKS node groups, eksctl,
   * Karpenter and kOps set it.
   * @default `kubernetes.io/cluster/<clusterName>`
   */
  readonly nodeInstanceTagKey?: string;
  /** @default true — the ledger is the only record of which addresses belong to which node */
  readonly deletionProtection?: boolean;
  /** @default 30 */
  readonly logRetentionDays?: number;
  /** How often the reconciler runs. @default 5 */
  readonly reconcileEveryMinutes?: number;
  /** Age an unowned, available cluster ENI must reach before the reconciler deletes it. @default 600 */
  readonly leakGraceSeconds?: number;
  /**
   * Serve single pod addresses out of /28 prefixes on Nitro nodes: one EC2 call and one ENI
   * slot per 16 addresses. Turn off when subnets are too fragmented for aligned /28s.
   * @default true
   */
  readonly carvePrefixes?: boolean;
}

/** Retention periods CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;
const VPC_ID = /^vpc-[0-9a-f]{8,17}$/;
const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;
const SECURITY_GROUP_ID = /^sg-[0-9a-f]{8,17}$/;
const CONFIG_NAME = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/;
const TAG_KEY = /^[\w .:/=+@-]{1,127}$/;

const CLUSTER_NAME_RULE = 'is required: 1-100 characters of letters, digits, - and _, starting alphanumeric';
const VPC_ID_RULE = 'is required: a VPC id such as vpc-0123456789abcdef0';

const roleArns = z
  .array(z.string().regex(ROLE_ARN, 'must be IAM role ARNs such as arn:aws:iam::123456789012:role/nodes'))
  .min(1, 'must list at least one role ARN when given');

const schema = z
  .object({
    clusterName: z.string({ error: CLUSTER_NAME_RULE }).regex(CLUSTER_NAME, CLUSTER_NAME_RULE),
    vpcId: z.string({ error: VPC_ID_RULE }).regex(VPC_ID, VPC_ID_RULE),
    nodeRoleArns: roleArns.optional(),
    operatorRoleArns: roleArns.optional(),
    subnetIds: z
      .array(z.string().regex(SUBNET_ID, 'must be subnet ids such as subnet-0123456789abcdef0'))
      .min(1, 'must list at least one subnet when given')
      .optional(),
    customNetworkConfigs: z
      .record(
        z
          .string()
          .regex(CONFIG_NAME, 'must be names like ENIConfig names: lowercase letters, digits, . and -'),
        z
          .object({
            subnetId: z.string().regex(SUBNET_ID, 'must be a subnet id such as subnet-0123456789abcdef0'),
            securityGroups: z
              .array(
                z
                  .string()
                  .regex(SECURITY_GROUP_ID, 'must be security group ids such as sg-0123456789abcdef0'),
              )
              .min(1, 'must list 1 to 16 security groups')
              .max(16, 'must list 1 to 16 security groups'),
          })
          .strict(),
      )
      .optional(),
    nodeInstanceTagKey: z
      .string()
      .regex(TAG_KEY, 'must be an EC2 tag key of 1-127 characters')
      .refine((k) => !k.toLowerCase().startsWith('aws:'), 'must not start with aws:')
      .optional(),
    deletionProtection: z.boolean().optional(),
    logRetentionDays: z
      .number()
      .refine(
        (d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d),
        `must be one of ${LOG_RETENTION_DAYS.join(', ')}`,
      )
      .optional(),
    reconcileEveryMinutes: z
      .number()
      .int('must be a whole number of minutes from 1 to 60')
      .min(1, 'must be a whole number of minutes from 1 to 60')
      .max(60, 'must be a whole number of minutes from 1 to 60')
      .optional(),
    leakGraceSeconds: z
      .number()
      .int('must be a whole number of seconds from 60 to 86400')
      .min(60, 'must be a whole number of seconds from 60 to 86400')
      .max(86_400, 'must be a whole number of seconds from 60 to 86400')
      .optional(),
    carvePrefixes: z.boolean('must be true or false').optional(),
  })
  .strict();

/** Props with every default applied: what the constructs read. */
export interface ResolvedClusterProps {
  readonly clusterName: string;
  readonly vpcId: string;
  readonly nodeRoleArns?: readonly string[];
  readonly operatorRoleArns: readonly string[];
  readonly subnetIds?: readonly string[];
  readonly customNetworkConfigs: Readonly<Record<string, CustomNetworkProps>>;
  readonly nodeInstanceTagKey: string;
  readonly deletionProtection: boolean;
  readonly logRetentionDays: (typeof LOG_RETENTION_DAYS)[number];
  readonly reconcileEveryMinutes: number;
  readonly leakGraceSeconds: number;
  readonly carvePrefixes: boolean;
}

/** Checks every prop and applies defaults; throws InvalidInputError naming the first bad field. */
export function resolveClusterProps(props: LedgerClusterProps): ResolvedClusterProps {
  const parsed = schema.safeParse(props);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      const field = [...path, issue.keys[0]!];
      const allowed =
        path.length === 0
          ? `is not a known prop; known: ${Object.keys(schema.shape).join(', ')}`
          : 'is not a known field here; allowed: subnetId, securityGroups';
      throw new InvalidInputError(field.join('.'), valueAt(props, field), allowed);
    }
    throw new InvalidInputError(path.join('.') || 'props', valueAt(props, path), issue.message);
  }
  const p = parsed.data;
  return {
    clusterName: p.clusterName,
    vpcId: p.vpcId,
    nodeRoleArns: p.nodeRoleArns,
    operatorRoleArns: p.operatorRoleArns ?? [],
    subnetIds: p.subnetIds,
    customNetworkConfigs: p.customNetworkConfigs ?? {},
    nodeInstanceTagKey: p.nodeInstanceTagKey ?? `kubernetes.io/cluster/${p.clusterName}`,
    deletionProtection: p.deletionProtection ?? true,
    logRetentionDays: (p.logRetentionDays ?? 30) as ResolvedClusterProps['logRetentionDays'],
    reconcileEveryMinutes: p.reconcileEveryMinutes ?? 5,
    leakGraceSeconds: p.leakGraceSeconds ?? 600,
    carvePrefixes: p.carvePrefixes ?? true,
  };
}

/** The role name IAM puts in `assumed-role/<name>/<session>`: the ARN's last path segment. */
export function roleNameFromArn(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let value: unknown = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}
