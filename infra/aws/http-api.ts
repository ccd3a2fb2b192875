/**
 * The control plane's HTTP API: one route per entry in ROUTES, every one behind the IAM
 * authorizer (SigV4 with the caller's role), all served by the api function with payload 2.0.
 */
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ROUTES, type RouteName } from '../../core/contract/api';

export interface LedgerHttpApiProps {
  readonly clusterName: string;
  readonly handler: IFunction;
  readonly logRetention: RetentionDays;
}

/** A route key such as `POST /v1/nodes/{instanceId}/register`, split. */
export function splitRouteKey(name: RouteName): { method: HttpMethod; path: string } {
  const [method, path] = ROUTES[name].split(' ') as [keyof typeof HttpMethod, string];
  return { method: HttpMethod[method], path };
}

export class LedgerHttpApi extends Construct {
  public readonly api: HttpApi;
  public readonly stage: HttpStage;

  constructor(scope: Construct, id: string, props: LedgerHttpApiProps) {
    super(scope, id);
    this.api = new HttpApi(this, 'Api', {
      apiName: `ledger-cni-${props.clusterName}`,
      description: `Ledger CNI control plane of cluster ${props.clusterName}`,
      // The stage below carries access logs and throttling, which the implicit one cannot.
      createDefaultStage: false,
    });
    const integration = new HttpLambdaIntegration('Handler', props.handler);
    const authorizer = new HttpIamAuthorizer();
    for (const name of Object.keys(ROUTES) as RouteName[]) {
      const { method, path } = splitRouteKey(name);
      this.api.addRoutes({ path, methods: [method], integration, authorizer });
    }

    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.logRetention });
    this.stage = new HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      // A node reports usage at most every 5 s and only when its pods changed; leases and
      // releases come in batches, off the pod's path. 500 requests/s steady (bursts of 1000)
      // covers 2,500 nodes all churning at once, and still caps what a runaway client can
      // push onto the api function, and through it onto DynamoDB and EC2.
      throttle: { rateLimit: 500, burstLimit: 1000 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            time: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            caller: '$context.identity.userArn',
            sourceIp: '$context.identity.sourceIp',
            latencyMs: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
  }

  /** execute-api ARNs of the given routes on this API's stage; path parameters become `*`. */
  routeArns(names: readonly RouteName[]): string[] {
    return names.map((name) => {
      const { method, path } = splitRouteKey(name);
      return this.api.arnForExecuteApi(method, path.replace(/\{[^}]+\}/g, '*'), this.stage.stageName);
    });
  }
}
