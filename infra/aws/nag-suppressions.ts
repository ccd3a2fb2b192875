/**
 * cdk-nag AwsSolutions findings that are accepted, each matched narrowly and given its reason.
 * Any finding not matched here stays a violation: it fails `cdk synth` and the template tests.
 */
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

interface AcceptedFinding {
  /** The finding id as cdk-nag reports it, e.g. `AwsSolutions-IAM5[Resource::*]`. */
  readonly finding: RegExp;
  /** Construct paths (below the stack) the finding may appear on. */
  readonly on: RegExp;
  readonly reason: string;
}

const FUNCTION_ROLE_POLICY = /^(Api|InstanceEvents|Reconciler)\/Role\/DefaultPolicy\/Resource$/;

export const ACCEPTED_FINDINGS: readonly AcceptedFinding[] = [
  {
    finding: /^AwsSolutions-IAM5\[Resource::\*\]$/,
    on: FUNCTION_ROLE_POLICY,
    reason:
      'EC2 Describe* actions support no resource-level permissions; the statement holds Describe* only.',
  },
  {
    finding: /^AwsSolutions-IAM5\[Resource::arn:[^\]]*:network-interface\/\*\]$/,
    on: FUNCTION_ROLE_POLICY,
    reason:
      'ENI ids are not known before they exist; every statement on network-interface/* requires the cluster tag (aws:RequestTag on create, ec2:ResourceTag after).',
  },
  {
    finding: /^AwsSolutions-IAM5\[Resource::arn:[^\]]*:(subnet|security-group)\/\*\]$/,
    on: FUNCTION_ROLE_POLICY,
    reason:
      'Pod subnets are discovered by tag and security groups come from the node or its custom-network config; both are limited to the cluster VPC by ec2:Vpc.',
  },
  {
    finding: /^AwsSolutions-IAM5\[Resource::arn:[^\]]*:instance\/\*\]$/,
    on: FUNCTION_ROLE_POLICY,
    reason:
      'Nodes come and go; attach and detach are limited to instances carrying the node instance tag of the cluster.',
  },
  {
    finding:
      /^AwsSolutions-IAM5\[Resource::arn:[^\]]*:execute-api:[^\]]*\/\$default\/(GET|POST|PUT)\/v1\/(nodes|ips)\/\*[^\]]*\]$/,
    on: /^Access\/(Node|Operator)Policy\/Resource$/,
    reason:
      'The * stands for the route path parameter ({instanceId} or {ip}); the api function checks that a node names only itself.',
  },
  {
    finding: /^AwsSolutions-IAM5\[Resource::<LedgerTable[0-9A-F]{8}\.Arn>\/index\/\*\]$/,
    on: FUNCTION_ROLE_POLICY,
    reason:
      "The ledger table's own indexes (node-owned items by owner); index/* is scoped to this one table.",
  },
  {
    finding: /^AwsSolutions-L1$/,
    on: /^(Api|InstanceEvents|Reconciler)\/Function\/Resource$/,
    reason:
      'Node.js 22 is the newest runtime the handlers are built and tested for (esbuild target node22); nodejs24.x follows once the project moves its toolchain.',
  },
];

/** Runs the AwsSolutions pack on the finished stack and acknowledges exactly the accepted findings. */
export function acknowledgeNagFindings(stack: IConstruct): void {
  const report = new AwsSolutionsChecks().validateScope(stack);
  const prefix = `${stack.node.path}/`;
  for (const violation of report.violations) {
    for (const resource of violation.violatingResources) {
      const relative = (resource.constructPath ?? '').replace(prefix, '');
      const accepted = ACCEPTED_FINDINGS.find(
        (a) => a.finding.test(violation.ruleName) && a.on.test(relative),
      );
      if (!accepted) continue;
      const construct = stack.node.findAll().find((c) => c.node.path === resource.constructPath);
      construct && Validations.of(construct).acknowledge({ id: violation.ruleName, reason: accepted.reason });
    }
  }
}
