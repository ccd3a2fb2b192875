/**
 * A real container runtime for one test file: Debian's containerd with its own root, state
 * and socket in a temp directory, and a rootfs made of busybox-static. `ctr run --cni` reads
 * only /etc/cni/net.d and /opt/cni/bin, so ctr runs in a private mount namespace where /etc
 * and /opt are overlays whose upper layers hold our conflist and plugins: the machine's own
 * directories are never touched, and a test running beside this one sees none of it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ExecResult, exec } from '../../../infra/local/demo/exec';

const DEBIAN_CNI_PLUGINS = '/usr/lib/cni';
const BUSYBOX = '/usr/bin/busybox';
const BUSYBOX_APPLETS = ['sh', 'ip', 'ping', 'sleep', 'cat'];

export const RUNTIME_PACKAGES = 'containerd busybox-static containernetworking-plugins';

export function missingRuntimeTools(): string[] {
  const needed = ['/usr/bin/containerd', '/usr/bin/ctr', BUSYBOX, join(DEBIAN_CNI_PLUGINS, 'loopback')];
  return needed.filter((file) => !existsSync(file));
}

/** Mounts the overlays ($1 is the work directory), then runs the rest of the arguments. */
const WITH_CNI_OVERLAYS = [
  'mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1/etc-up,workdir=$1/etc-work" /etc',
  'mount -t overlay overlay -o "lowerdir=/opt,upperdir=$1/opt-up,workdir=$1/opt-work" /opt',
  'shift',
  'exec "$@"',
].join(' && ');

export interface ContainerRuntime {
  /** Puts a node agent's conflist and plugin (plus loopback and portmap) where ctr will see them. */
  installCni(conflist: string, plugin: string): void;
  /** `ctr run --cni --rm` on the busybox rootfs, in the foreground. */
  run(id: string, script: string): Promise<ExecResult>;
  stop(): Promise<void>;
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function makeRootfs(dir: string): void {
  for (const sub of ['bin', 'proc', 'sys', 'dev', 'etc', 'tmp'])
    mkdirSync(join(dir, sub), { recursive: true });
  copyFileSync(BUSYBOX, join(dir, 'bin', 'busybox'));
  for (const applet of BUSYBOX_APPLETS) symlinkSync('busybox', join(dir, 'bin', applet));
}

export async function startContainerRuntime(tag: string): Promise<ContainerRuntime> {
  const work = mkdtempSync(join(tmpdir(), `ledger-ctr-${tag}-`));
  const socket = join(work, 'containerd.sock');
  const rootfs = join(work, 'rootfs');
  makeRootfs(rootfs);
  const config = join(work, 'config.toml');
  writeFileSync(
    config,
    [
      'version = 2',
      `root = "${join(work, 'root')}"`,
      `state = "${join(work, 'state')}"`,
      // Only ctr talks to it: no CRI plugin, which would read CNI config of its own.
      'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
      '[grpc]',
      `  address = "${socket}"`,
      '[ttrpc]',
      `  address = "${socket}.ttrpc"`,
      '[plugins."io.containerd.internal.v1.opt"]',
      `  path = "${join(work, 'opt')}"`,
      '',
    ].join('\n'),
  );
  const child = spawn('containerd', ['--config', config], {
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const ctr = (args: string[], timeoutMs = 60_000) =>
    exec('ctr', ['--address', socket, ...args], { timeoutMs });
  // A task that outlived a failed test would keep its shim running after containerd stops.
  const removeLeftovers = async () => {
    const tasks = (await ctr(['tasks', 'ls', '-q'], 10_000)).stdout.split('\n').filter(Boolean);
    for (const id of tasks) {
      await ctr(['tasks', 'kill', '--signal', 'SIGKILL', id], 10_000);
      await ctr(['tasks', 'rm', '--force', id], 10_000);
    }
    const containers = (await ctr(['containers', 'ls', '-q'], 10_000)).stdout.split('\n').filter(Boolean);
    for (const id of containers) await ctr(['containers', 'rm', id], 10_000);
  };
  const stop = async () => {
    if (child.exitCode === null) await removeLeftovers();
    await stopProcess(child);
    rmSync(work, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + 15_000;
    while ((await ctr(['version'], 5_000)).code !== 0) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error('containerd did not start');
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    installCni(conflist, plugin) {
      const confDir = join(work, 'etc-up', 'cni', 'net.d');
      const binDir = join(work, 'opt-up', 'cni', 'bin');
      for (const dir of [confDir, binDir, join(work, 'etc-work'), join(work, 'opt-work')]) {
        mkdirSync(dir, { recursive: true });
      }
      copyFileSync(conflist, join(confDir, '10-ledger.conflist'));
      copyFileSync(plugin, join(binDir, 'ledger-cni'));
      for (const name of ['loopback', 'portmap'])
        copyFileSync(join(DEBIAN_CNI_PLUGINS, name), join(binDir, name));
      for (const name of ['ledger-cni', 'loopback', 'portmap']) chmodSync(join(binDir, name), 0o755);
    },
    // ctr stays in the root network namespace (never `ip netns exec`): it makes the sandbox itself.
    run: (id, script) =>
      exec(
        'unshare',
        [
          '--mount',
          '--propagation',
          'private',
          'sh',
          '-c',
          WITH_CNI_OVERLAYS,
          'sh',
          work,
          'ctr',
          '--address',
          socket,
          ...['run', '--rootfs', '--cni', '--rm', rootfs, id, '/bin/sh', '-c', script],
        ],
        { timeoutMs: 60_000 },
      ),
    stop,
  };
}
