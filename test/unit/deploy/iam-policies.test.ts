import type { Template } from 'aws-cdk-lib/assertions';
import { NODE_ROUTES, ROUTES } from '../../../core/contract/api';
import { TAGS } from '../../../core/contract/tags';
import { OPERATOR_ROUTES } from '../../../infra/aws/access-policies';
import type { LedgerClusterStack } from '../../../infra/aws/cluster-stack';
import { EC2_DESCRIBE_ACTIONS } from '../../../infra/aws/ec2-permissions';
import {
  actionsOf,
  buildStack,
  DEMO,
  inlineStatementsOfRole,
  logicalId,
  removeAppOutputs,
  resourceStrings,
  type Statement,
} from './stack-fixture';

const CLUSTER_TAG = `${TAGS.clusterName}`;
const VPC_ARN_SUFFIX = `:vpc/${DEMO.vpcId}`;

function ec2Statements(
  template: Template,
  stack: LedgerClusterStack,
  handler: keyof LedgerClusterStack['functions'],
) {
  return inlineStatementsOfRole(template, logicalId(stack.functions[handler].role)).filter((s) =>
    actionsOf(s).some((a) => a.startsWith('ec2:')),
  );
}

/** The condition that fences a statement on the given resource type, or undefined. */
function fenceOf(s: Statement, resourceType: string): string | undefined {
  const c = s.Condition ?? {};
  const eq = { ...(c.StringEquals ?? {}) } as Record<string, unknown>;
  if (resourceType === 'network-interface') {
    if (eq[`aws:RequestTag/${CLUSTER_TAG}`] === 'demo') return 'request-tag';
    if (eq[`ec2:ResourceTag/${CLUSTER_TAG}`] === 'demo') return 'resource-tag';
    if (eq['ec2:CreateAction'] === 'CreateNetworkInterface') return 'create-action';
  }
  if (resourceType === 'subnet' || resourceType === 'security-group') {
    const vpc = eq['ec2:Vpc'];
    if (resourceStrings({ ...s, Resource: vpc }).every((v) => v.endsWith(VPC_ARN_SUFFIX))) return 'vpc';
  }
  if (resourceType === 'instance') {
    const values = eq[`ec2:ResourceTag/kubernetes.io/cluster/demo`];
    if (JSON.stringify(values) === JSON.stringify(['owned', 'shared'])) return 'node-instance-tag';
  }
  return undefined;
}

