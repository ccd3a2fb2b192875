/**
 * The one place that enters network namespaces and runs `ip`, `iptables-save/-restore` and
 * sysctl writes. Node cannot switch a thread's namespace, so everything here is an exec, run
 * by long-lived shells (./command-shell) rather than forked from the agent itself:
 * `ip -n <name>` for named namespaces, `nsenter --net=<path>` for a path (iproute2's `-n`
 * only takes names). Swapping this module for in-process rtnetlink changes nothing above it.
 */
import { statfs } from 'node:fs/promises';
import { DependencyError } from '../core/errors';
import { CommandShell, type ExecResult } from './command-shell';

/** nsfs's magic (linux/magic.h): the filesystem of every namespace file, bound or under /proc. */
const NSFS_MAGIC = 0x6e736673;

/** A network namespace: a name under /run/netns, a path (pod sandboxes), or '' for our own. */
export type Netns = { kind: 'named'; name: string } | { kind: 'path'; path: string };

export function namedNetns(name: string): Netns {
  return { kind: 'named', name };
}

export function netnsAtPath(path: string): Netns {
  return { kind: 'path', path };
}

export type { ExecResult };

export class CommandError extends DependencyError {
  constructor(
    readonly command: string,
    readonly result: ExecResult,
  ) {
    super(`${command} exited ${result.code}: ${result.stderr.trim() || result.stdout.trim()}`);
  }
}

/**
 * Where a command runs: `quick` for the pod's path, over two shells (one per core of a
 * small node); `slow` for work that sleeps in the kernel, such as deleting a veth, so it
 * holds up no ADD.
 */
export type Lane = 'quick' | 'slow';

const SHELLS: Record<Lane, CommandShell[]> = {
  quick: [new CommandShell(), new CommandShell()],
  slow: [new CommandShell()],
};

function exec(file: string, args: string[], input?: string, lane: Lane = 'quick'): Promise<ExecResult> {
  const shell = SHELLS[lane].reduce((least, next) => (next.queued < least.queued ? next : least));
  return shell.run(file, args, input);
}

/** Runs `cmd args` inside the namespace (entering it only when it is not our own). */
function execIn(ns: Netns, cmd: string, args: string[], input?: string): Promise<ExecResult> {
  if (ns.kind === 'named' && ns.name === '') return exec(cmd, args, input);
  const path = ns.kind === 'named' ? `/run/netns/${ns.name}` : ns.path;
  return exec('nsenter', [`--net=${path}`, '--', cmd, ...args], input);
}

function ipPrefix(ns: Netns): { file: string; args: string[] } {
  if (ns.kind === 'named') return { file: 'ip', args: ns.name === '' ? [] : ['-n', ns.name] };
  return { file: 'nsenter', args: [`--net=${ns.path}`, '--', 'ip'] };
}

/**
 * Runs iproute2 commands as one `ip -batch` exec. Strict mode stops at the first failing line
 * and throws; tolerant mode (for teardown) runs every line and returns what failed.
 */
export async function ipBatch(
  ns: Netns,
  lines: string[],
  mode: 'strict' | 'tolerant' = 'strict',
  lane: Lane = 'quick',
): Promise<string[]> {
  if (lines.length === 0) return [];
  const { file, args } = ipPrefix(ns);
  const all = [...args, ...(mode === 'tolerant' ? ['-force'] : []), '-batch', '-'];
  const result = await exec(file, all, `${lines.join('\n')}\n`, lane);
  if (result.code === 0) return [];
  if (mode === 'strict') throw new CommandError(`ip -batch (${lines.join('; ')})`, result);
  return result.stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

/** Runs one `ip -json` query and parses its answer. */
export async function ipJson<T>(ns: Netns, args: string[]): Promise<T[]> {
  const { file, args: prefix } = ipPrefix(ns);
  const result = await exec(file, [...prefix, '-json', ...args]);
  if (result.code !== 0) throw new CommandError(`ip ${args.join(' ')}`, result);
  const text = result.stdout.trim();
  return text === '' ? [] : (JSON.parse(text) as T[]);
}

/** True when the path is a namespace file: one statfs, where entering it to run `true` was an exec. */
export async function isNamespaceFile(path: string): Promise<boolean> {
  try {
    return (await statfs(path)).type === NSFS_MAGIC;
  } catch {
    return false;
  }
}

export async function iptablesSave(ns: Netns, table: string): Promise<string> {
  const result = await execIn(ns, 'iptables-save', ['-t', table]);
  if (result.code !== 0) throw new CommandError(`iptables-save -t ${table}`, result);
  return result.stdout;
}

/** Applies rules without touching chains that the input does not name. */
export async function iptablesRestore(ns: Netns, rules: string): Promise<void> {
  const result = await execIn(ns, 'iptables-restore', ['--noflush'], rules);
  if (result.code !== 0) throw new CommandError('iptables-restore --noflush', result);
}

/** Writes /proc/sys/<key> as seen from inside the namespace; key like net/ipv4/ip_forward. */
export async function writeSysctl(ns: Netns, key: string, value: string): Promise<void> {
  if (!/^[a-zA-Z0-9_./+-]+$/.test(key) || key.includes('..')) {
    throw new DependencyError(`refusing sysctl key ${JSON.stringify(key)}`);
  }
  const result = await execIn(ns, 'sh', ['-c', 'printf %s "$2" > "/proc/sys/$1"', 'sh', key, value]);
  if (result.code !== 0) throw new CommandError(`sysctl ${key}=${value}`, result);
}

export async function readSysctl(ns: Netns, key: string): Promise<string> {
  const result = await execIn(ns, 'cat', [`/proc/sys/${key}`]);
  if (result.code !== 0) throw new CommandError(`sysctl ${key}`, result);
  return result.stdout.trim();
}
