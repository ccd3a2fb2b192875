/**
 * Pods wired at the same time against the real kernel: their node-side lines share `ip`
 * execs, yet each pod gets exactly its own wiring, one pod's failure is no other pod's, and a
 * leftover link of one pod is cleared for that pod alone. Sandboxes outside iproute2's
 * directory are still entered by path. Needs root.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LeasedEni } from '../../../core/contract/api';
import { createHostNetwork, createPodNetwork, type PodNetwork } from '../../../node-agent/datapath';
import { addNs, delNs, ipIn, isRoot, ping, sh, trySh } from './netns';
import { createNode, type Node } from './topology';

const TAG = `lcs${process.pid % 100000}`;

interface Link {
  ifname: string;
}
interface Route {
  dst: string;
  dev: string;
}

const suite = isRoot ? describe : describe.skip;
if (!isRoot) console.warn('concurrent setup e2e skipped: it needs root to create network namespaces');

suite('Pod network: pods wired at the same time', () => {
  let node: Node;
  let pods: PodNetwork;
  const sandboxes: string[] = [];
  const mounts: string[] = [];
  let dir: string;

  const hostLinks = () => ipIn<Link>(node.host, ['link', 'show']).map((l) => l.ifname);
  const podsTable = () => ipIn<Route>(node.host, ['route', 'show', 'table', '4096']);

  function sandbox(name: string): string {
    const ns = `${TAG}-${name}`;
    addNs(ns);
    sandboxes.push(ns);
    return ns;
  }

  function setup(
    name: string,
    ip: string,
    eni: LeasedEni,
    netns = `/run/netns/${TAG}-${name}`,
    mtu?: number,
  ) {
    return pods.setup({
      containerId: `c0ffee${name}`,
      ifName: 'eth0',
      netns,
      namespace: 'default',
      pod: name,
      ip,
      eni,
      ...(mtu === undefined ? {} : { mtu }),
    });
  }

  beforeEach(async () => {
    node = createNode(TAG);
    dir = mkdtempSync(join(tmpdir(), `${TAG}-`));
    pods = createPodNetwork({ hostNetns: node.host, vethPrefix: 'eni', mtu: 1500 });
    await createHostNetwork(node.hostSettings).apply([node.primary, node.secondary]);
  });

  afterEach(() => {
    for (const mount of mounts.splice(0)) trySh('umount', [mount]);
    for (const ns of sandboxes.splice(0)) delNs(ns);
    rmSync(dir, { recursive: true, force: true });
    node.destroy();
  });

  it('wires twelve pods started at once, each with its own link and route, reachable from the next', async () => {
    // Prepare
    const names = Array.from({ length: 12 }, (_, i) => `p${i}`);
    for (const name of names) sandbox(name);

    // Act
    const wired = await Promise.all(names.map((name, i) => setup(name, `10.77.0.${100 + i}`, node.primary)));

    // Assess
    const links = hostLinks();
    expect(wired.map((w) => w.hostInterface.name).every((n) => links.includes(n))).toBe(true);
    expect(new Set(wired.map((w) => w.hostInterface.name)).size).toBe(12);
    expect(podsTable().map((r) => r.dst)).toEqual(names.map((_, i) => `10.77.0.${100 + i}`));
    for (const [i, w] of wired.entries()) {
      expect(podsTable().find((r) => r.dst === w.ip)?.dev).toBe(w.hostInterface.name);
      expect(ping(`${TAG}-${names[i]}`, `10.77.0.${100 + ((i + 1) % 12)}`)).toBe(true);
    }
  });

  it('fails only the pod whose own line fails, leaving nothing of it, while the others are wired', async () => {
    // Prepare
    for (const name of ['ok1', 'bad', 'ok2']) sandbox(name);

    // Act: a veth cannot take an MTU of 70000, so only that pod's link add fails.
    const results = await Promise.allSettled([
      setup('ok1', '10.77.0.110', node.primary),
      setup('bad', '10.77.0.111', node.primary, undefined, 70_000),
      setup('ok2', '10.77.0.112', node.primary),
    ]);

    // Assess
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/mtu|MTU|Numerical result|invalid/i);
    expect(podsTable().map((r) => r.dst)).toEqual(['10.77.0.110', '10.77.0.112']);
    expect(hostLinks()).not.toContain(pods.hostIfName('default', 'bad'));
    expect(ping(`${TAG}-ok1`, '10.77.0.112')).toBe(true);
  });

  it('clears a leftover link of one pod and wires it, alongside pods that had none', async () => {
    // Prepare: a link by the pod's name, as a crash between ADD's steps leaves it.
    for (const name of ['old', 'new1', 'new2']) sandbox(name);
    const leftover = pods.hostIfName('default', 'old');
    sh('ip', ['-n', node.host, 'link', 'add', leftover, 'type', 'veth', 'peer', 'name', `${TAG}x`]);

    // Act
    const wired = await Promise.all([
      setup('new1', '10.77.0.120', node.primary),
      setup('old', '10.77.0.121', node.primary),
      setup('new2', '10.77.0.122', node.primary),
    ]);

    // Assess
    expect(wired.map((w) => w.ip)).toEqual(['10.77.0.120', '10.77.0.121', '10.77.0.122']);
    expect(hostLinks()).not.toContain(`${TAG}x`);
    expect(ping(`${TAG}-old`, '10.77.0.120')).toBe(true);
    expect(ping(`${TAG}-new2`, '10.77.0.121')).toBe(true);
  });

  it('enters a sandbox bound outside /run/netns by its path', async () => {
    // Prepare: the runtime's namespace file somewhere iproute2 does not look for names.
    const ns = sandbox('bound');
    const path = join(dir, 'bound-netns');
    writeFileSync(path, '');
    sh('mount', ['--bind', `/run/netns/${ns}`, path]);
    mounts.push(path);

    // Act
    const wiring = await setup('bound', '10.77.0.130', node.primary, path);

    // Assess
    expect(wiring.podInterface.sandbox).toBe(path);
    const addresses = sh('ip', ['-n', ns, '-4', '-o', 'address', 'show', 'dev', 'eth0']);
    expect(addresses).toContain('10.77.0.130/32');
    expect(ping(ns, '10.77.0.10')).toBe(true);
  });
});
