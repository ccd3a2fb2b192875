/**
 * The control plane's EC2 rights, written out because L2 grants cannot express them. Every
 * mutating statement is fenced by a condition: ENIs by the cluster tag (aws:RequestTag when
 * created, ec2:ResourceTag afterwards), subnets and security groups by the VPC, instances by
 * the node instance tag. Only Describe* is unconditioned: EC2 supports no resource scoping for it.
 */
import { Arn, ArnFormat, type Stack } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { TAGS } from '../../core/contract/tags';
import type { HandlerName } from './control-plane-function';

/** The reads core/ec2 makes (describe.ts). */
export const EC2_DESCRIBE_ACTIONS = [
  'ec2:DescribeInstances',
  'ec2:DescribeInstanceTypes',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DescribeVpcs',
] as const;

/**
 * What each function may do to ENIs beyond Describe*, from the core/ec2 steps it runs: the api
 * registers, leases (grow-eni, assign) and releases (trim); instance-events forgets a node
 * (forget-node); the reconciler finishes crashed leases (attachAndRecord), trims and sweeps.
 */
export const EC2_RIGHTS_BY_HANDLER = {
  api: ['create', 'claimPrimaryEni', 'attach', 'detach', 'modify', 'assign', 'unassign', 'delete'],
  instanceEvents: ['delete'],
  reconciler: ['attach', 'modify', 'unassign', 'detach', 'delete'],
} as const satisfies Record<HandlerName, readonly Ec2Right[]>;

export type Ec2Right =
  | 'create'
  | 'claimPrimaryEni'
  | 'attach'
  | 'detach'
  | 'modify'
  | 'assign'
  | 'unassign'
  | 'delete';

export interface Ec2ScopeProps {
  readonly clusterName: string;
  readonly vpcId: string;
  /** Subnets pod ENIs may be created in; absent means any subnet of the VPC. */
  readonly subnetIds?: readonly string[];
  readonly nodeInstanceTagKey: string;
}

export function ec2Statements(stack: Stack, handler: HandlerName, scope: Ec2ScopeProps): PolicyStatement[] {
  const arn = (resource: string, name: string) =>
    Arn.format(
      { service: 'ec2', resource, resourceName: name, arnFormat: ArnFormat.SLASH_RESOURCE_NAME },
      stack,
    );
  const eni = arn('network-interface', '*');
  const inVpc = { 'ec2:Vpc': arn('vpc', scope.vpcId) };
  const clusterEni = { StringEquals: { [`ec2:ResourceTag/${TAGS.clusterName}`]: scope.clusterName } };
  const nodeInstance = {
    StringEquals: { [`ec2:ResourceTag/${scope.nodeInstanceTagKey}`]: ['owned', 'shared'] },
  };
  const onClusterEnis = (actions: string[]) =>
    new PolicyStatement({ effect: Effect.ALLOW, actions, resources: [eni], conditions: clusterEni });
  const onNodeInstances = (actions: string[]) =>
    new PolicyStatement({
      effect: Effect.ALLOW,
      actions,
      resources: [arn('instance', '*')],
      conditions: nodeInstance,
    });

  const byRight: Record<Ec2Right, () => PolicyStatement[]> = {
    create: () => [
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['ec2:CreateNetworkInterface'],
        resources: [eni],
        conditions: { StringEquals: { [`aws:RequestTag/${TAGS.clusterName}`]: scope.clusterName } },
      }),
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['ec2:CreateNetworkInterface'],
        resources: scope.subnetIds?.map((id) => arn('subnet', id)) ?? [arn('subnet', '*')],
        conditions: { StringEquals: inVpc },
      }),
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['ec2:CreateNetworkInterface'],
        resources: [arn('security-group', '*')],
        conditions: { StringEquals: inVpc },
      }),
      // Tags can be set only as part of the create call itself.
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['ec2:CreateTags'],
        resources: [eni],
        conditions: {
          StringEquals: {
            'ec2:CreateAction': 'CreateNetworkInterface',
            [`aws:RequestTag/${TAGS.clusterName}`]: scope.clusterName,
          },
        },
      }),
    ],
    // A node's primary ENI was made by EC2, not by us: registering tags it with the cluster so
    // that assigning addresses to it passes the tag condition. Never an ENI of another cluster.
    claimPrimaryEni: () => [
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['ec2:CreateTags'],
        resources: [eni],
        conditions: {
          StringEquals: { ...inVpc, [`aws:RequestTag/${TAGS.clusterName}`]: scope.clusterName },
          StringEqualsIfExists: { [`ec2:ResourceTag/${TAGS.clusterName}`]: scope.clusterName },
          'ForAllValues:StringEquals': { 'aws:TagKeys': [TAGS.clusterName, TAGS.instanceId] },
        },
      }),
    ],
    attach: () => [
      onClusterEnis(['ec2:AttachNetworkInterface']),
      onNodeInstances(['ec2:AttachNetworkInterface']),
    ],
    detach: () => [
      onClusterEnis(['ec2:DetachNetworkInterface']),
      onNodeInstances(['ec2:DetachNetworkInterface']),
    ],
    modify: () => [onClusterEnis(['ec2:ModifyNetworkInterfaceAttribute'])],
    assign: () => [onClusterEnis(['ec2:AssignPrivateIpAddresses'])],
    unassign: () => [onClusterEnis(['ec2:UnassignPrivateIpAddresses'])],
    delete: () => [onClusterEnis(['ec2:DeleteNetworkInterface'])],
  };

  return [
    new PolicyStatement({ effect: Effect.ALLOW, actions: [...EC2_DESCRIBE_ACTIONS], resources: ['*'] }),
    ...EC2_RIGHTS_BY_HANDLER[handler].flatMap((right) => byRight[right]()),
  ];
}
