import { InvalidInputError } from '../../../core/errors';
import { clusterPropsFromContext } from '../../../infra/aws/app-context';
import {
  type LedgerClusterProps,
  resolveClusterProps,
  roleNameFromArn,
} from '../../../infra/aws/cluster-props';
import { LedgerClusterStack } from '../../../infra/aws/cluster-stack';
import { DEMO, newApp, removeAppOutputs } from './stack-fixture';

describe('Function: resolveClusterProps', () => {
  afterAll(removeAppOutputs);

  it('applies the documented defaults', () => {
    // Act
    const resolved = resolveClusterProps(DEMO);

    // Assess
    expect(resolved).toEqual({
      clusterName: 'demo',
      vpcId: DEMO.vpcId,
      nodeRoleArns: undefined,
      operatorRoleArns: [],
      subnetIds: undefined,
      customNetworkConfigs: {},
      nodeInstanceTagKey: 'kubernetes.io/cluster/demo',
      deletionProtection: true,
      logRetentionDays: 30,
      reconcileEveryMinutes: 5,
      leakGraceSeconds: 600,
      carvePrefixes: true,
    });
  });

  const bad: [
    string,
    Partial<Record<keyof LedgerClusterProps, unknown>> & Record<string, unknown>,
    string,
    string,
  ][] = [
    [
      'a cluster name with spaces',
      { clusterName: 'my cluster' },
      'clusterName="my cluster"',
      'letters, digits',
    ],
    ['a missing VPC', { vpcId: undefined }, 'vpcId=undefined', 'is required: a VPC id'],
    ['carving given as a string', { carvePrefixes: 'yes' }, 'carvePrefixes="yes"', 'true or false'],
    ['a malformed VPC id', { vpcId: 'vpc-12' }, 'vpcId="vpc-12"', 'vpc-0123456789abcdef0'],
    [
      'a user ARN as node role',
      { nodeRoleArns: ['arn:aws:iam::123456789012:user/bob'] },
      'nodeRoleArns.0="arn:aws:iam::123456789012:user/bob"',
      'IAM role ARNs',
    ],
    ['an empty node role list', { nodeRoleArns: [] }, 'nodeRoleArns=[]', 'at least one role'],
    ['a subnet that is not a subnet id', { subnetIds: ['sn-1'] }, 'subnetIds.0="sn-1"', 'subnet ids'],
    [
      'a custom-network config without security groups',
      { customNetworkConfigs: { az1: { subnetId: 'subnet-0aaaaaaaaaaaaaaa1', securityGroups: [] } } },
      'customNetworkConfigs.az1.securityGroups=[]',
      '1 to 16 security groups',
    ],
    [
      'a custom-network config with an unknown field',
      {
        customNetworkConfigs: {
          az1: { subnetId: 'subnet-0aaaaaaaaaaaaaaa1', securityGroups: ['sg-0aaaaaaaaaaaaaaa1'], zone: 'a' },
        },
      },
      'customNetworkConfigs.az1.zone="a"',
      'allowed: subnetId, securityGroups',
    ],
    ['an unsupported log retention', { logRetentionDays: 42 }, 'logRetentionDays=42', 'one of 1, 3, 5'],
    ['a zero reconcile interval', { reconcileEveryMinutes: 0 }, 'reconcileEveryMinutes=0', 'from 1 to 60'],
    ['a short leak grace', { leakGraceSeconds: 5 }, 'leakGraceSeconds=5', 'from 60 to 86400'],
    [
      'a misspelt prop',
      { vpcID: 'vpc-0123456789abcdef0' },
      'vpcID="vpc-0123456789abcdef0"',
      'known: clusterName',
    ],
    ['an aws: node instance tag', { nodeInstanceTagKey: 'aws:x' }, 'nodeInstanceTagKey="aws:x"', 'aws:'],
  ];

  it.each(bad)(
    'rejects %s, naming the field, the value and what is allowed',
    (_what, change, named, allowed) => {
      // Prepare
      const props = { ...DEMO, ...change } as LedgerClusterProps;

      // Act
      const act = () => resolveClusterProps(props);

      // Assess
      expect(act).toThrow(InvalidInputError);
      expect(act).toThrow(named);
      expect(act).toThrow(allowed);
    },
  );

  it('leaves the app without a stack when the props are bad', () => {
    // Prepare
    const app = newApp();

    // Act
    const act = () => new LedgerClusterStack(app, 'Bad', { cluster: { ...DEMO, vpcId: 'nope' } });

    // Assess
    expect(act).toThrow('vpcId="nope" is not valid');
    expect(app.node.children).toHaveLength(0);
  });

  it('takes the role name from the last segment of a role ARN with a path', () => {
    // Act / Assess
    expect(roleNameFromArn('arn:aws:iam::123456789012:role/eks/nodes/worker-a')).toBe('worker-a');
  });
});

