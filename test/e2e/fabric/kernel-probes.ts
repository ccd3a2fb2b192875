/** Reads of the kernel's state inside test namespaces, for the fabric's end-to-end tests. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function ip(args: readonly string[], namespace?: string): Promise<string> {
  const full = namespace ? ['-n', namespace, ...args] : [...args];
  const { stdout } = await run('ip', full);
  return stdout;
}

export interface PingOptions {
  /** Source address (`ping -I`). */
  readonly source?: string;
  /** Payload bytes, sent with "don't fragment" so the path's MTU must carry them. */
  readonly size?: number;
}

/** Two ICMP echoes (the first may wait for ARP); ok when a reply came back. */
export async function pings(
  namespace: string,
  destination: string,
  options: PingOptions = {},
): Promise<{ ok: boolean; output: string }> {
  const args = ['netns', 'exec', namespace, 'ping', '-n', '-c', '2', '-i', '0.2', '-W', '1'];
  if (options.source) args.push('-I', options.source);
  if (options.size) args.push('-s', String(options.size), '-M', 'do');
  try {
    const { stdout } = await run('ip', [...args, destination]);
    return { ok: /[12] received/.test(stdout), output: stdout };
  } catch (error) {
    const failed = error as { stdout?: string };
    return { ok: false, output: failed.stdout ?? String(error) };
  }
}

export async function namespaces(): Promise<string[]> {
  const out = await ip(['netns', 'list']);
  return out
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.length > 0);
}

interface JsonLink {
  readonly ifname: string;
  readonly address?: string;
  readonly mtu?: number;
  readonly flags?: string[];
  readonly addr_info?: { family: string; local: string; prefixlen: number }[];
}

export async function links(namespace?: string): Promise<JsonLink[]> {
  return JSON.parse(await ip(['-j', 'addr', 'show'], namespace)) as JsonLink[];
}

/** `ip route` lines of the main table, e.g. "10.0.1.5 via 169.254.0.1 dev eni-… onlink". */
export async function routes(namespace: string): Promise<string[]> {
  const out = await ip(['route', 'show'], namespace);
  return out
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}

/** Packets the namespace's reverse-path filter dropped (the router's source/dest check). */
export async function reversePathDrops(namespace: string): Promise<number> {
  const { stdout } = await run('ip', [
    'netns',
    'exec',
    namespace,
    'nstat',
    '-az',
    'TcpExtIPReversePathFilter',
  ]);
  const match = /TcpExtIPReversePathFilter\s+(\d+)/.exec(stdout);
  return Number(match?.[1] ?? 0);
}

/**
 * Polls `check` until it holds or `withinMs` passes; returns how long it took. The fabric must
 * follow EC2 by itself, so tests wait on the kernel, never on the fabric.
 */
export async function within(withinMs: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > withinMs)
      throw new Error(`not true within ${withinMs} ms: ${check.toString()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
