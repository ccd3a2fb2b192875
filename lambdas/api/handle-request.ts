/**
 * The api Lambda's logic: one HTTP API (payload 2.0) event in, one answer out. Identity
 * comes from the IAM authorizer only; bodies are checked with the contract's zod schemas
 * before anything is touched.
 */
import type { APIGatewayProxyEventV2WithIAMAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  IpLookupPath,
  LeaseRequest,
  NodePath,
  type PodAssignment,
  RegisterNodeRequest,
  ReleaseRequest,
  ROUTES,
  type RouteName,
  UsageReport,
} from '../../core/contract/api';
import {
  type ControlPlaneContext,
  leaseAddresses,
  registerNode,
  releaseAddresses,
  requireNode,
} from '../../core/ec2';
import { InvalidInputError } from '../../core/errors';
import { listNodeAddresses, putUsage } from '../../core/ledger';
import { cidrContains, parseCidr, parseIpv4 } from '../../core/net/ipv4';
import { answerForError, errorAnswer, json } from './answers';
import { type AccessPolicy, callerOf, denialFor } from './identity';
import { lookupIp, nodeList, nodeState, subnetCapacity } from './views';

export type ApiDeps = ControlPlaneContext & AccessPolicy;

const ROUTE_BY_KEY = new Map<string, RouteName>(
  Object.entries(ROUTES).map(([name, key]) => [key, name as RouteName]),
);

export async function handleApiRequest(
  deps: ApiDeps,
  event: APIGatewayProxyEventV2WithIAMAuthorizer,
): Promise<APIGatewayProxyStructuredResultV2> {
  const route = ROUTE_BY_KEY.get(event.routeKey);
  if (!route) return errorAnswer(404, { code: 'NotFound', message: `no route ${event.routeKey}` });
  const caller = callerOf(event.requestContext.authorizer?.iam?.userArn);
  const pathInstanceId = event.pathParameters?.instanceId;
  const denial = denialFor(deps, caller, route, pathInstanceId);
  if (denial) return errorAnswer(403, { code: 'Forbidden', message: denial });
  try {
    return json(200, await serve(deps, route, event));
  } catch (error) {
    return answerForError(error, deps.log);
  }
}

async function serve(
  deps: ApiDeps,
  route: RouteName,
  event: APIGatewayProxyEventV2WithIAMAuthorizer,
): Promise<unknown> {
  switch (route) {
    case 'registerNode': {
      const { instanceId } = NodePath.parse(event.pathParameters ?? {});
      return registerNode(deps, instanceId, RegisterNodeRequest.parse(bodyOf(event)));
    }
    case 'getNode':
      return nodeState(deps, NodePath.parse(event.pathParameters ?? {}).instanceId);
    case 'lease': {
      const { instanceId } = NodePath.parse(event.pathParameters ?? {});
      return leaseAddresses(deps, instanceId, LeaseRequest.parse(bodyOf(event)));
    }
    case 'release': {
      const { instanceId } = NodePath.parse(event.pathParameters ?? {});
      return releaseAddresses(deps, instanceId, ReleaseRequest.parse(bodyOf(event)));
    }
    case 'reportUsage': {
      const { instanceId } = NodePath.parse(event.pathParameters ?? {});
      const report = UsageReport.parse(bodyOf(event));
      await requireNode(deps, instanceId);
      await requireLeasedToNode(deps, instanceId, report.assignments);
      const accepted = await putUsage(deps.ledger, { instanceId, ...report });
      return { accepted };
    }
    case 'listNodes':
      return nodeList(deps);
    case 'subnetCapacity':
      return subnetCapacity(deps);
    case 'lookupIp':
      return lookupIp(deps, IpLookupPath.parse(event.pathParameters ?? {}).ip);
  }
}

function bodyOf(event: APIGatewayProxyEventV2WithIAMAuthorizer): unknown {
  const text = event.isBase64Encoded
    ? Buffer.from(event.body ?? '', 'base64').toString('utf8')
    : (event.body ?? '');
  if (text.trim() === '') throw new InvalidInputError('body', '', 'a JSON object');
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidInputError('body', text.slice(0, 80), 'valid JSON');
  }
}

/** A node may report only pods on addresses it holds: the map feeds lookups and capacity views. */
async function requireLeasedToNode(deps: ApiDeps, instanceId: string, assignments: PodAssignment[]) {
  if (assignments.length === 0) return;
  const held = (await listNodeAddresses(deps.ledger, instanceId)).filter((a) => a.state === 'leased');
  const single = new Set(held.filter((a) => a.kind === 'ipv4').map((a) => a.address));
  const prefixes = held.filter((a) => a.kind === 'prefix').map((a) => parseCidr(a.address));
  assignments.forEach((a, i) => {
    const ip = parseIpv4(a.ip);
    if (!single.has(a.ip) && !prefixes.some((p) => cidrContains(p, ip))) {
      throw new InvalidInputError(`assignments[${i}].ip`, a.ip, `an address leased to ${instanceId}`);
    }
  });
}
