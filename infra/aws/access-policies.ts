/**
 * Who may call the API. Nodes get execute-api:Invoke on the node routes and nothing else: no
 * EC2 action, so a compromised node cannot touch any interface. Operators get the other routes.
 */
import { Effect, type IRole, ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { NODE_ROUTES, ROUTES, type RouteName } from '../../core/contract/api';
import type { LedgerHttpApi } from './http-api';

export const OPERATOR_ROUTES: readonly RouteName[] = (Object.keys(ROUTES) as RouteName[]).filter(
  (name) => !NODE_ROUTES.includes(name),
);

export interface AccessPoliciesProps {
  readonly clusterName: string;
  readonly api: LedgerHttpApi;
  readonly nodeRoles: readonly IRole[];
  readonly operatorRoles: readonly IRole[];
}

export class AccessPolicies extends Construct {
  public readonly nodePolicy: ManagedPolicy;
  public readonly operatorPolicy: ManagedPolicy;

  constructor(scope: Construct, id: string, props: AccessPoliciesProps) {
    super(scope, id);
    this.nodePolicy = invokePolicy(this, 'NodePolicy', {
      description: `Ledger CNI nodes of cluster ${props.clusterName}: call the node routes of the control plane`,
      resources: props.api.routeArns(NODE_ROUTES),
      roles: props.nodeRoles,
    });
    this.operatorPolicy = invokePolicy(this, 'OperatorPolicy', {
      description: `Ledger CNI operators of cluster ${props.clusterName}: node list, subnet capacity, IP lookup`,
      resources: props.api.routeArns(OPERATOR_ROUTES),
      roles: props.operatorRoles,
    });
  }
}

function invokePolicy(
  scope: Construct,
  id: string,
  opts: { description: string; resources: string[]; roles: readonly IRole[] },
): ManagedPolicy {
  return new ManagedPolicy(scope, id, {
    description: opts.description,
    statements: [
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['execute-api:Invoke'],
        resources: opts.resources,
      }),
    ],
    roles: [...opts.roles],
  });
}
