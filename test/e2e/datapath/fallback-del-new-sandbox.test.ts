/**
 * DEL with the agent away tears down from prevResult alone. The host veth is named after the
 * pod, not the sandbox, so a late DEL of a pod's old sandbox (a StatefulSet pod re-created, a
 * DEL the runtime retries) that lands while the agent restarts finds the new sandbox's link
 * under the same name: it must leave it, and the new sandbox's network, alone. Runs the
 * built dist/ledger-cni.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHostNetwork, createPodNetwork, type PodNetwork } from '../../../node-agent/datapath';
import { addNs, delNs, isRoot, ping, settled, trySh } from './netns';
import { cniEnv, runPlugin } from './plugin-runner';
import { createNode, type Node } from './topology';

const TAG = `rfb${process.pid % 100000}`;
const suite = isRoot ? describe : describe.skip;

suite('DEL without the agent, for an old sandbox of a pod that has a new one', () => {
  let node: Node;
  let pods: PodNetwork;
  let work: string;
  const old = `${TAG}-s1`;
  const current = `${TAG}-s2`;

  beforeEach(async () => {
    node = createNode(TAG);
    work = mkdtempSync(join(tmpdir(), `${TAG}-`));
    await createHostNetwork(node.hostSettings).apply([node.primary, node.secondary]);
    pods = createPodNetwork({
      hostNetns: node.host,
      vethPrefix: 'eni',
      mtu: 1500,
    });
    addNs(old);
    addNs(current);
  });

  afterEach(() => {
    delNs(old);
    delNs(current);
    node.destroy();
    rmSync(work, { recursive: true, force: true });
  });

  it('leaves the new sandbox wired', async () => {
    // Prepare: sandbox 1 of default/web-0, then sandbox 2 of the same pod
    const request = { ifName: 'eth0', namespace: 'default', pod: 'web-0' };
    const s1 = await pods.setup({
      ...request,
      containerId: 'c0ffee01',
      netns: `/run/netns/${old}`,
      ip: '10.77.0.20',
      eni: node.primary,
    });
    const s2 = await pods.setup({
      ...request,
      containerId: 'c0ffee02',
      netns: `/run/netns/${current}`,
      ip: '10.77.0.21',
      eni: node.primary,
    });
    const prevResult = {
      cniVersion: '1.1.0',
      interfaces: [
        { name: s1.hostInterface.name, mac: s1.hostInterface.mac },
        { name: 'eth0', mac: s1.podInterface.mac, sandbox: `/run/netns/${old}` },
      ],
      ips: [{ address: '10.77.0.20/32', gateway: '169.254.1.1', interface: 1 }],
    };
    const conf = JSON.stringify({
      cniVersion: '1.1.0',
      name: 'ledger',
      type: 'ledger-cni',
      agentSocket: join(work, 'away.sock'),
      pluginLogFile: join(work, 'plugin.log'),
      prevResult,
    });
    const before = ping(current, '10.77.0.10');

    // Act: sandbox 1's late DEL while the agent is away
    const deleted = await runPlugin(
      node.host,
      cniEnv('DEL', {
        containerId: 'c0ffee01',
        netns: `/run/netns/${old}`,
        namespace: 'default',
        pod: 'web-0',
      }),
      conf,
    );

    // Assess
    const linkKept = await settled(
      () => trySh('ip', ['-n', node.host, 'link', 'show', s2.hostInterface.name]).ok,
      false,
      500,
    );
    expect({ code: deleted.code, before, linkKept, after: ping(current, '10.77.0.10') }).toEqual({
      code: 0,
      before: true,
      linkKept: true,
      after: true,
    });
  });
});
