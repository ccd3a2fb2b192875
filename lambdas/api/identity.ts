/**
 * Who is calling, from the IAM authorizer's userArn: a node is
 * `assumed-role/<node role>/<instance id>` and may act only on its own path; operator
 * routes need a session of an operator role.
 */
import { NODE_ROUTES, type RouteName } from '../../core/contract/api';

export interface Caller {
  roleName?: string;
  sessionName?: string;
  arn: string;
}

const ASSUMED_ROLE = /^arn:aws[a-z-]*:sts::\d{12}:assumed-role\/([^/]+)\/([^/]+)$/;

export function callerOf(userArn: string | undefined): Caller {
  const m = ASSUMED_ROLE.exec(userArn ?? '');
  return m ? { arn: userArn!, roleName: m[1], sessionName: m[2] } : { arn: userArn ?? '' };
}

export interface AccessPolicy {
  nodeRoleNames: readonly string[];
  operatorRoleNames: readonly string[];
}

/** Undefined when allowed, else the reason for the 403. */
export function denialFor(
  policy: AccessPolicy,
  caller: Caller,
  route: RouteName,
  pathInstanceId: string | undefined,
): string | undefined {
  const isOperator = caller.roleName !== undefined && policy.operatorRoleNames.includes(caller.roleName);
  if (NODE_ROUTES.includes(route)) {
    if (route === 'getNode' && isOperator) return undefined;
    if (!caller.roleName || !policy.nodeRoleNames.includes(caller.roleName)) {
      return `${caller.arn || 'the caller'} is not a session of a node role (${policy.nodeRoleNames.join(', ')})`;
    }
    if (caller.sessionName !== pathInstanceId) {
      return `node ${caller.sessionName} may act only on itself, not on ${pathInstanceId}`;
    }
    return undefined;
  }
  if (!isOperator) {
    return `${caller.arn || 'the caller'} is not a session of an operator role (${policy.operatorRoleNames.join(', ')})`;
  }
  return undefined;
}
