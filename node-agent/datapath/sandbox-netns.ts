/**
 * How the agent enters a pod's sandbox. Runtimes put sandboxes where iproute2 keeps named
 * namespaces (containerd: /var/run/netns/cni-<uuid>); one there is entered with `ip -n`, one
 * exec, rather than `nsenter` and then `ip`, two. iproute2 looks names up in /run/netns or
 * /var/run/netns depending on its build, so a name is used only when both lead to the very
 * namespace the runtime named; any other path is entered by path.
 */
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { type Netns, namedNetns, netnsAtPath } from '../ns';

const IPROUTE2_NETNS_DIRS = ['/run/netns', '/var/run/netns'] as const;

/** iproute2 refuses names it could not have created; anything else is entered by path. */
const PLAIN_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

async function sameFile(a: string, b: string): Promise<boolean> {
  try {
    const [x, y] = await Promise.all([stat(a), stat(b)]);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}

export async function sandboxNetns(path: string): Promise<Netns> {
  const name = basename(path);
  const dir = dirname(path);
  if (!PLAIN_NAME.test(name) || !(IPROUTE2_NETNS_DIRS as readonly string[]).includes(dir)) {
    return netnsAtPath(path);
  }
  const same = await Promise.all(IPROUTE2_NETNS_DIRS.map((d) => sameFile(path, `${d}/${name}`)));
  return same.every(Boolean) ? namedNetns(name) : netnsAtPath(path);
}
