import { Validations } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { LedgerClusterStack } from '../../../infra/aws/cluster-stack';
import { HANDLER_CODE } from '../../../infra/aws/control-plane-function';
import { ACCEPTED_FINDINGS } from '../../../infra/aws/nag-suppressions';
import { buildStack, DEMO, newApp, removeAppOutputs } from './stack-fixture';

const ACK_KEY = Validations.ACKNOWLEDGED_RULES_METADATA_KEY;

describe('Function: acknowledgeNagFindings', () => {
  afterAll(removeAppOutputs);

  it.each([
    ['the default stack', DEMO],
    [
      'a stack with node roles, operators, subnets and custom networking',
      {
        ...DEMO,
        nodeRoleArns: ['arn:aws:iam::123456789012:role/nodes'],
        operatorRoleArns: ['arn:aws:iam::123456789012:role/ops'],
        subnetIds: ['subnet-0bbbbbbbbbbbbbbb1'],
        customNetworkConfigs: {
          az1: { subnetId: 'subnet-0aaaaaaaaaaaaaaa1', securityGroups: ['sg-0aaaaaaaaaaaaaaa1'] },
        },
      },
    ],
  ])('leaves no unacknowledged AwsSolutions finding on %s', (_what, cluster) => {
    // Prepare
    const { app, stack } = buildStack(cluster);

    // Act
    const report = new AwsSolutionsChecks().validateScope(stack);

    // Assess
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
    expect(() => app.synth()).not.toThrow();
  });

  it('acknowledges each finding with a reason, on the construct that has it', () => {
    // Prepare
    const { stack } = buildStack();

    // Act
    const acknowledged = stack.node
      .findAll()
      .flatMap((c) =>
        c.node.metadata
          .filter((m) => m.type === ACK_KEY)
          .flatMap((m) =>
            Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ c, id, reason })),
          ),
      );

    // Assess
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const { c, id, reason } of acknowledged) {
      expect(c).not.toBe(stack);
      expect(id).toMatch(/AwsSolutions-(IAM5|L1)/);
      expect(reason.length).toBeGreaterThan(30);
      expect(ACCEPTED_FINDINGS.some((a) => a.reason === reason)).toBe(true);
    }
  });

  it('still fails synthesis on a finding nobody accepted', () => {
    // Prepare
    const app = newApp();
    const stack = new LedgerClusterStack(app, 'WithExtra', {
      cluster: DEMO,
      handlerCode: HANDLER_CODE.placeholder,
    });
    const extra = new Role(stack, 'Extra', { assumedBy: new ServicePrincipal('ec2.amazonaws.com') });
    extra.addToPolicy(new PolicyStatement({ actions: ['ec2:*'], resources: ['*'] }));
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    // Act
    const report = new AwsSolutionsChecks().validateScope(stack);

    // Assess
    expect(report.violations.map((v) => v.ruleName).sort()).toEqual([
      'AwsSolutions-IAM5[Action::ec2:*]',
      'AwsSolutions-IAM5[Resource::*]',
    ]);
    expect(() => app.synth()).toThrow(/Acknowledge with 'AwsSolutions::AwsSolutions-IAM5\[Action::ec2:\*\]'/);
  });
});