describe('Class: LedgerClusterStack (IAM)', () => {
  let stack: LedgerClusterStack;
  let template: Template;

  afterAll(removeAppOutputs);

  beforeAll(() => {
    // Prepare
    ({ stack, template } = buildStack());
  });

  describe('Part: control-plane EC2 rights', () => {
    it.each(['api', 'instanceEvents', 'reconciler'] as const)(
      'fences every %s statement but Describe* by the cluster tag, the VPC or the node instance tag',
      (handler) => {
        // Act
        const statements = ec2Statements(template, stack, handler);

        // Assess
        expect(statements.length).toBeGreaterThan(1);
        for (const s of statements) {
          const actions = actionsOf(s);
          if (actions.every((a) => a.startsWith('ec2:Describe'))) {
            expect(actions.sort()).toEqual([...EC2_DESCRIBE_ACTIONS].sort());
            expect(s.Resource).toBe('*');
            continue;
          }
          expect(actions.some((a) => a.startsWith('ec2:Describe'))).toBe(false);
          for (const resource of resourceStrings(s)) {
            expect(resource).not.toBe('*');
            const type =
              /:(network-interface|subnet|security-group|instance)\/[^/]*$/.exec(resource)?.[1] ?? 'unknown';
            expect({ resource, fence: fenceOf(s, type) }).toEqual({ resource, fence: expect.any(String) });
          }
        }
      },
    );

    it('lets only the api create ENIs and assign addresses; instance-events only deletes; the reconciler finishes and sweeps', () => {
      // Act
      const actionsOfHandler = (h: keyof LedgerClusterStack['functions']) =>
        new Set(ec2Statements(template, stack, h).flatMap(actionsOf));

      // Assess
      const api = actionsOfHandler('api');
      for (const a of [
        'ec2:CreateNetworkInterface',
        'ec2:AttachNetworkInterface',
        'ec2:AssignPrivateIpAddresses',
      ]) {
        expect(api.has(a)).toBe(true);
      }
      const mutating = (set: Set<string>) => [...set].filter((a) => !a.startsWith('ec2:Describe')).sort();
      expect(mutating(actionsOfHandler('instanceEvents'))).toEqual(['ec2:DeleteNetworkInterface']);
      expect(mutating(actionsOfHandler('reconciler'))).toEqual([
        'ec2:AttachNetworkInterface',
        'ec2:DeleteNetworkInterface',
        'ec2:DetachNetworkInterface',
        'ec2:ModifyNetworkInterfaceAttribute',
        'ec2:UnassignPrivateIpAddresses',
      ]);
      expect(
        api.has('ec2:CreateNetworkInterface') &&
          !actionsOfHandler('reconciler').has('ec2:CreateNetworkInterface'),
      ).toBe(true);
    });

    it('requires the cluster tag in the create request and lets tags be set only by that create', () => {
      // Act
      const statements = ec2Statements(template, stack, 'api');
      const createOnEni = statements.filter(
        (s) =>
          actionsOf(s).includes('ec2:CreateNetworkInterface') &&
          resourceStrings(s).some((r) => r.includes(':network-interface/')),
      );
      const tagging = statements.filter((s) => actionsOf(s).includes('ec2:CreateTags'));

      // Assess
      expect(createOnEni).toHaveLength(1);
      expect(createOnEni[0]!.Condition).toEqual({
        StringEquals: { [`aws:RequestTag/${CLUSTER_TAG}`]: 'demo' },
      });
      expect(tagging.map((s) => s.Condition)).toEqual(
        expect.arrayContaining([
          {
            StringEquals: {
              'ec2:CreateAction': 'CreateNetworkInterface',
              [`aws:RequestTag/${CLUSTER_TAG}`]: 'demo',
            },
          },
          expect.objectContaining({
            StringEqualsIfExists: { [`ec2:ResourceTag/${CLUSTER_TAG}`]: 'demo' },
            'ForAllValues:StringEquals': { 'aws:TagKeys': [TAGS.clusterName, TAGS.instanceId] },
          }),
        ]),
      );
    });

    it('limits ENI creation to the listed subnets, custom-networking subnets included, when subnets are given', () => {
      // Prepare
      const { stack: s, template: t } = buildStack({
        ...DEMO,
        subnetIds: ['subnet-0bbbbbbbbbbbbbbb1'],
        customNetworkConfigs: {
          az2: { subnetId: 'subnet-0ccccccccccccccc1', securityGroups: ['sg-0ccccccccccccccc1'] },
        },
      });

      // Act
      const subnetResources = ec2Statements(t, s, 'api')
        .flatMap(resourceStrings)
        .filter((r) => r.includes(':subnet/'));

      // Assess
      expect(subnetResources.map((r) => r.slice(r.indexOf(':subnet/') + 1)).sort()).toEqual([
        'subnet/subnet-0bbbbbbbbbbbbbbb1',
        'subnet/subnet-0ccccccccccccccc1',
      ]);
    });

    it('grants the ledger table to every function', () => {
      // Assess
      for (const handler of ['api', 'instanceEvents', 'reconciler'] as const) {
        const dynamo = inlineStatementsOfRole(template, logicalId(stack.functions[handler].role)).filter(
          (s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')),
        );
        expect(dynamo.flatMap(actionsOf)).toEqual(
          expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:Query']),
        );
        expect(JSON.stringify(dynamo.map((d) => d.Resource))).toContain(logicalId(stack.table.table));
      }
    });
  });

  describe('Part: node and operator policies', () => {
    const policyStatements = (construct: import('constructs').IConstruct) =>
      template.toJSON().Resources[logicalId(construct)].Properties.PolicyDocument.Statement as Statement[];

    it('gives nodes exactly execute-api:Invoke on the node routes, and no EC2 action', () => {
      // Act
      const statements = policyStatements(stack.access.nodePolicy);

      // Assess
      expect(statements).toHaveLength(1);
      expect(statements[0]!.Effect).toBe('Allow');
      expect(statements[0]!.Action).toBe('execute-api:Invoke');
      expect(statements[0]!.Condition).toBeUndefined();
      const expected = NODE_ROUTES.map((name) => {
        const [method, path] = ROUTES[name].split(' ');
        return `/$default/${method}${path!.replace(/\{[^}]+\}/g, '*')}`;
      });
      const resources = resourceStrings(statements[0]!);
      expect(resources).toHaveLength(NODE_ROUTES.length);
      expect(resources.map((r) => r.slice(r.indexOf('/$default/')))).toEqual(expected);
      for (const r of resources) expect(r).toContain(`<${logicalId(stack.httpApi.api)}>`);
    });

    it('attaches the node policy to the node role it created', () => {
      // Assess
      const roles = template.toJSON().Resources[logicalId(stack.access.nodePolicy)].Properties.Roles;
      expect(roles).toEqual([{ Ref: logicalId(stack.node.findChild('NodeRole')) }]);
    });

    it('gives operators the other routes only', () => {
      // Act
      const statements = policyStatements(stack.access.operatorPolicy);

      // Assess
      expect(statements).toHaveLength(1);
      expect(statements[0]!.Action).toBe('execute-api:Invoke');
      const paths = resourceStrings(statements[0]!).map((r) => r.slice(r.indexOf('/$default/')));
      expect(paths).toEqual(['/$default/GET/v1/nodes', '/$default/GET/v1/subnets', '/$default/GET/v1/ips/*']);
      expect([...OPERATOR_ROUTES, ...NODE_ROUTES].sort()).toEqual(Object.keys(ROUTES).sort());
    });

    it('attaches the policies to the given node and operator roles by name', () => {
      // Act
      const { stack: s, template: t } = buildStack({
        ...DEMO,
        nodeRoleArns: ['arn:aws:iam::123456789012:role/eks/nodes-a'],
        operatorRoleArns: ['arn:aws:iam::123456789012:role/ops'],
      });

      // Assess
      const resources = t.toJSON().Resources;
      expect(resources[logicalId(s.access.nodePolicy)].Properties.Roles).toEqual(['nodes-a']);
      expect(resources[logicalId(s.access.operatorPolicy)].Properties.Roles).toEqual(['ops']);
      t.resourceCountIs('AWS::IAM::Role', 3); // the three function roles; no node role created
    });
  });
});
