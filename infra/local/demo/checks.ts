/**
 * The demo's proofs that the network works: every pod pings every other pod (one echo, short
 * timeout, bounded concurrency), and every pod reaches a host beyond the VPC through SNAT —
 * a tiny TCP server in the outside namespace answers with the source address it saw, which
 * must be the pod's node's primary IP, never the pod's own.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { DependencyError } from '../../../core/errors';
import { execIn, mapLimit, netnsPath } from './exec';
import type { RunningPod } from './pods';

export interface PairResult {
  readonly from: RunningPod;
  readonly to: RunningPod;
  readonly ok: boolean;
}

export interface SnatResult {
  readonly pod: RunningPod;
  /** The source address the outside host saw; undefined when the connection failed. */
  readonly seenAs: string | undefined;
  readonly expected: string;
  readonly ok: boolean;
}

export async function ping(fromNetns: string, to: string, timeoutSeconds = 1): Promise<boolean> {
  const run = await execIn(fromNetns, 'ping', ['-c', '1', '-q', '-W', String(timeoutSeconds), to], {
    timeoutMs: (timeoutSeconds + 2) * 1000,
  });
  return run.code === 0;
}

export async function pingAllPairs(
  pods: readonly RunningPod[],
  options: { concurrency?: number; onResult?: (result: PairResult) => void } = {},
): Promise<PairResult[]> {
  const pairs = pods.flatMap((from) => pods.filter((to) => to !== from).map((to) => ({ from, to })));
  return mapLimit(pairs, options.concurrency ?? 8, async ({ from, to }) => {
    const result = { from, to, ok: await ping(from.netns, to.ip) };
    options.onResult?.(result);
    return result;
  });
}

/** Answers each connection with the peer address it saw, then closes it. */
const PEER_ECHO_SERVER = `
const net = require('node:net');
const [host, port] = process.argv.slice(1);
const server = net.createServer((socket) => socket.end(socket.remoteAddress + '\\n'));
server.listen(Number(port), host, () => process.stdout.write('listening\\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

export interface PeerEchoServer {
  readonly address: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** Starts the peer-echo server inside the outside namespace, listening only on its address there. */
export async function startPeerEchoServer(
  namespace: string,
  address: string,
  port = 8080,
): Promise<PeerEchoServer> {
  const child: ChildProcess = spawn(
    'nsenter',
    [`--net=${netnsPath(namespace)}`, '--', process.execPath, '-e', PEER_ECHO_SERVER, address, String(port)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const killer = setTimeout(() => child.kill('SIGKILL'), 2_000);
      child.once('exit', () => {
        clearTimeout(killer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  try {
    await new Promise<void>((resolve, reject) => {
      let errors = '';
      const timer = setTimeout(
        () => reject(new DependencyError(`peer-echo server did not start: ${errors}`)),
        10_000,
      );
      child.stderr?.on('data', (b: Buffer) => {
        errors += b.toString();
      });
      child.stdout?.on('data', (b: Buffer) => {
        if (b.toString().includes('listening')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new DependencyError(`peer-echo server exited ${code}: ${errors}`));
      });
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { address, port, stop };
}

/** Connects from inside the pod and returns what the server saw as our address. */
export async function addressSeenBy(podNetns: string, server: { address: string; port: number }) {
  const run = await execIn(
    podNetns,
    'timeout',
    ['3', 'bash', '-c', `exec 3<>/dev/tcp/${server.address}/${server.port} && cat <&3`],
    { timeoutMs: 5_000 },
  );
  const seen = run.stdout.trim();
  return run.code === 0 && seen !== '' ? seen : undefined;
}

export async function checkSnat(
  pods: readonly RunningPod[],
  server: { address: string; port: number },
  primaryIpOf: (instanceId: string) => string,
  options: { concurrency?: number; onResult?: (result: SnatResult) => void } = {},
): Promise<SnatResult[]> {
  return mapLimit(pods, options.concurrency ?? 4, async (pod) => {
    const seenAs = await addressSeenBy(pod.netns, server);
    const expected = primaryIpOf(pod.instanceId);
    const result = { pod, seenAs, expected, ok: seenAs === expected };
    options.onResult?.(result);
    return result;
  });
}
