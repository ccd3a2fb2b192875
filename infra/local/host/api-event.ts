/**
 * Builds the HTTP API payload-2.0 event exactly as API Gateway hands it to a Lambda behind
 * an IAM authorizer: routeKey and pathParameters from the route templates, the verified
 * caller in requestContext.authorizer.iam.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2WithIAMAuthorizer } from 'aws-lambda';
import { ROUTES } from '../../../core/contract/api';
import type { VerifiedCaller } from './sigv4-verifier';

export interface RouteMatch {
  routeKey: string;
  pathParameters: Record<string, string>;
}

const TEMPLATES = Object.values(ROUTES).map((key) => {
  const [method, template] = key.split(' ') as [string, string];
  const names: string[] = [];
  const pattern = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { key, method, regex: new RegExp(`^${pattern}$`), names };
});

export function matchRoute(method: string, path: string): RouteMatch | undefined {
  for (const t of TEMPLATES) {
    if (t.method !== method) continue;
    const m = t.regex.exec(path);
    if (!m) continue;
    const pathParameters: Record<string, string> = {};
    t.names.forEach((name, i) => {
      pathParameters[name] = decodeURIComponent(m[i + 1]!);
    });
    return { routeKey: t.key, pathParameters };
  }
  return undefined;
}

export interface RawRequest {
  method: string;
  path: string;
  rawQueryString: string;
  headers: Record<string, string>;
  body: string;
  sourceIp: string;
}

export function apiEventOf(
  req: RawRequest,
  route: RouteMatch,
  caller: VerifiedCaller,
  accountId: string,
): APIGatewayProxyEventV2WithIAMAuthorizer {
  const now = new Date();
  const query = new URLSearchParams(req.rawQueryString);
  return {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath: req.path,
    rawQueryString: req.rawQueryString,
    headers: req.headers,
    ...(req.rawQueryString ? { queryStringParameters: Object.fromEntries(query) } : {}),
    pathParameters: route.pathParameters,
    body: req.body === '' ? undefined : req.body,
    isBase64Encoded: false,
    requestContext: {
      accountId,
      apiId: 'local',
      domainName: req.headers.host ?? '127.0.0.1',
      domainPrefix: 'local',
      http: {
        method: req.method,
        path: req.path,
        protocol: 'HTTP/1.1',
        sourceIp: req.sourceIp,
        userAgent: req.headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: route.routeKey,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
      authorizer: {
        iam: {
          accessKey: caller.accessKeyId,
          accountId,
          callerId: `AROALOCAL:${caller.sessionName}`,
          cognitoIdentity: null,
          principalOrgId: '',
          userArn: caller.arn,
          userId: `AROALOCAL:${caller.sessionName}`,
        },
      },
    },
  };
}
