/** Builds cluster stacks for the template tests: real constructs, no mocks. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { LAMBDA_ENTRIES } from '../../../core/contract/lambda-env';
import type { LedgerClusterProps } from '../../../infra/aws/cluster-props';
import { LedgerClusterStack } from '../../../infra/aws/cluster-stack';
import { HANDLER_CODE, type HandlerCode, projectRoot } from '../../../infra/aws/control-plane-function';

export const DEMO: LedgerClusterProps = { clusterName: 'demo', vpcId: 'vpc-0123456789abcdef0' };

/** True once every handler entry in lambdas/ exists, so the stack can bundle the real code. */
export function handlersPresent(): boolean {
  return Object.values(LAMBDA_ENTRIES).every((entry) => fs.existsSync(path.join(projectRoot(), entry)));
}

const outdirs: string[] = [];

/** An app that synthesizes into its own temporary folder, removed by removeAppOutputs(). */
export function newApp(context: Record<string, unknown> = {}): App {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-deploy-cdk-'));
  outdirs.push(outdir);
  return new App({ outdir, context });
}

export function removeAppOutputs(): void {
  for (const dir of outdirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

export function buildStack(
  cluster: LedgerClusterProps = DEMO,
  handlerCode: HandlerCode = HANDLER_CODE.placeholder,
): { app: App; stack: LedgerClusterStack; template: Template } {
  const app = newApp();
  const stack = new LedgerClusterStack(app, 'LedgerCni-test', { cluster, handlerCode });
  return { app, stack, template: Template.fromStack(stack) };
}

export function logicalId(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

export function actionsOf(s: Statement): string[] {
  return Array.isArray(s.Action) ? s.Action : [s.Action];
}

/** Every statement of every inline policy attached to the role with this logical id. */
export function inlineStatementsOfRole(template: Template, roleLogicalId: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: roleLogicalId }] },
  });
  return Object.values(policies).flatMap(
    (p) =>
      (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument
        .Statement,
  );
}

/** Resources of a statement flattened to strings, with Fn::Join parts concatenated and refs as <Ref>. */
export function resourceStrings(s: Statement): string[] {
  const list = Array.isArray(s.Resource) ? s.Resource : [s.Resource];
  return list.map(flatten);
}

function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if ('Fn::Join' in o) {
      const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
      return parts.map(flatten).join(sep);
    }
    if ('Ref' in o) return `<${String(o.Ref)}>`;
    if ('Fn::GetAtt' in o) return `<${(o['Fn::GetAtt'] as string[]).join('.')}>`;
  }
  return JSON.stringify(value);
}
