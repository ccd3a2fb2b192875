import { Capture, Match, type Template } from 'aws-cdk-lib/assertions';
import { ROUTES } from '../../../core/contract/api';
import { LAMBDA_ENV } from '../../../core/contract/lambda-env';
import { TAGS } from '../../../core/contract/tags';
import { tableDefinition } from '../../../core/ledger/table';
import type { LedgerClusterStack } from '../../../infra/aws/cluster-stack';
import { INSTANCE_TERMINATED_PATTERN } from '../../../infra/aws/event-rules';
import { LEDGER_KEY, LEDGER_TTL_ATTRIBUTE } from '../../../infra/aws/ledger-table';
import { buildStack, DEMO, logicalId, removeAppOutputs } from './stack-fixture';

describe('Class: LedgerClusterStack', () => {
  let stack: LedgerClusterStack;
  let template: Template;

  afterAll(removeAppOutputs);

  beforeAll(() => {
    // Prepare: one synth for the whole file
    ({ stack, template } = buildStack());
  });

  describe('Part: ledger table', () => {
    it('keys on pk (S) and sk (S), on demand, with PITR, TTL on expiresAt and deletion protection', () => {
      // Act / Assess
      template.resourceCountIs('AWS::DynamoDB::Table', 1);
      template.hasResource('AWS::DynamoDB::Table', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {
          KeySchema: [
            { AttributeName: LEDGER_KEY.partition, KeyType: 'HASH' },
            { AttributeName: LEDGER_KEY.sort, KeyType: 'RANGE' },
          ],
          AttributeDefinitions: Match.arrayWith([
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
          ]),
          BillingMode: 'PAY_PER_REQUEST',
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          TimeToLiveSpecification: { AttributeName: LEDGER_TTL_ATTRIBUTE, Enabled: true },
          DeletionProtectionEnabled: true,
        },
      });
      expect(LEDGER_TTL_ATTRIBUTE).toBe('expiresAt');
    });

    it('has the same indexes as the table local mode creates from core/ledger', () => {
      // Prepare
      const local = tableDefinition('ledger');

      // Assess
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        GlobalSecondaryIndexes: (local.GlobalSecondaryIndexes ?? []).map((index) => ({
          IndexName: index.IndexName,
          KeySchema: index.KeySchema,
          Projection: index.Projection,
        })),
        AttributeDefinitions: Match.arrayWith(local.AttributeDefinitions ?? []),
      });
      expect(local.GlobalSecondaryIndexes?.length).toBeGreaterThan(0);
    });

    it('turns deletion protection off only when asked', () => {
      // Act
      const { template: unprotected } = buildStack({ ...DEMO, deletionProtection: false });

      // Assess
      unprotected.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: false });
    });
  });

  describe('Part: functions', () => {
    it('runs all three handlers on Node.js 22, arm64, with their sizing', () => {
      // Assess
      const expected = {
        api: { MemorySize: 1024, Timeout: 28 },
        instanceEvents: { MemorySize: 256, Timeout: 60 },
        reconciler: { MemorySize: 512, Timeout: 300 },
      } as const;
      template.resourceCountIs('AWS::Lambda::Function', 3);
      for (const [name, sizing] of Object.entries(expected)) {
        const fn = stack.functions[name as keyof typeof expected];
        const resource = template.toJSON().Resources[logicalId(fn.function)];
        expect(resource.Properties).toMatchObject({
          Runtime: 'nodejs22.x',
          Architectures: ['arm64'],
          Handler: 'index.handler',
          ...sizing,
          LoggingConfig: { LogGroup: { Ref: logicalId(fn.logGroup) } },
        });
      }
    });

    it('passes the contract environment: table, cluster, VPC, node and operator roles, leak grace', () => {
      // Assess
      const env = new Capture();
      template.hasResourceProperties('AWS::Lambda::Function', {
        MemorySize: 1024,
        Environment: { Variables: env },
      });
      const vars = env.asObject();
      expect(vars[LAMBDA_ENV.tableName]).toEqual({ Ref: logicalId(stack.table.table) });
      expect(vars[LAMBDA_ENV.clusterName]).toBe('demo');
      expect(vars[LAMBDA_ENV.vpcId]).toBe(DEMO.vpcId);
      expect(vars[LAMBDA_ENV.nodeRoleNames]).toEqual({ Ref: logicalId(stack.node.findChild('NodeRole')) });
      expect(vars[LAMBDA_ENV.operatorRoleNames]).toBe('');
      expect(vars[LAMBDA_ENV.leakGraceSeconds]).toBe('600');
      expect(vars).not.toHaveProperty(LAMBDA_ENV.subnetIds);
      expect(vars).not.toHaveProperty(LAMBDA_ENV.ec2Endpoint);
    });

    it('names imported node roles by their role name, and passes subnets and custom networking', () => {
      // Prepare
      const custom = {
        az1: { subnetId: 'subnet-0aaaaaaaaaaaaaaa1', securityGroups: ['sg-0aaaaaaaaaaaaaaa1'] },
      };

      // Act
      const { template: t } = buildStack({
        ...DEMO,
        nodeRoleArns: [
          'arn:aws:iam::123456789012:role/eks/nodes-a',
          'arn:aws:iam::123456789012:role/nodes-b',
        ],
        operatorRoleArns: ['arn:aws:iam::123456789012:role/ops'],
        subnetIds: ['subnet-0bbbbbbbbbbbbbbb1'],
        customNetworkConfigs: custom,
      });

      // Assess
      t.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            [LAMBDA_ENV.nodeRoleNames]: 'nodes-a,nodes-b',
            [LAMBDA_ENV.operatorRoleNames]: 'ops',
            [LAMBDA_ENV.subnetIds]: 'subnet-0bbbbbbbbbbbbbbb1',
            [LAMBDA_ENV.customNetworkConfigs]: JSON.stringify(custom),
          }),
        },
      });
      t.resourceCountIs('AWS::IAM::InstanceProfile', 0);
    });

    it('keeps every log group for the configured retention', () => {
      // Assess
      const groups = template.findResources('AWS::Logs::LogGroup');
      expect(Object.keys(groups)).toHaveLength(4); // three functions and the API's access log
      for (const group of Object.values(groups)) {
        expect((group as { Properties: { RetentionInDays: number } }).Properties.RetentionInDays).toBe(30);
      }
    });
  });

  describe('Part: HTTP API', () => {
    it('has exactly the contract routes, each behind the IAM authorizer', () => {
      // Assess
      const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(
        (r) => (r as { Properties: { RouteKey: string; AuthorizationType: string } }).Properties,
      );
      expect(routes.map((r) => r.RouteKey).sort()).toEqual(Object.values(ROUTES).sort());
      for (const route of routes) expect(route).toMatchObject({ AuthorizationType: 'AWS_IAM' });
    });

    it('integrates every route with the api function using payload format 2.0', () => {
      // Assess
      template.resourceCountIs('AWS::ApiGatewayV2::Integration', 1);
      template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
        IntegrationUri: { 'Fn::GetAtt': [logicalId(stack.functions.api.function), 'Arn'] },
      });
    });

    it('serves the $default stage with throttling and JSON access logs', () => {
      // Assess
      const format = new Capture();
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: { ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 },
        AccessLogSettings: { DestinationArn: Match.anyValue(), Format: format },
      });
      expect(JSON.parse(format.asString())).toMatchObject({ requestId: '$context.requestId' });
    });
  });

  describe('Part: event rules', () => {
    it('sends EC2 instance terminations to the instance-events function', () => {
      // Assess
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: ['aws.ec2'],
          'detail-type': ['EC2 Instance State-change Notification'],
          detail: { state: ['terminated'] },
        },
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [logicalId(stack.functions.instanceEvents.function), 'Arn'] },
          }),
        ],
      });
      expect(INSTANCE_TERMINATED_PATTERN.detail.state).toEqual(['terminated']);
    });

    it('runs the reconciler on its schedule, with a timeout no longer than the interval', () => {
      // Act
      const { stack: fast, template: t } = buildStack({ ...DEMO, reconcileEveryMinutes: 2 });

      // Assess
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(5 minutes)',
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [logicalId(stack.functions.reconciler.function), 'Arn'] },
          }),
        ],
      });
      t.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(2 minutes)' });
      expect(t.toJSON().Resources[logicalId(fast.functions.reconciler.function)].Properties.Timeout).toBe(
        120,
      );
    });
  });

  describe('Part: outputs', () => {
    it('exports the API URL, the table and both policies, and the created node role', () => {
      // Assess
      const outputs = Object.keys(template.findOutputs('*'));
      expect(outputs.sort()).toEqual(
        [
          'ApiUrl',
          'NodeInstanceProfileArn',
          'NodePolicyArn',
          'NodeRoleArn',
          'OperatorPolicyArn',
          'TableName',
        ].sort(),
      );
      template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [Match.objectLike({ Principal: { Service: 'ec2.amazonaws.com' } })],
        },
      });
      expect(TAGS.clusterName).toBe('cluster.k8s.amazonaws.com/name');
    });
  });
});
