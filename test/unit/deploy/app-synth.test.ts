import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { InvalidInputError } from '../../../core/errors';
import { LedgerClusterStack } from '../../../infra/aws/cluster-stack';
import { HANDLER_CODE, projectRoot } from '../../../infra/aws/control-plane-function';
import { DEMO, handlersPresent, newApp, removeAppOutputs } from './stack-fixture';

const ROOT = projectRoot();
const BUILT_APP = path.join(ROOT, 'dist', 'js', 'infra', 'aws', 'app.js');

/** Runs the compiled CDK app the way the cdk CLI does: context and output folder in the environment. */
function runApp(context: Record<string, string>, outdir: string) {
  return spawnSync(process.execPath, [BUILT_APP], {
    cwd: ROOT,
    env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: outdir },
    encoding: 'utf8',
    timeout: 120_000,
  });
}

describe('Program: infra/aws/app (built)', () => {
  let outdir: string;

  beforeAll(() => {
    // Prepare: `npm test` builds before jest; without dist/ these tests cannot run the app.
    if (!fs.existsSync(BUILT_APP)) throw new Error(`${BUILT_APP} is missing: run \`npm run build\` first`);
  });
  beforeEach(() => {
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-deploy-app-'));
  });
  afterEach(() => {
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  it('synthesizes the cluster stack from context alone, with no AWS lookup', () => {
    // Act
    const run = runApp(
      { clusterName: DEMO.clusterName, vpcId: DEMO.vpcId, handlerCode: HANDLER_CODE.placeholder },
      outdir,
    );

    // Assess
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    const template = JSON.parse(fs.readFileSync(path.join(outdir, 'LedgerCni-demo.template.json'), 'utf8'));
    expect(Object.keys(template.Resources).length).toBeGreaterThan(30);
    expect(fs.existsSync(path.join(outdir, 'cdk.context.json'))).toBe(false);
  });

  it('exits 1 with the field, the value and what is allowed on bad context', () => {
    // Act
    const run = runApp({ clusterName: 'demo', vpcId: 'vpc-12' }, outdir);

    // Assess
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      'ledger-cni cdk app: vpcId="vpc-12" is not valid: is required: a VPC id such as vpc-0123456789abcdef0\n',
    );
    expect(fs.readdirSync(outdir).filter((f) => f.endsWith('.template.json'))).toEqual([]);
  });
});

describe('Class: ControlPlaneFunction (bundling)', () => {
  afterAll(removeAppOutputs);

  it('bundles each handler from lambdas/ with local esbuild, or refuses clearly while lambdas/ lacks them', () => {
    // Prepare
    const app = newApp({ 'aws:cdk:bundling-stacks': ['**'] });
    const build = () =>
      new LedgerClusterStack(app, 'Bundled', { cluster: DEMO, handlerCode: HANDLER_CODE.bundle });

    if (!handlersPresent()) {
      // Act: the handlers are not in this checkout yet
      let error: unknown;
      try {
        build();
      } catch (err) {
        error = err;
      }

      // Assess
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as Error).message).toMatch(
        /bundling needs lambdas\/[a-z-]+\/index\.ts, which does not exist/,
      );
      return;
    }

    // Act
    const stack = build();
    const template = Template.fromStack(stack);

    // Assess: each function's asset holds one bundled index.js exporting the handler
    const assembly = app.synth();
    for (const fn of Object.values(stack.functions)) {
      const code =
        template.toJSON().Resources[stack.getLogicalId(fn.function.node.defaultChild as never)].Properties
          .Code;
      const assetDir = path.join(assembly.directory, `asset.${String(code.S3Key).replace(/\.zip$/, '')}`);
      const bundle = fs.readFileSync(path.join(assetDir, 'index.js'), 'utf8');
      expect(bundle.length).toBeGreaterThan(1000);
      expect(bundle).toMatch(/handler/);
    }
  }, 180_000);
});
