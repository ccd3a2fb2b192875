/**
 * A real container runtime for one test file: Debian's containerd with its own root, state
 * and socket in a temp directory, a rootfs made of busybox-static, and our conflist and
 * plugin where `ctr run --cni` looks (only /etc/cni/net.d and /opt/cni/bin), with whatever
 * was there moved aside and put back on stop.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ExecResult, exec } from '../../../infra/local/demo/exec';

export const CNI_CONF_DIR = '/etc/cni/net.d';
export const CNI_BIN_DIR = '/opt/cni/bin';
const DEBIAN_CNI_PLUGINS = '/usr/lib/cni';
const BUSYBOX = '/usr/bin/busybox';
const BUSYBOX_APPLETS = ['sh', 'ip', 'ping', 'sleep', 'cat'];

export const RUNTIME_PACKAGES = 'containerd busybox-static containernetworking-plugins';

export function missingRuntimeTools(): string[] {
  const needed = ['/usr/bin/containerd', '/usr/bin/ctr', BUSYBOX, join(DEBIAN_CNI_PLUGINS, 'loopback')];
  return needed.filter((file) => !existsSync(file));
}

/** Moves a directory aside (if present) and leaves an empty one; the returned function undoes it. */
function takeOver(dir: string, suffix: string): () => void {
  const backup = `${dir}.ledger-backup-${suffix}`;
  const existed = existsSync(dir);
  if (existed) renameSync(dir, backup);
  const parent = join(dir, '..');
  const parentExisted = existsSync(parent);
  mkdirSync(dir, { recursive: true });
  return () => {
    rmSync(dir, { recursive: true, force: true });
    if (existed) renameSync(backup, dir);
    else if (!parentExisted) rmSync(parent, { recursive: true, force: true });
  };
}

export interface ContainerRuntime {
  /** Copies a node agent's conflist and plugin (plus loopback and portmap) where ctr looks. */
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
  const restores: Array<() => void> = [];
  const child = spawn('containerd', ['--config', config], {
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const ctr = (args: string[], timeoutMs = 60_000) =>
    exec('ctr', ['--address', socket, ...args], { timeoutMs });
  const stop = async () => {
    await ctr(['tasks', 'kill', '--all', '--signal', 'SIGKILL', 'leftover']).catch(() => undefined);
    await stopProcess(child);
    for (const restore of restores.splice(0).reverse()) restore();
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
      restores.push(takeOver(CNI_CONF_DIR, `${process.pid}`), takeOver(CNI_BIN_DIR, `${process.pid}`));
      copyFileSync(conflist, join(CNI_CONF_DIR, '10-ledger.conflist'));
      copyFileSync(plugin, join(CNI_BIN_DIR, 'ledger-cni'));
      for (const name of ['loopback', 'portmap']) {
        copyFileSync(join(DEBIAN_CNI_PLUGINS, name), join(CNI_BIN_DIR, name));
      }
      execFileSync('chmod', [
        '755',
        ...['ledger-cni', 'loopback', 'portmap'].map((n) => join(CNI_BIN_DIR, n)),
      ]);
    },
    // ctr must run in the root namespace, never under `ip netns exec`: it makes the sandbox itself.
    run: (id, script) => ctr(['run', '--rootfs', '--cni', '--rm', rootfs, id, '/bin/sh', '-c', script]),
    stop,
  };
}
