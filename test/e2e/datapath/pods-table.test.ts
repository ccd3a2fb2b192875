/**
 * The pods table against the real kernel: one node-wide rule at 512 looking it up, each pod's
 * /32 in it, the move of pods wired by an earlier version (a `to <pod> lookup main` rule
 * each) without a packet going astray, teardown of either layout, and CHECK. Needs root.
 */
import { spawn } from 'node:child_process';
import type { LeasedEni } from '../../../core/contract/api';
import {
  createHostNetwork,
  createPodNetwork,
  type PodNetwork,
  restorePodRoutes,
} from '../../../node-agent/datapath';
import { namedNetns } from '../../../node-agent/ns';
import { addNs, delNs, ipIn, isRoot, ping, settled, sh, snapshot, trySh } from './netns';
import { createNode, type Node } from './topology';

const TAG = `lpt${process.pid % 100000}`;

interface Rule {
  priority: number;
  src?: string;
  dst?: string;
  table: string;
}
interface Route {
  dst: string;
  dev: string;
}

const suite = isRoot ? describe : describe.skip;
if (!isRoot) console.warn('pods table e2e skipped: it needs root to create network namespaces');

suite('Pods table: one rule at 512 and a /32 per pod', () => {
  let node: Node;
  let pods: PodNetwork;
  const sandboxes: string[] = [];

  const nodeRules = () => ipIn<Rule>(node.host, ['rule', 'show']).filter((r) => r.priority === 512);
  const podsTable = () => ipIn<Route>(node.host, ['route', 'show', 'table', '4096']);
  const applyHost = () => createHostNetwork(node.hostSettings).apply([node.primary, node.secondary]);

  async function wire(name: string, ip: string, eni: LeasedEni) {
    const ns = `${TAG}-${name}`;
    addNs(ns);
    sandboxes.push(ns);
    const wiring = await pods.setup({
      containerId: `c0ffee${name}`,
      ifName: 'eth0',
      netns: `/run/netns/${ns}`,
      namespace: 'default',
      pod: name,
      ip,
      eni,
    });
    return { ns, ip, hostIfName: wiring.hostInterface.name, wiring };
  }

  /** Puts a pod back the way versions before the pods table wired it. */
  function toOldLayout(pod: { ip: string; hostIfName: string }) {
    sh('ip', ['-n', node.host, 'route', 'del', `${pod.ip}/32`, 'dev', pod.hostIfName, 'table', '4096']);
    sh('ip', ['-n', node.host, 'rule', 'add', 'to', `${pod.ip}/32`, 'lookup', 'main', 'priority', '512']);
  }

  beforeEach(async () => {
    node = createNode(TAG);
    pods = createPodNetwork({
      hostNetns: node.host,
      vethPrefix: 'eni',
      mtu: 1500,
    });
    await applyHost();
  });

  afterEach(() => {
    for (const ns of sandboxes.splice(0)) delNs(ns);
    node.destroy();
  });

  it('holds the node-wide rule once through repeated applies, and puts it back when deleted by hand', async () => {
    // Prepare
    await applyHost();
    const once = nodeRules();
    sh('ip', ['-n', node.host, 'rule', 'del', 'priority', '512', 'lookup', '4096']);
    const deleted = nodeRules();

    // Act
    await applyHost();
    await applyHost();

    // Assess
    expect(once).toEqual([{ priority: 512, src: 'all', table: '4096' }]);
    expect(deleted).toEqual([]);
    expect(nodeRules()).toEqual([{ priority: 512, src: 'all', table: '4096' }]);
  });

  it('routes each pod through its /32 in the pods table, with the copy in main, and no rule of its own', async () => {
    // Act
    const web = await wire('web', '10.77.0.20', node.primary);
    const api = await wire('api', '10.77.1.20', node.secondary);

    // Assess
    expect(podsTable()).toEqual([
      expect.objectContaining({ dst: '10.77.0.20', dev: web.hostIfName, scope: 'link' }),
      expect.objectContaining({ dst: '10.77.1.20', dev: api.hostIfName, scope: 'link' }),
    ]);
    const main = ipIn<Route>(node.host, ['route', 'show', 'table', 'main']);
    expect(main).toEqual(
      expect.arrayContaining([expect.objectContaining({ dst: '10.77.0.20', dev: web.hostIfName })]),
    );
    expect(nodeRules()).toEqual([{ priority: 512, src: 'all', table: '4096' }]);
    // A secondary-ENI pod's from-rules send VPC traffic to table 2: rule 512 must win for pods here.
    expect(ping(api.ns, '10.77.0.20')).toBe(true);
    expect(ping(web.ns, '10.77.1.20')).toBe(true);
    const route = sh('ip', [
      '-n',
      node.host,
      'route',
      'get',
      '10.77.0.20',
      'from',
      '10.77.1.20',
      'iif',
      api.hostIfName,
    ]);
    expect(route).toContain(`dev ${web.hostIfName}`);
    expect(route).toContain('table 4096');
  });

  it('falls through to the next rules for every address that is not a pod here', async () => {
    // Prepare
    const api = await wire('api', '10.77.1.20', node.secondary);

    // Act
    const toVpc = sh('ip', [
      '-n',
      node.host,
      'route',
      'get',
      '10.77.0.99',
      'from',
      '10.77.1.20',
      'iif',
      api.hostIfName,
    ]);
    const fromHost = sh('ip', ['-n', node.host, 'route', 'get', '10.77.0.99']);

    // Assess
    expect(toVpc).toContain('table 2');
    expect(fromHost).toContain('dev eth0');
    expect(fromHost).not.toContain('table 4096');
  });

  it('moves pods of an earlier version to the pods table, route before rule, with no packet leaving the node', async () => {
    // Prepare: an earlier version's node: a rule per pod, no pods table, no node-wide rule
    const web = await wire('web', '10.77.0.20', node.primary);
    const db = await wire('db', '10.77.0.21', node.primary);
    const api = await wire('api', '10.77.1.20', node.secondary);
    for (const pod of [web, db, api]) toOldLayout(pod);
    sh('ip', ['-n', node.host, 'rule', 'del', 'priority', '512', 'lookup', '4096']);
    // Without a route at 512, the secondary-ENI pod's traffic to web would go out eth1 to the VPC.
    sh('ip', ['netns', 'exec', node.vpc, 'iptables', '-t', 'mangle', '-A', 'PREROUTING', '-s', '10.77.1.20']);
    const leftTheNode = () =>
      Number(
        /^\[(\d+):/m.exec(
          sh('ip', ['netns', 'exec', node.vpc, 'iptables-save', '-c', '-t', 'mangle'])
            .split('\n')
            .find((l) => l.includes('-s 10.77.1.20')) ?? '',
        )?.[1] ?? -1,
      );
    const flood = spawn('ip', [
      'netns',
      'exec',
      api.ns,
      'ping',
      '-q',
      '-i',
      '0.002',
      '-c',
      '600',
      '-W',
      '1',
      '10.77.0.20',
    ]);
    let pingOutput = '';
    flood.stdout.on('data', (d: Buffer) => {
      pingOutput += d.toString();
    });
    const pinged = new Promise<number>((resolve) => flood.on('close', (code) => resolve(code ?? -1)));
    await new Promise((resolve) => setTimeout(resolve, 200));

    // Act: what an agent of this version does at start
    await applyHost();
    const first = await restorePodRoutes(namedNetns(node.host), [web, db, api]);
    const afterFirst = snapshot(node.host);
    const second = await restorePodRoutes(namedNetns(node.host), [web, db, api]);

    // Assess
    expect(await pinged).toBe(0);
    expect(pingOutput).toMatch(/600 packets transmitted, 600 received/);
    expect(leftTheNode()).toBe(0);
    expect(first).toEqual({ routed: 3, unwired: [], oldRulesRemoved: 3, failures: [] });
    expect(second).toEqual({ routed: 3, unwired: [], oldRulesRemoved: 0, failures: [] });
    expect(snapshot(node.host)).toBe(afterFirst);
    expect(nodeRules()).toEqual([{ priority: 512, src: 'all', table: '4096' }]);
    expect(podsTable().map((r) => [r.dst, r.dev])).toEqual([
      ['10.77.0.20', web.hostIfName],
      ['10.77.0.21', db.hostIfName],
      ['10.77.1.20', api.hostIfName],
    ]);
    expect(ping(api.ns, '10.77.0.21')).toBe(true);
    expect(
      await pods.check({
        hostIfName: api.hostIfName,
        ifName: 'eth0',
        netns: `/run/netns/${api.ns}`,
        ip: api.ip,
        routeTable: 2,
      }),
    ).toEqual([]);
  });

  it('leaves alone a restored pod whose address is not routed through its link', async () => {
    // Prepare
    const web = await wire('web', '10.77.0.20', node.primary);
    toOldLayout(web);

    // Act: the checkpoint names an older sandbox of the pod, with another address, on the same link
    const report = await restorePodRoutes(namedNetns(node.host), [
      { ip: '10.77.0.22', hostIfName: web.hostIfName },
      web,
    ]);

    // Assess
    expect(report).toEqual({ routed: 1, unwired: ['10.77.0.22'], oldRulesRemoved: 1, failures: [] });
    expect(podsTable().map((r) => r.dst)).toEqual(['10.77.0.20']);
  });

  it('refuses to remove old rules before the node-wide rule exists, and changes nothing', async () => {
    // Prepare
    const web = await wire('web', '10.77.0.20', node.primary);
    toOldLayout(web);
    sh('ip', ['-n', node.host, 'rule', 'del', 'priority', '512', 'lookup', '4096']);
    const before = snapshot(node.host);

    // Act
    const restoring = restorePodRoutes(namedNetns(node.host), [web]);

    // Assess
    await expect(restoring).rejects.toThrow(/priority 512 lookup 4096" is missing/);
    expect(snapshot(node.host)).toBe(before);
  });

  it('refuses a restored pod with a bad address or link name, naming the field, and changes nothing', async () => {
    // Prepare
    const before = snapshot(node.host);

    // Act
    const badIp = restorePodRoutes(namedNetns(node.host), [{ ip: '10.77.0.300', hostIfName: 'eni0' }]);
    const badLink = restorePodRoutes(namedNetns(node.host), [
      { ip: '10.77.0.20', hostIfName: 'eni0\nlink del eth0' },
    ]);

    // Assess
    await expect(badIp).rejects.toThrow(/ip.*10\.77\.0\.300.*dotted IPv4/);
    await expect(badLink).rejects.toThrow(/hostIfName.*link name/);
    expect(snapshot(node.host)).toBe(before);
  });

  it.each([
    ['this version', false],
    ['an earlier version', true],
  ])('tears down a pod wired by %s: link, routes and rules gone, the node rule kept', async (_label, old) => {
    // Prepare
    const empty = snapshot(node.host);
    const api = await wire('api', '10.77.1.20', node.secondary);
    if (old) toOldLayout(api);

    // Act
    await pods.teardown({ hostIfName: api.hostIfName, ip: api.ip });
    await pods.teardown({ hostIfName: api.hostIfName, ip: api.ip });

    // Assess
    expect(await settled(() => snapshot(node.host), empty)).toBe(empty);
    expect(nodeRules()).toEqual([{ priority: 512, src: 'all', table: '4096' }]);
  });

  it('keeps the route a newer sandbox of the pod holds when the older one is torn down without its link', async () => {
    // Prepare
    const web = await wire('web', '10.77.0.20', node.primary);

    // Act: the link belongs to the newer sandbox, so only the older address's rules may go
    await pods.teardown({ ip: '10.77.0.22' });

    // Assess
    expect(podsTable().map((r) => [r.dst, r.dev])).toEqual([['10.77.0.20', web.hostIfName]]);
    expect(trySh('ip', ['-n', node.host, 'link', 'show', web.hostIfName]).ok).toBe(true);
  });

  it('CHECK reports a missing pods-table route and a missing node rule', async () => {
    // Prepare
    const web = await wire('web', '10.77.0.20', node.primary);
    const request = {
      hostIfName: web.hostIfName,
      ifName: 'eth0',
      netns: `/run/netns/${web.ns}`,
      ip: web.ip,
      routeTable: 254,
    };
    const before = await pods.check(request);

    // Act
    sh('ip', ['-n', node.host, 'route', 'del', '10.77.0.20/32', 'table', '4096']);
    const withoutRoute = await pods.check(request);
    sh('ip', ['-n', node.host, 'rule', 'del', 'priority', '512', 'lookup', '4096']);
    const withoutRule = await pods.check(request);

    // Assess
    expect(before).toEqual([]);
    expect(withoutRoute).toEqual([
      `pods table route 10.77.0.20/32 dev ${web.hostIfName} table 4096 is missing`,
    ]);
    expect(withoutRule).toEqual([
      `pods table route 10.77.0.20/32 dev ${web.hostIfName} table 4096 is missing`,
      'node rule priority 512 lookup 4096 is missing',
    ]);
  });
});
