import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const AGENT = join(__dirname, '../../../dist/ledger-agent');

function runAgent(env: Record<string, string>) {
  const result = spawnSync(process.execPath, [AGENT], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { exitCode: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('Binary: dist/ledger-agent', () => {
  let dir: string;
  beforeAll(() => {
    if (!existsSync(AGENT)) throw new Error(`${AGENT} is missing: run \`npm run build\` first`);
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-agent-env-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to start on bad values, naming each variable, value and rule, and touches nothing', () => {
    // Prepare
    const env = {
      LEDGER_API_ENDPOINT: 'http://127.0.0.1:9',
      AWS_VPC_ENI_MTU: '10000',
      AWS_VPC_K8S_CNI_VETHPREFIX: 'eth',
      AWS_VPC_K8S_CNI_RANDOMIZESNAT: 'sometimes',
      WARM_IP_TARGET: 'many',
      LEDGER_CHECKPOINT_PATH: join(dir, 'run/ipam.json'),
      HOST_CNI_CONFDIR_PATH: join(dir, 'net.d'),
      HOST_CNI_BIN_PATH: join(dir, 'bin'),
      AWS_VPC_K8S_CNI_LOG_FILE: join(dir, 'log/agent.log'),
      INTROSPECTION_BIND_ADDRESS: `unix:${join(dir, 'introspection.sock')}`,
      AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://127.0.0.1:9',
    };

    // Act
    const { exitCode, stdout, stderr } = runAgent(env);

    // Assess
    expect(exitCode).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('refusing to start: invalid configuration (4 problems)');
    expect(stderr).toContain('AWS_VPC_ENI_MTU="10000" is not valid: an integer from 576 to 9001');
    expect(stderr).toContain('AWS_VPC_K8S_CNI_VETHPREFIX="eth" is not valid');
    expect(stderr).toContain(
      'AWS_VPC_K8S_CNI_RANDOMIZESNAT="sometimes" is not valid: one of prng, hashrandom, none',
    );
    expect(stderr).toContain('WARM_IP_TARGET="many" is not valid');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses to start without LEDGER_API_ENDPOINT', () => {
    // Act
    const { exitCode, stderr } = runAgent({ AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://127.0.0.1:9' });

    // Assess
    expect(exitCode).toBe(2);
    expect(stderr).toContain('LEDGER_API_ENDPOINT="" is not valid: required');
  });

  it('exits non-zero with the reason when IMDS cannot be reached', () => {
    // Prepare: valid settings, but nothing listens at the IMDS endpoint.
    const env = {
      LEDGER_API_ENDPOINT: 'http://127.0.0.1:9',
      AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://127.0.0.1:9',
      LEDGER_CHECKPOINT_PATH: join(dir, 'ipam.json'),
      AWS_VPC_K8S_CNI_LOG_FILE: 'stderr',
      AWS_VPC_K8S_CNI_LOGLEVEL: 'info',
      DISABLE_INTROSPECTION: 'true',
      DISABLE_METRICS: 'true',
    };

    // Act
    const { exitCode, stderr } = runAgent(env);

    // Assess
    expect(exitCode).toBe(1);
    expect(stderr).toContain('failed to start: IMDS');
    expect(readdirSync(dir)).toEqual([]);
  });
});
