/** Throwaway namespaces and commands inside them for the root-only datapath tests. */
import { execFileSync, spawnSync } from 'node:child_process';

export const isRoot = process.getuid?.() === 0;

export function sh(file: string, args: string[], input?: string): string {
  return execFileSync(file, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Runs a command and reports whether it succeeded, without throwing. */
export function trySh(file: string, args: string[]): { ok: boolean; stdout: string; stderr: string } {
  const run = spawnSync(file, args, { encoding: 'utf8' });
  return { ok: run.status === 0, stdout: run.stdout ?? '', stderr: run.stderr ?? '' };
}

export function inNs(ns: string, args: string[]): string {
  return sh('ip', ['netns', 'exec', ns, ...args]);
}

export function ipIn<T = Record<string, unknown>>(ns: string, args: string[]): T[] {
  const text = sh('ip', ['-n', ns, '-json', ...args]).trim();
  return text === '' ? [] : (JSON.parse(text) as T[]);
}

export function addNs(name: string): void {
  trySh('ip', ['netns', 'del', name]);
  sh('ip', ['netns', 'add', name]);
  sh('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
}

export function delNs(name: string): void {
  trySh('ip', ['netns', 'del', name]);
}

/** What `read` gives once it equals `wanted`, or at the deadline: a DEL answers before its veth is gone. */
export async function settled<T>(read: () => T, wanted: T, withinMs = 5_000): Promise<T> {
  const deadline = Date.now() + withinMs;
  let value = read();
  while (value !== wanted && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    value = read();
  }
  return value;
}

export function ping(from: string, to: string): boolean {
  return trySh('ip', ['netns', 'exec', from, 'ping', '-c', '1', '-W', '2', to]).ok;
}

/** The rules, IPv4 routes and nat/mangle/filter state of a namespace, without counters. */
export function snapshot(ns: string): string {
  const iptables = ['nat', 'mangle', 'filter']
    .map((t) => inNs(ns, ['iptables-save', '-t', t]))
    .join('')
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .map((l) => l.replace(/\[\d+:\d+\]$/, ''))
    .join('\n');
  const rules = sh('ip', ['-n', ns, 'rule', 'show']);
  // IPv4 only: the datapath is IPv4, and IPv6 link-local routes appear whenever DAD ends.
  const routes = sh('ip', ['-n', ns, '-4', 'route', 'show', 'table', 'all']);
  const links = sh('ip', ['-n', ns, '-o', 'link', 'show']).replace(/\s+link\/\S+.*$/gm, '');
  return `${iptables}\n--\n${rules}\n--\n${routes}\n--\n${links}`;
}
