/**
 * The built agent end to end on the local cloud: IMDS, instance-role credentials, register,
 * checkpoint, host datapath in a namespace playing the node, plugin socket, pool loop,
 * introspection, metrics, install; then SIGTERM, restart, and a pod wired by the real plugin
 * keeps its address. Root only: it creates network namespaces and links.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalCloud, type LocalNode, startLocalCloud } from '../../../infra/local/cloud';
import { type LocalControlPlane, startLocalControlPlane } from '../../../infra/local/host';
import { readInstanceIdentity } from '../../../node-agent/imds';

const ROOT = join(__dirname, '../../..');
const AGENT = join(ROOT, 'dist/ledger-agent');
const PLUGIN = join(ROOT, 'dist/ledger-cni.js');
const IS_ROOT = process.getuid?.() === 0;
const HOST_NS = `lagt${process.pid}`;
const POD_NS = `lagtpod${process.pid}`;

function sh(...args: string[]): void {
  const r = spawnSync(args[0]!, args.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
}

function getJson<T>(socketPath: string, path: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () => resolve((path === '/metrics' ? body : JSON.parse(body)) as T));
    });
    req.on('error', reject);
    req.end();
  });
}

// Skipped only without root: namespaces and links need CAP_NET_ADMIN; CI runs as root.
const describeAsRoot = IS_ROOT ? describe : describe.skip;

describeAsRoot('Binary: dist/ledger-agent on the local cloud (root)', () => {
  let cloud: LocalCloud;
  let controlPlane: LocalControlPlane;
  let node: LocalNode;
  let dir: string;
  let env: Record<string, string>;
  let agent: ChildProcess | undefined;
  let output = '';

  beforeAll(async () => {
    for (const file of [AGENT, PLUGIN]) {
      if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
    }
    dir = mkdtempSync(join(tmpdir(), 'ledger-agent-life-'));
    cloud = await startLocalCloud({ nodes: 1, throttling: false, attachDelayMs: 10, detachDelayMs: 10 });
    node = cloud.nodes[0]!;
    controlPlane = await startLocalControlPlane({
      ec2: { endpoint: cloud.ec2.endpoint, region: cloud.ec2.region, model: cloud.ec2.model },
      dynamodbEndpoint: cloud.dynamodb.endpoint,
      iam: cloud.iam,
      clusterName: 'agent-lifecycle',
      vpcId: Object.values(cloud.ec2.scenario.vpcs)[0]!,
      nodeRoleNames: ['ledger-node'],
      operatorRoleNames: ['ledger-operator'],
      coolingSeconds: 0,
    });
    const identity = await readInstanceIdentity({ endpoint: node.imds.endpoint });
    // The namespace plays the node: its eth0 carries the primary ENI's MAC and address.
    sh('ip', 'netns', 'add', HOST_NS);
    sh(
      'ip',
      '-n',
      HOST_NS,
      'link',
      'add',
      'eth0',
      'address',
      identity.primaryMac,
      'type',
      'veth',
      'peer',
      'name',
      'uplink',
    );
    sh('ip', '-n', HOST_NS, 'link', 'set', 'uplink', 'up');
    sh('ip', '-n', HOST_NS, 'addr', 'add', `${identity.primaryIp}/24`, 'dev', 'eth0');
    sh('ip', '-n', HOST_NS, 'link', 'set', 'eth0', 'up');
    sh('ip', '-n', HOST_NS, 'link', 'set', 'lo', 'up');
    sh('ip', 'netns', 'add', POD_NS);
    writeFileSync(join(dir, 'plugin-build'), '#!/bin/sh\n');
    env = {
      PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: dir,
      AWS_CONFIG_FILE: join(dir, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-aws-credentials'),
      AWS_EC2_METADATA_SERVICE_ENDPOINT: node.imds.endpoint,
      LEDGER_API_ENDPOINT: controlPlane.endpoint,
      LEDGER_HOST_NETNS: HOST_NS,
      LEDGER_AGENT_SOCKET: join(dir, 'run/agent.sock'),
      LEDGER_CHECKPOINT_PATH: join(dir, 'run/ipam.json'),
      HOST_CNI_BIN_PATH: join(dir, 'opt/cni/bin'),
      HOST_CNI_CONFDIR_PATH: join(dir, 'etc/cni/net.d'),
      LEDGER_PLUGIN_SOURCE: join(dir, 'plugin-build'),
      INTROSPECTION_BIND_ADDRESS: `unix:${join(dir, 'run/introspection.sock')}`,
      LEDGER_METRICS_BIND_ADDRESS: `unix:${join(dir, 'run/metrics.sock')}`,
      AWS_VPC_K8S_CNI_LOG_FILE: 'stderr',
      AWS_VPC_K8S_CNI_LOGLEVEL: 'info',
      AWS_VPC_K8S_PLUGIN_LOG_FILE: join(dir, 'plugin.log'),
      WARM_IP_TARGET: '2',
      MINIMUM_IP_TARGET: '4',
    };
  });

  afterEach(async () => {
    await stopAgent();
  });

  afterAll(async () => {
    spawnSync('ip', ['netns', 'del', POD_NS]);
    spawnSync('ip', ['netns', 'del', HOST_NS]);
    await controlPlane?.stop();
    await cloud?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function startAgent(): Promise<void> {
    output = '';
    agent = spawn(process.execPath, [AGENT], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    agent.stdout!.on('data', (b: Buffer) => {
      output += b.toString();
    });
    agent.stderr!.on('data', (b: Buffer) => {
      output += b.toString();
    });
    const deadline = Date.now() + 20_000;
    while (!output.includes('"msg":"agent ready"')) {
      if (agent.exitCode !== null) throw new Error(`agent exited ${agent.exitCode}:\n${output}`);
      if (Date.now() > deadline) throw new Error(`agent not ready in 20 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async function stopAgent(): Promise<number | null> {
    const child = agent;
    agent = undefined;
    if (!child || child.exitCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  }

  function runPlugin(command: string, extraEnv: Record<string, string>, conf: Record<string, unknown>) {
    const r = spawnSync(process.execPath, [PLUGIN], {
      input: JSON.stringify(conf),
      env: { PATH: env.PATH!, CNI_COMMAND: command, CNI_PATH: env.HOST_CNI_BIN_PATH!, ...extraEnv },
      encoding: 'utf8',
      timeout: 20_000,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  function pluginConf(): Record<string, unknown> {
    const conflist = JSON.parse(readFileSync(join(env.HOST_CNI_CONFDIR_PATH!, '10-ledger.conflist'), 'utf8'));
    return { cniVersion: conflist.cniVersion, name: conflist.name, ...conflist.plugins[0] };
  }

  it('starts in order, serves, installs, and stops cleanly on SIGTERM', async () => {
    // Act
    await startAgent();
    const pool = await getJson<{ counts: { total: number }; rule: { targets: unknown } }>(
      join(dir, 'run/introspection.sock'),
      '/v1/pool',
    );
    const metrics = await getJson<string>(join(dir, 'run/metrics.sock'), '/metrics');
    // STATUS exists from CNI 1.1.0; the conflist says 1.0.0 for older runtimes and reference plugins.
    const status = runPlugin('STATUS', {}, { ...pluginConf(), cniVersion: '1.1.0' });
    const code = await stopAgent();

    // Assess
    expect(pool.counts.total).toBeGreaterThanOrEqual(4);
    expect(pool.rule.targets).toEqual({ rule: 'ip', warmIpTarget: 2, minimumIpTarget: 4 });
    expect(metrics).toMatch(/^awscni_total_ip_addresses \d+$/m);
    expect({ code: status.code, stdout: status.stdout }).toEqual({ code: 0, stdout: '' });
    expect(readFileSync(join(env.HOST_CNI_BIN_PATH!, 'ledger-cni'), 'utf8')).toBe('#!/bin/sh\n');
    expect(code).toBe(0);
    expect(existsSync(env.LEDGER_AGENT_SOCKET!)).toBe(false);
    const order = [
      'instance identity',
      'registered',
      'checkpoint restored',
      'plugin server listening',
      'agent ready',
    ];
    const positions = order.map((m) => output.indexOf(`"msg":"${m}"`));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(output).toContain('"msg":"stopped"');
  });

  it('keeps a wired pod’s address across a restart and never hands it out again', async () => {
    // Prepare
    await startAgent();
    const podEnv = {
      CNI_CONTAINERID: 'lifecycle-pod-1',
      CNI_NETNS: `/run/netns/${POD_NS}`,
      CNI_IFNAME: 'eth0',
      CNI_ARGS: 'K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-1',
    };
    const added = runPlugin('ADD', podEnv, pluginConf());
    expect(added.code).toBe(0);
    const ip = JSON.parse(added.stdout).ips[0].address.split('/')[0] as string;

    // Act
    await stopAgent();
    await startAgent();
    const assignments = await getJson<{ assignments: { containerId: string; ip: string }[] }>(
      join(dir, 'run/introspection.sock'),
      '/v1/assignments',
    );
    const second = runPlugin(
      'ADD',
      {
        ...podEnv,
        CNI_CONTAINERID: 'lifecycle-pod-2',
        CNI_ARGS: 'K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-2',
        CNI_IFNAME: 'eth1',
      },
      pluginConf(),
    );

    // Assess
    expect(assignments.assignments.map((a) => [a.containerId, a.ip])).toContainEqual(['lifecycle-pod-1', ip]);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout).ips[0].address.split('/')[0]).not.toBe(ip);
    expect(
      runPlugin(
        'DEL',
        {
          ...podEnv,
          CNI_CONTAINERID: 'lifecycle-pod-2',
          CNI_IFNAME: 'eth1',
          CNI_ARGS: 'K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-2',
        },
        pluginConf(),
      ).code,
    ).toBe(0);
    expect(runPlugin('DEL', podEnv, pluginConf()).code).toBe(0);
  });

  it('keeps a running pod when AWS_VPC_K8S_CNI_VETHPREFIX changes across a restart', async () => {
    // Prepare: a pod wired under the default prefix
    await startAgent();
    const podEnv = {
      CNI_CONTAINERID: 'lifecycle-prefix-1',
      CNI_NETNS: `/run/netns/${POD_NS}`,
      CNI_IFNAME: 'eth0',
      CNI_ARGS: 'K8S_POD_NAMESPACE=default;K8S_POD_NAME=prefix-1',
    };
    const added = runPlugin('ADD', podEnv, pluginConf());
    expect(added.code).toBe(0);
    const ip = JSON.parse(added.stdout).ips[0].address.split('/')[0] as string;
    const link = JSON.parse(added.stdout).interfaces[0].name as string;
    expect(link.startsWith('eni')).toBe(true);

    // Act: the agent restarts with another prefix
    await stopAgent();
    env.AWS_VPC_K8S_CNI_VETHPREFIX = 'lcni';
    try {
      await startAgent();
      const assignments = await getJson<{ assignments: { containerId: string; ip: string }[] }>(
        join(dir, 'run/introspection.sock'),
        '/v1/assignments',
      );
      const route = spawnSync('ip', ['-n', HOST_NS, 'route', 'show', 'table', '4096', `${ip}/32`], {
        encoding: 'utf8',
      }).stdout;
      const mangle = spawnSync('ip', ['netns', 'exec', HOST_NS, 'iptables-save', '-t', 'mangle'], {
        encoding: 'utf8',
      }).stdout;
      const deleted = runPlugin('DEL', podEnv, pluginConf());
      const linkAfterDel = spawnSync('ip', ['-n', HOST_NS, 'link', 'show', link]).status;

      // Assess: kept, still routed through its link, and DEL removes the link it was wired with
      expect(assignments.assignments.map((a) => [a.containerId, a.ip])).toContainEqual([
        'lifecycle-prefix-1',
        ip,
      ]);
      expect(route).toContain(`dev ${link}`);
      // Its packets still get their connection's mark back: NodePort replies leave by eth0.
      expect(mangle).toContain('-A LEDGER-CONNMARK -i eni+ -j CONNMARK --restore-mark');
      expect(mangle).toContain('-A LEDGER-CONNMARK -i lcni+ -j CONNMARK --restore-mark');
      expect(deleted.code).toBe(0);
      expect(linkAfterDel).not.toBe(0);
    } finally {
      delete env.AWS_VPC_K8S_CNI_VETHPREFIX;
    }
  });

  it('moves a pod an earlier version wired (a rule of its own at 512) to the pods table on restart', async () => {
    // Prepare: a pod wired, then the node put back the way versions before the pods table left it
    await startAgent();
    const podEnv = {
      CNI_CONTAINERID: 'lifecycle-pod-3',
      CNI_NETNS: `/run/netns/${POD_NS}`,
      CNI_IFNAME: 'eth0',
      CNI_ARGS: 'K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-3',
    };
    const added = runPlugin('ADD', podEnv, pluginConf());
    expect(added.code).toBe(0);
    const ip = JSON.parse(added.stdout).ips[0].address.split('/')[0] as string;
    const hostIfName = JSON.parse(added.stdout).interfaces[0].name as string;
    await stopAgent();
    sh('ip', '-n', HOST_NS, 'route', 'del', `${ip}/32`, 'table', '4096');
    sh('ip', '-n', HOST_NS, 'rule', 'del', 'priority', '512', 'lookup', '4096');
    sh('ip', '-n', HOST_NS, 'rule', 'add', 'to', `${ip}/32`, 'lookup', 'main', 'priority', '512');
    const hostJson = (...args: string[]) =>
      JSON.parse(spawnSync('ip', ['-n', HOST_NS, '-json', ...args], { encoding: 'utf8' }).stdout || '[]');

    // Act
    await startAgent();

    // Assess
    expect(hostJson('rule', 'show', 'priority', '512')).toEqual([
      { priority: 512, src: 'all', table: '4096' },
    ]);
    expect(hostJson('route', 'show', 'table', '4096')).toEqual([
      expect.objectContaining({ dst: ip, dev: hostIfName }),
    ]);
    expect(output).toContain('"oldRulesRemoved":1');
    expect(runPlugin('DEL', podEnv, pluginConf()).code).toBe(0);
    expect(hostJson('route', 'show', 'table', '4096')).toEqual([]);
  });
});
