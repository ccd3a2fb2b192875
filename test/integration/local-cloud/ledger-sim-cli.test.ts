import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ApiClient } from '../../../core/api-client';
import { type CliContext, main } from '../../../infra/local/cli/sim-main';

const REPO = join(__dirname, '..', '..', '..');
const BUILT_CLI = join(REPO, 'dist', 'js', 'infra', 'local', 'cli', 'ledger-sim.js');

/** An in-process context whose stop signal the test sends, and whose output it reads. */
function testContext() {
  let out = '';
  let err = '';
  let stop: (signal: string) => void = () => undefined;
  const stopped = new Promise<string>((resolve) => {
    stop = resolve;
  });
  const ctx: CliContext = {
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
    waitForStop: () => stopped,
  };
  return { ctx, stop: (s: string) => stop(s), out: () => out, err: () => err };
}

async function waitForLine(read: () => string, pattern: RegExp, timeoutMs = 5000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = read().match(pattern);
    if (m) return m;
    if (Date.now() > deadline) throw new Error(`no line matching ${pattern} in: ${read()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function ec2At(endpoint: string): EC2Client {
  return new EC2Client({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDLOCALCLOUDTEST', secretAccessKey: 'local-cloud-test-secret' },
    maxAttempts: 1,
  });
}

describe('ledger-sim CLI', () => {
  it.each([
    [['ec2'], /--port/],
    [['ec2', '--port', '0', '--bogus'], /bogus/],
    [['ec2', '--port', 'eighty'], /--port="eighty".*0 to 65535/],
    [['up', '--nodes', '-1'], /nodes/],
    [['launch'], /command="launch".*ec2, up, help/],
  ])('exits 2 on %j naming what is wrong', async (argv, message) => {
    // Prepare
    const t = testContext();
    // Act
    const code = await main(argv, t.ctx);
    // Assess
    expect(code).toBe(2);
    expect(t.err()).toMatch(message);
    expect(t.out()).toBe('');
  });

  it('runs the EC2 simulator until stopped', async () => {
    // Prepare
    const t = testContext();
    // Act
    const running = main(
      [
        'ec2',
        '--port',
        '0',
        '--no-throttling',
        '--scenario',
        join(REPO, 'infra/local/scenarios/default.json'),
      ],
      t.ctx,
    );
    const [, endpoint] = await waitForLine(t.out, /^ec2 (\S+)/m);
    const client = ec2At(endpoint!);
    const regions = await client.send(new DescribeRegionsCommand({}));
    t.stop('SIGTERM');
    const code = await running;
    const afterStop = await fetch(endpoint!).then(
      () => 'answered',
      () => 'refused',
    );
    client.destroy();
    // Assess
    expect(regions.Regions?.[0]?.RegionName).toBe('us-east-1');
    expect(t.out()).toMatch(/^subnet nodes-a subnet-/m);
    expect(code).toBe(0);
    expect(afterStop).toBe('refused');
  });

  it('brings the control plane up too, callable as the operator with the printed credentials', async () => {
    // Prepare
    const t = testContext();
    const running = main(['up', '--nodes', '1'], t.ctx);
    try {
      await waitForLine(t.out, /^ready$/m, 15_000);
      const env = Object.fromEntries(
        [...t.out().matchAll(/^export (\w+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]),
      );
      const client = new ApiClient({
        endpoint: env.LEDGER_API_ENDPOINT!,
        region: env.LEDGER_API_REGION!,
        credentials: {
          accessKeyId: env.AWS_ACCESS_KEY_ID!,
          secretAccessKey: env.AWS_SECRET_ACCESS_KEY!,
          sessionToken: env.AWS_SESSION_TOKEN!,
        },
      });

      // Act
      const capacity = await client.subnetCapacity();

      // Assess
      expect(t.out()).toMatch(/^api http:\/\/127\.0\.0\.1:\d+ cluster=\S+$/m);
      expect(capacity.subnets.length).toBeGreaterThan(0);
      expect(capacity.subnets.every((s) => s.size === 251)).toBe(true);
    } finally {
      t.stop('SIGINT');
      expect(await running).toBe(0);
    }
  });

  it('brings the local cloud up with its nodes and takes it down', async () => {
    // Prepare
    const t = testContext();
    // Act
    const running = main(['up', '--nodes', '1'], t.ctx);
    await waitForLine(t.out, /^ready$/m, 10_000);
    const [, imds] = await waitForLine(t.out, /^node i-\S+ \S+ \S+ imds=(\S+)/m);
    const token = await fetch(`${imds}/latest/api/token`, {
      method: 'PUT',
      headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' },
    });
    t.stop('SIGINT');
    const code = await running;
    // Assess
    expect(token.status).toBe(200);
    expect(t.out()).toMatch(/^dynamodb http:\/\/127\.0\.0\.1:\d+$/m);
    expect(t.out()).toMatch(/stopped on SIGINT/);
    expect(code).toBe(0);
  });

  it('as the built binary, prints its endpoint and exits 0 on SIGTERM', async () => {
    // Prepare: `npm test` builds before jest runs; without a build this test cannot run the binary.
    expect(existsSync(BUILT_CLI)).toBe(true);
    const child = spawn(process.execPath, [join(REPO, 'bin', 'ledger-sim.js'), 'ec2', '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      // Act
      await waitForLine(() => out, /^ready$/m, 10_000);
      child.kill('SIGTERM');
      const code = await exited;
      // Assess
      expect(out).toMatch(/^ec2 http:\/\/127\.0\.0\.1:\d+ region=us-east-1 throttling=on$/m);
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
