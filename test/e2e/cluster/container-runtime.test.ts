/**
 * One pod started by a real container runtime through our plugin, as root: containerd's
 * `ctr run --cni` on a busybox rootfs gets an address from a node's ENIs and reaches a pod on
 * the other node; when the container exits, ctr's DEL (with an empty CNI_NETNS) removes it.
 */

import { join } from 'node:path';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { cidrContains, parseCidr, parseIpv4 } from '../../../core/net/ipv4';
import { type LocalCluster, startLocalCluster } from '../../../infra/local/demo/cluster';
import type { RunningPod } from '../../../infra/local/demo/pods';
import {
  type ContainerRuntime,
  missingRuntimeTools,
  RUNTIME_PACKAGES,
  startContainerRuntime,
} from './container-runtime';
import {
  cleanUpAll,
  ec2Client,
  enisOf,
  introspect,
  isRoot,
  linkNames,
  startPods,
  uniquePrefix,
} from './support';

const PREFIX = uniquePrefix('cctr');

const suite = isRoot ? describe : describe.skip;
if (!isRoot)
  console.warn('container runtime e2e skipped: it needs root to run containerd and create namespaces');

suite('Local cluster: a pod started by containerd through the plugin', () => {
  let cluster: LocalCluster;
  let runtime: ContainerRuntime | undefined;
  let ec2: EC2Client;
  let target: RunningPod;

  beforeAll(async () => {
    const missing = missingRuntimeTools();
    if (missing.length > 0) {
      throw new Error(`missing ${missing.join(', ')}: apt-get install -y ${RUNTIME_PACKAGES}`);
    }
    cluster = await startLocalCluster({ prefix: PREFIX, nodes: 2, instanceType: 't3.medium' });
    ec2 = ec2Client(cluster);
    const other = [...cluster.agents.values()][1]!;
    [target] = await startPods(other, PREFIX, 'target', 1);
    runtime = await startContainerRuntime(PREFIX);
  }, 120_000);

  afterAll(async () => {
    await cleanUpAll(
      () => runtime?.stop(),
      () => ec2?.destroy(),
      () => cluster?.stop(),
    );
  }, 60_000);

  it('gets an address of its node’s ENIs, reaches a pod on the other node, and is removed on exit', async () => {
    // Prepare
    const agent = [...cluster.agents.values()][0]!;
    runtime!.installCni(join(agent.cniConfDir, '10-ledger.conflist'), join(agent.cniBinDir, 'ledger-cni'));
    const id = `${PREFIX}-busybox`;

    // Act
    const run = await runtime!.run(id, `ip -4 -o addr show dev eth0; ping -c 1 -W 2 ${target.ip}`);

    // Assess
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    const address = /inet (\d+\.\d+\.\d+\.\d+)\/32/.exec(run.stdout)?.[1];
    const enis = await enisOf(ec2, agent.instanceId);
    const single = enis.flatMap((e) => (e.PrivateIpAddresses ?? []).map((a) => a.PrivateIpAddress));
    const inPrefix = enis
      .flatMap((e) => (e.Ipv4Prefixes ?? []).map((p) => parseCidr(p.Ipv4Prefix!)))
      .some((p) => address !== undefined && cidrContains(p, parseIpv4(address)));
    expect(single.includes(address) || inPrefix).toBe(true);
    expect(run.stdout).toContain('1 packets received');
    const { assignments } = await introspect<{ assignments: { containerId: string }[] }>(
      agent,
      '/v1/assignments',
    );
    expect(assignments).toEqual([]);
    expect(linkNames(agent.hostNetns).filter((l) => l.startsWith('eni'))).toEqual([]);
  }, 60_000);
});
