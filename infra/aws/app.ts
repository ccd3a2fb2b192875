/**
 * The CDK app: `npx cdk deploy -c clusterName=<name> -c vpcId=<vpc-…>`, one stack per cluster.
 * cdk-nag's AwsSolutions checks run on every synth.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { InvalidInputError, LedgerError } from '../../core/errors';
import { clusterPropsFromContext } from './app-context';
import { LedgerClusterStack } from './cluster-stack';
import { HANDLER_CODE, type HandlerCode } from './control-plane-function';

function main(): void {
  const app = new App();
  const cluster = clusterPropsFromContext((key) => app.node.tryGetContext(key));
  const account = process.env.CDK_DEFAULT_ACCOUNT;
  const region = process.env.CDK_DEFAULT_REGION;
  new LedgerClusterStack(app, `LedgerCni-${cluster.clusterName ?? 'unnamed'}`, {
    cluster,
    handlerCode: handlerCodeFrom(app.node.tryGetContext('handlerCode')),
    env: account && region ? { account, region } : undefined,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  app.synth();
}

/** `-c handlerCode=placeholder` synthesizes without lambdas/, e.g. to review the template alone. */
function handlerCodeFrom(value: unknown): HandlerCode | undefined {
  if (value === undefined) return undefined;
  const allowed = Object.values(HANDLER_CODE) as unknown[];
  if (!allowed.includes(value))
    throw new InvalidInputError('handlerCode', value, `must be ${allowed.join(' or ')}`);
  return value as HandlerCode;
}

try {
  main();
} catch (err) {
  if (!(err instanceof LedgerError)) throw err;
  process.stderr.write(`ledger-cni cdk app: ${err.message}\n`);
  process.exitCode = 1;
}
