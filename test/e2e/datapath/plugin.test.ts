/**
 * The real plugin binary, run as a container runtime runs it, against the agent's plugin
 * server and the real datapath in throwaway namespaces. Needs root: it creates namespaces,
 * veths, routes, rules and iptables chains.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHostNetwork, createPodNetwork, hostVethName } from '../../../node-agent/datapath';
import { type PluginServer, startPluginServer } from '../../../node-agent/server';
import { FixedPool } from './fixed-pool';
import { addNs, delNs, ipIn, isRoot, ping, settled, sh, snapshot, trySh } from './netns';
import { buildPlugin, cniEnv, PLUGIN, type PodEnv, runPlugin } from './plugin-runner';
import { createNode, type Node } from './topology';

const TAG = `lcp${process.pid % 100000}`;
const silent = { debug() {}, info() {}, warn() {}, error() {} };

interface Link {
  ifname: string;
  address: string;
}
interface Rule {
  priority: number;
  src?: string;
  dst?: string;
  table: string;
}

/** Counts ICMP packets from `source` arriving in the namespace, from a rule added now. */
function countIcmpFrom(ns: string, source: string): () => number {
  const comment = `count-${source}-${Math.random().toString(36).slice(2, 8)}`;
  sh('ip', [
    'netns',
    'exec',
    ns,
    'iptables',
    '-A',
    'INPUT',
    '-s',
    source,
    '-p',
    'icmp',
    '-m',
    'comment',
    '--comment',
    comment,
  ]);
  return () => {
    const saved = sh('ip', ['netns', 'exec', ns, 'iptables-save', '-c', '-t', 'filter']);
    const line = saved.split('\n').find((l) => l.includes(comment));
    return Number(/^\[(\d+):/.exec(line ?? '')?.[1] ?? -1);
  };
}

const suite = isRoot ? describe : describe.skip;
if (!isRoot) console.warn('plugin e2e skipped: it needs root to create network namespaces');

suite('Plugin: ledger-cni driven like a container runtime', () => {
  let node: Node;
  let pool: FixedPool;
  let server: PluginServer;
  let work: string;
  let socketPath: string;
  const pods: string[] = [];
  const podNetwork = () =>
    createPodNetwork({
      hostNetns: node.host,
      vethPrefix: 'eni',
      mtu: 1500,
    });

  function newPod(name: string, namespace = 'default'): PodEnv {
    const ns = `${TAG}-${name}`;
    addNs(ns);
    pods.push(ns);
    return {
      containerId: `c0ffee${name.replace(/[^a-z0-9]/g, '')}`,
      netns: `/run/netns/${ns}`,
      namespace,
      pod: name,
    };
  }

  function conf(extra: Record<string, unknown> = {}, version = '1.1.0'): string {
    return JSON.stringify({
      cniVersion: version,
      name: 'ledger',
      type: 'ledger-cni',
      agentSocket: socketPath,
      pluginLogFile: join(work, 'plugin.log'),
      ...extra,
    });
  }

  const add = (pod: PodEnv, version = '1.1.0') => runPlugin(node.host, cniEnv('ADD', pod), conf({}, version));
  const del = (pod: PodEnv, prevResult?: unknown, extra: Record<string, unknown> = {}) =>
    runPlugin(node.host, cniEnv('DEL', pod), conf({ prevResult, ...extra }));

  beforeAll(async () => {
    buildPlugin();
    work = mkdtempSync(join(tmpdir(), `${TAG}-`));
    socketPath = join(work, 'agent.sock');
    node = createNode(TAG);
    pool = new FixedPool(node.addresses);
    // An address outside the VPC, on the VPC router, to see what leaves the node and how.
    sh('ip', ['-n', node.vpc, 'addr', 'add', '198.51.100.1/32', 'dev', 'lo']);
    const hostNetwork = createHostNetwork(node.hostSettings);
    await hostNetwork.apply(pool.enis());
    server = await startPluginServer({
      socketPath,
      pool,
      podNetwork: podNetwork(),
      hostNetwork,
      logger: silent,
    });
  });

  afterEach(async () => {
    const network = podNetwork();
    for (const a of pool.assignments()) {
      await network
        .teardown({ hostIfName: network.hostIfName(a.namespace, a.pod), ip: a.ip })
        .catch(() => undefined);
      await pool.unassign(a.containerId, a.ifName);
    }
    pool.pinned.clear();
    for (const ns of pods.splice(0)) delNs(ns);
  });

  afterAll(async () => {
    await server?.stop();
    node?.destroy();
    for (const ns of pods.splice(0)) delNs(ns);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('wires two pods that reach each other and the host, and reports what the system holds', async () => {
    // Prepare
    const web = newPod('web-1');
    const db = newPod('db-1');

    // Act
    const webAdd = await add(web);
    const dbAdd = await add(db);

    // Assess
    expect(webAdd).toMatchObject({ code: 0 });
    expect(dbAdd).toMatchObject({ code: 0 });
    const result = webAdd.json as {
      interfaces: { name: string; mac: string; mtu: number; sandbox?: string }[];
      ips: { address: string; gateway: string; interface: number }[];
      routes: { dst: string; gw: string }[];
    };
    const hostIfName = hostVethName('eni', 'default', 'web-1');
    const hostLink = ipIn<Link>(node.host, ['link', 'show', 'dev', hostIfName])[0]!;
    const podLink = ipIn<Link>(`${TAG}-web-1`, ['link', 'show', 'dev', 'eth0'])[0]!;
    expect(result.interfaces).toEqual([
      { name: hostIfName, mac: hostLink.address, mtu: 1500 },
      { name: 'eth0', mac: podLink.address, mtu: 1500, sandbox: web.netns },
    ]);
    expect(result.ips).toEqual([{ address: '10.77.0.20/32', gateway: '169.254.1.1', interface: 1 }]);
    expect(result.routes).toEqual([{ dst: '0.0.0.0/0', gw: '169.254.1.1' }]);
    const podRoutes = ipIn<{ dst: string; gateway?: string }>(`${TAG}-web-1`, ['route', 'show']);
    expect(podRoutes).toEqual(
      expect.arrayContaining([expect.objectContaining({ dst: 'default', gateway: '169.254.1.1' })]),
    );
    const neighbour = ipIn<{ dst: string; lladdr: string; state: string[] }>(`${TAG}-web-1`, [
      'neigh',
      'show',
      'dev',
      'eth0',
    ]);
    expect(neighbour).toEqual([
      expect.objectContaining({ dst: '169.254.1.1', lladdr: hostLink.address, state: ['PERMANENT'] }),
    ]);
    expect(ping(`${TAG}-web-1`, '10.77.0.21')).toBe(true);
    expect(ping(`${TAG}-db-1`, '10.77.0.20')).toBe(true);
    expect(ping(`${TAG}-web-1`, '10.77.0.10')).toBe(true);
    expect(ping(node.host, '10.77.0.21')).toBe(true);
  });

  it('serves concurrent ADDs with distinct addresses through a 0660 socket', async () => {
    // Prepare
    const names = ['par-1', 'par-2', 'par-3'];
    const envs = names.map((n) => newPod(n));

    // Act
    const results = await Promise.all(envs.map((pod) => add(pod)));

    // Assess
    expect(results.map((r) => r.code)).toEqual([0, 0, 0]);
    const ips = results.map((r) => (r.json!.ips as { address: string }[])[0]!.address);
    expect(new Set(ips).size).toBe(3);
    expect(ping(`${TAG}-par-1`, ips[2]!.split('/')[0]!)).toBe(true);
    expect(statSync(socketPath).mode & 0o777).toBe(0o660);
  });

  it.each([
    ['a sandbox that does not exist', { CNI_NETNS: '/run/netns/lcp-no-such-sandbox' }, 4],
    ['an interface name the sandbox already has', { CNI_IFNAME: 'lo' }, 999],
  ])('undoes a failed ADD into %s: no link, no rule, no assignment', async (_label, change, code) => {
    // Prepare
    const pod = newPod('undo-1');
    const before = snapshot(node.host);

    // Act
    const run = await runPlugin(node.host, { ...cniEnv('ADD', pod), ...change }, conf());

    // Assess
    expect(run.code).not.toBe(0);
    expect(run.json).toMatchObject({ code });
    expect(snapshot(node.host)).toBe(before);
    expect(pool.assignments()).toEqual([]);
  });

  it('answers a repeated ADD of the same container with the same address and one working link', async () => {
    // Prepare
    const pod = newPod('again-1');
    const first = await add(pod);

    // Act
    const second = await add(pod);

    // Assess
    expect([first.code, second.code]).toEqual([0, 0]);
    expect((second.json!.ips as { address: string }[])[0]!.address).toBe(
      (first.json!.ips as { address: string }[])[0]!.address,
    );
    const links = ipIn<Link>(node.host, ['link', 'show']).filter((l) => l.ifname.startsWith('eni'));
    expect(links.map((l) => l.ifname)).toEqual([hostVethName('eni', 'default', 'again-1')]);
    expect(ping(`${TAG}-again-1`, '10.77.0.10')).toBe(true);
    const check = await runPlugin(node.host, cniEnv('CHECK', pod), conf({ prevResult: second.json }));
    expect(check.code).toBe(0);
  });

  it('leaves alone the rules of an address that a late DEL names but another pod now holds', async () => {
    // Prepare
    const old = newPod('late-1');
    const added = await add(old);
    pool.pinned.set('late-2', '10.77.0.20');
    await pool.unassign(old.containerId, 'eth0');
    sh('ip', ['-n', node.host, 'link', 'del', hostVethName('eni', 'default', 'late-1')]);
    const current = newPod('late-2');
    expect((await add(current)).code).toBe(0);

    // Act
    const late = await del(old, added.json);

    // Assess
    expect(late.code).toBe(0);
    const podsTable = ipIn<{ dst: string; dev: string }>(node.host, ['route', 'show', 'table', '4096']);
    expect(podsTable).toEqual([
      expect.objectContaining({ dst: '10.77.0.20', dev: hostVethName('eni', 'default', 'late-2') }),
    ]);
    expect(ping(`${TAG}-late-2`, '10.77.0.10')).toBe(true);
  });

  it.each(['0.4.0', '1.0.0', '1.1.0'])('runs ADD, CHECK and DEL with cniVersion %s', async (version) => {
    // Prepare
    const pod = newPod(`v${version.replace(/\./g, '')}`);

    // Act
    const added = await add(pod, version);
    const checked = await runPlugin(
      node.host,
      cniEnv('CHECK', pod),
      conf({ prevResult: added.json }, version),
    );
    const deleted = await runPlugin(node.host, cniEnv('DEL', pod), conf({ prevResult: added.json }, version));

    // Assess
    expect(added).toMatchObject({ code: 0, json: { cniVersion: version } });
    const ip = (added.json!.ips as Record<string, unknown>[])[0]!;
    expect(ip.version).toBe(version === '0.4.0' ? '4' : undefined);
    const iface = (added.json!.interfaces as Record<string, unknown>[])[1]!;
    expect(iface.mtu).toBe(version === '1.1.0' ? 1500 : undefined);
    expect(checked).toMatchObject({ code: 0, stdout: '' });
    expect(deleted).toMatchObject({ code: 0, stdout: '' });
  });

  it('passes CHECK, then fails it after the pod route is deleted by hand', async () => {
    // Prepare
    const pod = newPod('check-1');
    const added = await add(pod);
    const check = () => runPlugin(node.host, cniEnv('CHECK', pod), conf({ prevResult: added.json }));
    const before = await check();

    // Act
    sh('ip', ['-n', `${TAG}-check-1`, 'route', 'del', 'default']);
    const after = await check();

    // Assess
    expect(before.code).toBe(0);
    expect(after.code).not.toBe(0);
    expect(after.json).toMatchObject({ cniVersion: '1.1.0', code: 110 });
    expect(String(after.json!.msg)).toContain('default route via 169.254.1.1 is missing');
  });

  it('fails CHECK when the pod route in the pods table is gone', async () => {
    // Prepare
    const pod = newPod('check-2');
    const added = await add(pod);
    const check = () => runPlugin(node.host, cniEnv('CHECK', pod), conf({ prevResult: added.json }));
    const before = await check();

    // Act
    sh('ip', ['-n', node.host, 'route', 'del', '10.77.0.20/32', 'table', '4096']);
    const after = await check();

    // Assess
    expect(before.code).toBe(0);
    expect(after.json).toMatchObject({ code: 110 });
    expect(String(after.json!.msg)).toContain(
      `pods table route 10.77.0.20/32 dev ${hostVethName('eni', 'default', 'check-2')} table 4096 is missing`,
    );
  });

  it('DEL twice succeeds and leaves no link, route, rule or iptables entry behind', async () => {
    // Prepare
    const before = snapshot(node.host);
    const pod = newPod('gone-1');
    pool.pinned.set('gone-1', '10.77.1.20');
    const added = await add(pod);
    expect(snapshot(node.host)).not.toBe(before);

    // Act
    const first = await del(pod, added.json);
    const second = await del(pod, added.json);
    const noNetns = await runPlugin(node.host, { ...cniEnv('DEL', pod), CNI_NETNS: '' }, conf());

    // Assess
    expect(added.code).toBe(0);
    expect([first.code, second.code, noNetns.code]).toEqual([0, 0, 0]);
    expect(await settled(() => snapshot(node.host), before)).toBe(before);
    expect(pool.assignments()).toEqual([]);
  });

  it('wires a new sandbox of a pod right after the DEL of its previous one answered', async () => {
    // Prepare
    const previous = newPod('again-2');
    const next = { ...newPod('again-2b'), pod: 'again-2' };
    const added = await add(previous);

    // Act
    const deleted = await del(previous, added.json);
    const readded = await add(next);

    // Assess
    expect([added.code, deleted.code, readded.code]).toEqual([0, 0, 0]);
    const links = ipIn<Link>(node.host, ['link', 'show']).filter((l) => l.ifname.startsWith('eni'));
    expect(links.map((l) => l.ifname)).toEqual([hostVethName('eni', 'default', 'again-2')]);
    expect(ping(`${TAG}-again-2b`, '10.77.0.10')).toBe(true);
    expect(pool.assignments().map((a) => a.containerId)).toEqual([next.containerId]);
  });

  it('GC removes the attachments that are not valid and keeps the rest', async () => {
    // Prepare
    const keep = newPod('keep-1');
    const drop = newPod('drop-1');
    expect((await add(keep)).code).toBe(0);
    expect((await add(drop)).code).toBe(0);

    // Act
    const gc = await runPlugin(
      node.host,
      { CNI_COMMAND: 'GC', CNI_PATH: '/usr/lib/cni' },
      conf({ 'cni.dev/valid-attachments': [{ containerID: keep.containerId, ifname: 'eth0' }] }),
    );

    // Assess
    expect(gc).toMatchObject({ code: 0, stdout: '' });
    expect(pool.assignments().map((a) => a.containerId)).toEqual([keep.containerId]);
    expect(trySh('ip', ['-n', node.host, 'link', 'show', hostVethName('eni', 'default', 'drop-1')]).ok).toBe(
      false,
    );
    expect(ping(`${TAG}-keep-1`, '10.77.0.10')).toBe(true);
  });

  it('gives a pod on a secondary ENI one from-rule for every destination: VPC traffic through its ENI, the rest SNATed via eth0', async () => {
    // Prepare
    const pod = newPod('api-1');
    pool.pinned.set('api-1', '10.77.1.20');
    const outsideCounter = countIcmpFrom(node.vpc, '10.77.0.10');

    // Act
    const added = await add(pod);

    // Assess
    expect(added.code).toBe(0);
    const rules = ipIn<Rule>(node.host, ['rule', 'show']);
    expect(rules.filter((r) => r.src === '10.77.1.20' || r.dst === '10.77.1.20')).toEqual([
      { priority: 1536, src: '10.77.1.20', table: '2' },
    ]);
    expect(rules.filter((r) => r.priority === 512)).toEqual([{ priority: 512, src: 'all', table: '4096' }]);
    const podsTable = ipIn<{ dst: string; dev: string }>(node.host, ['route', 'show', 'table', '4096']);
    expect(podsTable).toEqual([
      expect.objectContaining({ dst: '10.77.1.20', dev: hostVethName('eni', 'default', 'api-1') }),
    ]);
    // 10.77.1.1 is only reachable through table 2's default route on eth1.
    expect(ping(`${TAG}-api-1`, '10.77.1.1')).toBe(true);
    // Outside the VPC the pod leaves by the primary ENI with the primary IP, as the source/dest check demands.
    expect(ping(`${TAG}-api-1`, '198.51.100.1')).toBe(true);
    expect(outsideCounter()).toBe(1);
  });

  it('SNATs traffic leaving the VPC to the primary IP and leaves VPC traffic alone', async () => {
    // Prepare
    const pod = newPod('out-1');
    expect((await add(pod)).code).toBe(0);
    const snatted = countIcmpFrom(node.vpc, '10.77.0.10');
    const direct = countIcmpFrom(node.vpc, '10.77.0.20');

    // Act
    const outside = ping(`${TAG}-out-1`, '198.51.100.1');
    const insideVpc = ping(`${TAG}-out-1`, '10.77.0.1');

    // Assess
    expect([outside, insideVpc]).toEqual([true, true]);
    expect(snatted()).toBe(1);
    expect(direct()).toBe(1);
  });

  it('chains with the portmap plugin from containernetworking-plugins', async () => {
    // Prepare
    const pod = newPod('port-1');
    const added = await runPlugin(node.host, cniEnv('ADD', pod), conf({}, '1.0.0'));
    const portmapConf = (prevResult: unknown) =>
      JSON.stringify({
        cniVersion: '1.0.0',
        name: 'ledger',
        type: 'portmap',
        capabilities: { portMappings: true },
        runtimeConfig: { portMappings: [{ hostPort: 18080, containerPort: 8080, protocol: 'tcp' }] },
        prevResult,
      });
    const server = `require('net').createServer((s) => s.end('pong')).listen(8080, () => console.log('up'))`;
    const listener = spawn('ip', ['netns', 'exec', `${TAG}-port-1`, process.execPath, '-e', server]);
    try {
      // Act
      const mapped = await runPlugin(
        node.host,
        cniEnv('ADD', pod),
        portmapConf(added.json),
        '/usr/lib/cni/portmap',
      );
      sh('sleep', ['0.3']);
      const answer = trySh('ip', [
        'netns',
        'exec',
        node.vpc,
        process.execPath,
        '-e',
        `require('net').connect(18080, '10.77.0.10').on('data', (d) => { process.stdout.write(d); process.exit(0); })`,
      ]);
      const unmapped = await runPlugin(
        node.host,
        cniEnv('DEL', pod),
        portmapConf(mapped.json),
        '/usr/lib/cni/portmap',
      );
      const deleted = await del(pod, mapped.json);

      // Assess
      expect(added.code).toBe(0);
      expect(mapped).toMatchObject({ code: 0 });
      expect(answer.stdout).toBe('pong');
      expect([unmapped.code, deleted.code]).toEqual([0, 0]);
    } finally {
      listener.kill();
    }
  });

  it.each([
    ['stdin that is not JSON', 6, {}, 'not json'],
    ['an unsupported cniVersion', 1, {}, '{"cniVersion":"9.9.9","name":"ledger","type":"ledger-cni"}'],
    ['a config without a name', 7, {}, '{"cniVersion":"1.1.0","type":"ledger-cni"}'],
    ['a missing CNI_CONTAINERID', 4, { CNI_CONTAINERID: '' }, undefined],
    ['a missing CNI_NETNS on ADD', 4, { CNI_NETNS: '' }, undefined],
    ['CNI_IFNAME with a colon', 4, { CNI_IFNAME: 'eth0:1' }, undefined],
    ['CNI_IFNAME longer than 15', 4, { CNI_IFNAME: 'eth0123456789012' }, undefined],
    ['CNI_IFNAME with a space', 4, { CNI_IFNAME: 'eth 0' }, undefined],
    ['unknown CNI_ARGS without IgnoreUnknown', 4, { CNI_ARGS: 'FOO=bar' }, undefined],
    ['an unknown CNI_COMMAND', 4, { CNI_COMMAND: 'PATCH' }, undefined],
  ] as const)('rejects %s with code %i and changes nothing', async (_label, code, envChange, stdin) => {
    // Prepare
    const pod = newPod('bad-1');
    const before = snapshot(node.host);
    const env = Object.fromEntries(
      Object.entries({ ...cniEnv('ADD', pod), ...envChange }).filter(([, v]) => v !== ''),
    );

    // Act
    const run = await runPlugin(node.host, env, stdin ?? conf());

    // Assess
    expect(run.code).not.toBe(0);
    expect(run.json).toMatchObject({ code });
    expect(typeof run.json!.msg).toBe('string');
    expect(snapshot(node.host)).toBe(before);
    expect(pool.assignments()).toEqual([]);
  });

  it('answers STATUS 0 when addresses are free, 50 when none are or the agent is away; ADD then gets 11', async () => {
    // Prepare
    const emptySocket = join(work, 'empty.sock');
    const empty = await startPluginServer({
      socketPath: emptySocket,
      pool: new FixedPool([]),
      podNetwork: podNetwork(),
      logger: silent,
    });
    const status = (socket: string) =>
      runPlugin(node.host, { CNI_COMMAND: 'STATUS' }, conf({ agentSocket: socket }));
    try {
      // Act
      const ready = await status(socketPath);
      const exhausted = await status(emptySocket);
      const away = await status(join(work, 'nobody.sock'));
      const pod = newPod('starved-1');
      const starved = await runPlugin(node.host, cniEnv('ADD', pod), conf({ agentSocket: emptySocket }));

      // Assess
      expect(ready).toMatchObject({ code: 0, stdout: '' });
      expect(exhausted.json).toMatchObject({ code: 50 });
      expect(away.json).toMatchObject({ code: 50 });
      expect(starved.json).toMatchObject({ code: 11 });
    } finally {
      await empty.stop();
    }
  });

  it('refuses a request whose netns could inject ip commands, and changes nothing', async () => {
    // Prepare
    const before = snapshot(node.host);
    const body = JSON.stringify({
      containerId: 'c0ffeeinject',
      ifName: 'eth0',
      netns: '/run/netns/x\nlink del eth0',
      podNamespace: 'default',
      podName: 'inject',
    });

    // Act
    const answer = await new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
      const req = request({ socketPath, path: '/v1/cni/add', method: 'POST' }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => {
          text += d.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      });
      req.on('error', reject);
      req.end(body);
    });

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ code: 4 });
    expect(String(answer.body.msg)).toContain('netns=');
    expect(snapshot(node.host)).toBe(before);
    expect(pool.assignments()).toEqual([]);
  });

  it('answers VERSION with empty stdin, from the executable and the bundled script alike', async () => {
    // Act
    const sea = await runPlugin(node.host, { CNI_COMMAND: 'VERSION' }, '');
    const script = await runPlugin(node.host, { CNI_COMMAND: 'VERSION' }, '', `${PLUGIN}.js`);

    // Assess
    const expected = { cniVersion: '1.1.0', supportedVersions: ['0.4.0', '1.0.0', '1.1.0'] };
    expect(sea).toMatchObject({ code: 0, json: expected });
    expect(script).toMatchObject({ code: 0, json: expected });
  });

  it('fails ADD with code 11 when the agent is away, and DEL still tears down from prevResult', async () => {
    // Prepare
    const pod = newPod('orphan-1');
    pool.pinned.set('orphan-1', '10.77.1.20');
    const added = await add(pod);
    const away = join(work, 'away.sock');
    const other = newPod('orphan-2');

    // Act
    const addWhileAway = await runPlugin(node.host, cniEnv('ADD', other), conf({ agentSocket: away }));
    const delWhileAway = await del(pod, added.json, { agentSocket: away });

    // Assess
    expect(added.code).toBe(0);
    expect(addWhileAway.json).toMatchObject({ code: 11 });
    expect(String(addWhileAway.json!.msg)).toContain(away);
    expect(delWhileAway).toMatchObject({ code: 0, stdout: '' });
    const hostIfName = hostVethName('eni', 'default', 'orphan-1');
    expect(trySh('ip', ['-n', node.host, 'link', 'show', hostIfName]).ok).toBe(false);
    const rules = ipIn<Rule>(node.host, ['rule', 'show']);
    expect(rules.filter((r) => r.dst === '10.77.1.20' || r.src === '10.77.1.20')).toEqual([]);
    expect(ipIn(node.host, ['route', 'show', 'table', '4096'])).toEqual([]);
  });

  it('DEL with the agent away also removes the per-pod rule of a pod an earlier version wired', async () => {
    // Prepare: the pod's routing as versions before the pods table left it
    const before = snapshot(node.host);
    const pod = newPod('older-1');
    pool.pinned.set('older-1', '10.77.1.20');
    const added = await add(pod);
    const hostIfName = hostVethName('eni', 'default', 'older-1');
    sh('ip', ['-n', node.host, 'route', 'del', '10.77.1.20/32', 'dev', hostIfName, 'table', '4096']);
    sh('ip', ['-n', node.host, 'rule', 'add', 'to', '10.77.1.20/32', 'lookup', 'main', 'priority', '512']);
    await pool.unassign(pod.containerId, 'eth0');

    // Act
    const deleted = await del(pod, added.json, { agentSocket: join(work, 'away.sock') });

    // Assess
    expect(deleted).toMatchObject({ code: 0, stdout: '' });
    expect(snapshot(node.host)).toBe(before);
  });
});
