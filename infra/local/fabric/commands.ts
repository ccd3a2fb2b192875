/**
 * The one place where the fabric runs programs (iproute2, sysctl). Every namespace and link of
 * the simulated VPC is made through these helpers, so a failure always names the command,
 * the namespace and what the kernel answered.
 */
import { spawn } from 'node:child_process';
import { DependencyError } from '../../../core/errors';

/** A command that hangs (a wedged namespace teardown) must not hang the fabric's queue. */
const COMMAND_TIMEOUT_MS = 15_000;

interface Completed {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function execute(file: string, args: readonly string[], input?: string): Promise<Completed> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], timeout: COMMAND_TIMEOUT_MS });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      const hint =
        error.code === 'ENOENT' ? ` (${file} is missing: install the Debian package iproute2)` : '';
      reject(new DependencyError(`cannot run ${file}${hint}: ${error.message}`, { cause: error }));
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.on('error', () => {
      // The exit status reports what went wrong; a closed stdin adds nothing.
    });
    child.stdin.end(input ?? '');
  });
}

function commandLine(args: readonly string[]): string {
  return args.join(' ');
}

/** `ip [-n namespace] <args>`; returns stdout, throws with stderr when the command fails. */
export async function ip(args: readonly string[], namespace?: string): Promise<string> {
  const full = namespace ? ['-n', namespace, ...args] : [...args];
  const done = await execute('ip', full);
  if (done.code !== 0) {
    throw new DependencyError(`ip ${commandLine(full)} failed (exit ${done.code}): ${done.stderr.trim()}`);
  }
  return done.stdout;
}

export interface BatchOptions {
  /** Run in this namespace (`ip -n`); the root namespace when absent. */
  readonly namespace?: string;
  /**
   * Keep going after a failing line and report success: for teardown, where "already gone"
   * is the expected answer.
   */
  readonly tolerant?: boolean;
}

/** Many iproute2 commands in one process (`ip -batch -`), in order. */
export async function ipBatch(lines: readonly string[], options: BatchOptions = {}): Promise<void> {
  if (lines.length === 0) return;
  const args = [
    ...(options.namespace ? ['-n', options.namespace] : []),
    ...(options.tolerant ? ['-force'] : []),
    '-batch',
    '-',
  ];
  const done = await execute('ip', args, `${lines.join('\n')}\n`);
  if (done.code !== 0 && !options.tolerant) {
    const where = options.namespace ? ` in namespace ${options.namespace}` : '';
    throw new DependencyError(
      `ip -batch${where} failed (exit ${done.code}): ${done.stderr.trim()}\ncommands:\n${lines.join('\n')}`,
    );
  }
}

/** Kernel settings of one namespace, e.g. `{ 'net.ipv4.ip_forward': 1 }`. */
export async function setSysctls(
  namespace: string,
  values: Readonly<Record<string, string | number>>,
): Promise<void> {
  const assignments = Object.entries(values).map(([key, value]) => `${key}=${value}`);
  if (assignments.length === 0) return;
  const args = ['netns', 'exec', namespace, 'sysctl', '-q', '-w', ...assignments];
  const done = await execute('ip', args);
  if (done.code !== 0) {
    throw new DependencyError(`ip ${commandLine(args)} failed (exit ${done.code}): ${done.stderr.trim()}`);
  }
}

/** Names of the named network namespaces (`ip netns list`). */
export async function listNamespaces(): Promise<string[]> {
  const out = await ip(['netns', 'list']);
  return out
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.length > 0);
}

/** A new namespace with its loopback up, as a fresh host has it. */
export async function addNamespace(name: string): Promise<void> {
  await ip(['netns', 'add', name]);
  await ip(['link', 'set', 'lo', 'up'], name);
}

/** Removes namespaces that exist; missing ones are not an error. */
export async function deleteNamespaces(names: readonly string[]): Promise<void> {
  await ipBatch(
    names.map((name) => `netns del ${name}`),
    { tolerant: true },
  );
}

/** Names of the links of a namespace, without the `@peer` suffix of veths. */
export async function listLinks(namespace: string): Promise<string[]> {
  const out = await ip(['-o', 'link', 'show'], namespace);
  return out
    .split('\n')
    .map((line) => /^\d+:\s+([^:@\s]+)/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}
