import type { APIGatewayProxyEventV2WithIAMAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { LAMBDA_ENV } from '../../core/contract/lambda-env';
import { contextFromEnv, list } from '../shared/context-from-env';
import { type ApiDeps, handleApiRequest } from './handle-request';

const deps: ApiDeps = {
  ...contextFromEnv(process.env, 'ledger-api'),
  nodeRoleNames: list(process.env, LAMBDA_ENV.nodeRoleNames),
  operatorRoleNames: list(process.env, LAMBDA_ENV.operatorRoleNames),
};

export function handler(
  event: APIGatewayProxyEventV2WithIAMAuthorizer,
): Promise<APIGatewayProxyStructuredResultV2> {
  return handleApiRequest(deps, event);
}
