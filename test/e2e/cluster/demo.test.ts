/**
 * `npm run demo` as a user meets it: the built entry refuses bad options and non-root with a
 * clear message; as root it ends with a passing verdict line, and Ctrl-C in the middle stops
 * it with everything cleaned up. Runs bin/ledger-demo.js (built by `npm run build`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidInputError } from '../../../core/errors';
import { demoMain } from '../../../infra/local/demo/main';
import { parseDemoOptions } from '../../../infra/local/demo/options';
import { isRoot } from './support';

const DEMO = join(__dirname, '..', '..', '..', 'bin', 'ledger-demo.js');

interface DemoRun {
  code: number | null;
  stdout: string;
  stderr: string;
  pid: number;
}

function runDemo(
  args: string[],
  options: { uid?: number; onStdout?: (all: string, child: ChildProcess) => void } = {},
) {
  return new Promise<DemoRun>((resolve) => {
    const child = spawn(process.execPath, [DEMO, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (b: Buffer) => {
      stdout += b.toString();
      options.onStdout?.(stdout, child);
    });
    child.stderr!.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    child.on('close', (code) => resolve({ code, stdout, stderr, pid: child.pid! }));
  });
}

function leftoversOf(pid: number) {
  const namespaces = listNamespaces().filter((n) => n.startsWith(`demo${pid}-`));
  const workDirs = readdirSync(tmpdir()).filter((f) => f.startsWith(`ledger-demo${pid}-`));
  return { namespaces, workDirs };
}

function listNamespaces(): string[] {
  try {
    return readdirSync('/run/netns');
  } catch {
    return [];
  }
}

function lastLine(text: string): string {
  return text.trimEnd().split('\n').at(-1) ?? '';
}

describe('Function: parseDemoOptions', () => {
  it('defaults to 2 t3.medium nodes with 12 pods each', () => {
    // Act
    const options = parseDemoOptions([]);

    // Assess
    expect(options).toEqual({
      nodes: 2,
      podsPerNode: 12,
      instanceType: 't3.medium',
      keep: false,
      help: false,
    });
  });

  it.each([
    [['--nodes', '0'], '--nodes="0" is not valid: an integer from 1 to 8'],
    [['--nodes', 'two'], '--nodes="two" is not valid'],
    [['--pods', '16'], '--pods="16" is not valid: an integer from 1 to 15'],
    [['--instance-type', 'x9.huge'], '--instance-type="x9.huge" is not valid: an EC2 instance type'],
    [['--frobnicate'], "Unknown option '--frobnicate'"],
    [['extra'], 'arguments="extra" is not valid: only options'],
  ])('refuses %j naming the field, the value and what is allowed', (argv, message) => {
    // Act
    const parse = () => parseDemoOptions(argv);

    // Assess
    expect(parse).toThrow(InvalidInputError);
    expect(parse).toThrow(message);
  });

  it('allows as many pods as the instance type holds', () => {
    // Act
    const options = parseDemoOptions(['--instance-type', 'm5.large', '--pods', '27', '--keep']);

    // Assess
    expect(options).toMatchObject({ instanceType: 'm5.large', podsPerNode: 27, keep: true });
    expect(() => parseDemoOptions(['--instance-type', 'm5.large', '--pods', '28'])).toThrow('from 1 to 27');
  });
});

describe('Binary: bin/ledger-demo.js', () => {
  it('exits 2 with the field named when an option is bad', async () => {
    // Act
    const run = await runDemo(['--nodes', '99']);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--nodes="99" is not valid: an integer from 1 to 8');
  });

  const asRoot = isRoot ? it : it.skip;
  if (!isRoot) console.warn('demo runs skipped: they need root for namespaces, veths and iptables');

  it('refuses to start without root and says what it needs and why, creating nothing', async () => {
    // Prepare
    let stderr = '';
    const before = listNamespaces();

    // Act: the entry's own logic, called as user nobody would reach it
    const code = await demoMain({
      argv: [],
      uid: 65534,
      stdout: { write: () => true },
      stderr: { write: (t: string) => (stderr += t) },
    });

    // Assess
    expect(code).toBe(1);
    expect(stderr).toContain('needs root');
    expect(stderr).toContain('network namespaces');
    expect(listNamespaces()).toEqual(before);
  });

  asRoot(
    'runs a cluster to a passing verdict on its last line and leaves nothing behind',
    async () => {
      // Act
      const run = await runDemo(['--nodes', '2', '--pods', '7']);
      // Carved /28s hold every pod on the nodes' primary ENIs: two ENIs in all.

      // Assess
      expect({ code: run.code, verdict: lastLine(run.stdout) }).toEqual({
        code: 0,
        verdict: expect.stringMatching(
          /^demo: 2 nodes, 2 ENIs, 14 pods, pod-to-pod 182\/182 ok, outside via SNAT 14\/14 ok$/,
        ),
      });
      expect(run.stdout).toContain('$ ledgerctl subnets');
      expect(run.stdout).toMatch(/^ok {3}pods: 14 sandboxes.* 14\/14 started \(\d+\.\d s\)$/m);
      expect(leftoversOf(run.pid)).toEqual({ namespaces: [], workDirs: [] });
    },
    120_000,
  );

  asRoot(
    'stops on Ctrl-C with exit 130 and cleans up everything',
    async () => {
      // Act: interrupt once the pods are being created
      const run = await runDemo(['--nodes', '2', '--pods', '6'], {
        onStdout: (all, child) => {
          if (all.includes('node agents') && !child.killed) child.kill('SIGINT');
        },
      });

      // Assess
      expect(run.code).toBe(130);
      expect(lastLine(run.stdout)).toBe('demo: interrupted, everything cleaned up');
      expect(leftoversOf(run.pid)).toEqual({ namespaces: [], workDirs: [] });
    },
    120_000,
  );
});