describe('Function: clusterPropsFromContext', () => {
  it('reads -c strings: comma lists, JSON, booleans and numbers', () => {
    // Prepare
    const context: Record<string, string> = {
      clusterName: 'demo',
      vpcId: DEMO.vpcId,
      nodeRoleArns: 'arn:aws:iam::123456789012:role/a, arn:aws:iam::123456789012:role/b',
      subnetIds: 'subnet-0aaaaaaaaaaaaaaa1',
      customNetworkConfigs:
        '{"az1":{"subnetId":"subnet-0aaaaaaaaaaaaaaa1","securityGroups":["sg-0aaaaaaaaaaaaaaa1"]}}',
      deletionProtection: 'false',
      logRetentionDays: '90',
      reconcileEveryMinutes: '10',
    };

    // Act
    const props = clusterPropsFromContext((key) => context[key]);

    // Assess
    expect(props).toMatchObject({
      clusterName: 'demo',
      nodeRoleArns: ['arn:aws:iam::123456789012:role/a', 'arn:aws:iam::123456789012:role/b'],
      subnetIds: ['subnet-0aaaaaaaaaaaaaaa1'],
      customNetworkConfigs: {
        az1: { subnetId: 'subnet-0aaaaaaaaaaaaaaa1', securityGroups: ['sg-0aaaaaaaaaaaaaaa1'] },
      },
      deletionProtection: false,
      logRetentionDays: 90,
      reconcileEveryMinutes: 10,
    });
    expect(props.operatorRoleArns).toBeUndefined();
    expect(() => resolveClusterProps(props)).not.toThrow();
  });

  it('reads typed values from cdk.json as they are', () => {
    // Prepare
    const context: Record<string, unknown> = {
      ...DEMO,
      subnetIds: ['subnet-0aaaaaaaaaaaaaaa1'],
      deletionProtection: true,
    };

    // Act
    const props = clusterPropsFromContext((key) => context[key]);

    // Assess
    expect(props).toMatchObject({ subnetIds: ['subnet-0aaaaaaaaaaaaaaa1'], deletionProtection: true });
  });

  it.each([
    ['deletionProtection', 'yes', 'deletionProtection="yes" is not valid: must be true or false'],
    ['customNetworkConfigs', '{az1', 'customNetworkConfigs="{az1" is not valid: must be JSON'],
  ])('rejects %s=%s with a clear message', (key, value, message) => {
    // Act
    const act = () => clusterPropsFromContext((k) => ({ ...DEMO, [key]: value })[k]);

    // Assess
    expect(act).toThrow(message);
  });

  it('passes a non-numeric number through so the props check names it', () => {
    // Act
    const props = clusterPropsFromContext((k) => ({ ...DEMO, logRetentionDays: 'month' })[k]);

    // Assess
    expect(() => resolveClusterProps(props)).toThrow('logRetentionDays="month" is not valid');
  });
});
