/**
 * One control-plane Lambda: its own role (so each function holds only its own rights), its
 * own log group with a retention, and the handler bundled locally by esbuild from lambdas/.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Duration } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { LAMBDA_ENTRIES, LAMBDA_HANDLER_EXPORT } from '../../core/contract/lambda-env';
import { InvalidInputError } from '../../core/errors';

export type HandlerName = keyof typeof LAMBDA_ENTRIES;

/**
 * Where the functions' code comes from. `bundle` builds lambdas/ with esbuild; `placeholder`
 * puts in a stub that answers 503, for template tests that must not depend on the handlers.
 */
export const HANDLER_CODE = { bundle: 'bundle', placeholder: 'placeholder' } as const;
export type HandlerCode = (typeof HANDLER_CODE)[keyof typeof HANDLER_CODE];

export interface ControlPlaneFunctionProps {
  readonly handler: HandlerName;
  readonly description: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly environment: Record<string, string>;
  readonly logRetention: RetentionDays;
  /** @default bundle */
  readonly handlerCode?: HandlerCode;
}

export class ControlPlaneFunction extends Construct {
  public readonly function: NodejsFunction;
  public readonly role: Role;
  public readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: ControlPlaneFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Ledger CNI ${props.handler} function`,
    });
    this.logGroup.grantWrite(this.role);

    const root = projectRoot();
    const entry = path.join(root, LAMBDA_ENTRIES[props.handler]);
    const code = props.handlerCode ?? HANDLER_CODE.bundle;
    if (code === HANDLER_CODE.bundle && !fs.existsSync(entry)) {
      throw new InvalidInputError(
        'handlerCode',
        code,
        `bundling needs ${LAMBDA_ENTRIES[props.handler]}, which does not exist; build from a checkout that has lambdas/`,
      );
    }
    this.function = new NodejsFunction(this, 'Function', {
      description: props.description,
      // Node.js 22: nodejs20.x can no longer be created from 2027-02-01.
      runtime: Runtime.NODEJS_22_X,
      // Graviton: about 20 % cheaper per GB-second, and nothing here is native code.
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      handler: LAMBDA_HANDLER_EXPORT,
      ...(code === HANDLER_CODE.bundle
        ? {
            entry,
            projectRoot: root,
            depsLockFilePath: path.join(root, 'package-lock.json'),
            bundling: {
              format: OutputFormat.CJS,
              target: 'node22',
              minify: true,
              sourceMap: true,
              // Stack traces need line mappings, not a second copy of every source file.
              sourcesContent: false,
              // Bundle the AWS SDK too: the handlers are tested against the pinned versions in
              // package-lock.json, and the runtime's copy changes underneath without notice.
              externalModules: [],
              forceDockerBundling: false,
            },
          }
        : { code: Code.fromInline(PLACEHOLDER_SOURCE), handler: `index.${LAMBDA_HANDLER_EXPORT}` }),
    });
  }
}

const PLACEHOLDER_SOURCE = `exports.${LAMBDA_HANDLER_EXPORT} = async () => ({ statusCode: 503, body: '{"code":"NotBuilt","message":"this stack was synthesized without the handlers"}' });`;

/** The folder holding package-lock.json: found upward so this works from infra/ and from dist/js/infra/. */
export function projectRoot(start: string = __dirname): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package-lock.json'))) return dir;
    if (path.dirname(dir) === dir) {
      throw new InvalidInputError(
        'projectRoot',
        start,
        'a folder inside the Ledger CNI checkout (with package-lock.json)',
      );
    }
  }
}
