/**
 * iperf3 between two network namespaces: a server started in one, a client in the other,
 * the received rate read from the client's JSON report. Only addresses inside namespaces
 * the benchmark created are ever targeted.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { DependencyError } from '../../core/errors';

const run = promisify(execFile);

export interface IperfServer {
  readonly address: string;
  stop(): Promise<void>;
}

export async function startIperfServer(netns: string, address: string): Promise<IperfServer> {
  const child: ChildProcess = spawn('ip', ['netns', 'exec', netns, 'iperf3', '-s', '-B', address], {
    stdio: 'ignore',
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  await sleep(300);
  if (child.exitCode !== null)
    throw new DependencyError(`iperf3 server in ${netns} exited (${child.exitCode})`);
  return {
    address,
    stop: async () => {
      if (child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    },
  };
}

/** Received bits per second of one TCP stream, as Gbit/s. */
export function receivedGbps(report: string): number {
  const parsed = JSON.parse(report) as {
    end?: { sum_received?: { bits_per_second?: number } };
    error?: string;
  };
  const bps = parsed.end?.sum_received?.bits_per_second;
  if (parsed.error || bps === undefined)
    throw new DependencyError(`iperf3 failed: ${parsed.error ?? 'no sum_received'}`);
  return bps / 1e9;
}

export async function measureGbps(
  clientNetns: string,
  server: IperfServer,
  seconds: number,
): Promise<number> {
  const { stdout } = await run(
    'ip',
    ['netns', 'exec', clientNetns, 'iperf3', '-c', server.address, '-t', String(seconds), '-J'],
    { timeout: (seconds + 20) * 1000, maxBuffer: 16 * 2 ** 20 },
  ).catch((error: { stdout?: string; message: string }) => {
    if (error.stdout) return { stdout: error.stdout };
    throw new DependencyError(`iperf3 client in ${clientNetns} failed: ${error.message}`);
  });
  return receivedGbps(stdout);
}
