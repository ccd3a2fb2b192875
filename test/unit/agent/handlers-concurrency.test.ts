/**
 * The plugin server's handlers over the real LeasePool: a pod waiting for a lease must not
 * hold up another pod's DEL; GC goes on past a pod it cannot remove and reports it. The pod datapath is replaced by a recorder here: this checks
 * the handlers' ordering, not the kernel (test/e2e/datapath does that).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LeasedEni } from '../../../core/contract/api';
import type { PodNetwork } from '../../../node-agent/datapath/types';
import { silentLogger } from '../../../node-agent/logging';
import { LeasePool } from '../../../node-agent/pool/lease-pool';
import { PoolExhaustedError } from '../../../node-agent/pool/types';
import { AgentRequestError } from '../../../node-agent/server/errors';
import { createHandlers } from '../../../node-agent/server/handlers';

const ENI: LeasedEni = {
  eniId: 'eni-0aaa',
  mac: '02:00:00:00:00:01',
  deviceIndex: 0,
  subnetId: 'subnet-0a',
  subnetCidr: '10.0.0.0/24',
  gateway: '10.0.0.1',
  securityGroups: [],
  primaryIp: '10.0.0.10',
};

function recordingPodNetwork(events: string[]): PodNetwork {
  return {
    hostIfName: (ns, pod) => `eni${ns}${pod}`.slice(0, 15),
    setup: async (r) => {
      events.push(`setup ${r.containerId}`);
      return {
        hostInterface: { name: 'eni0', mac: '02:00:00:00:00:aa' },
        podInterface: { name: r.ifName, mac: '02:00:00:00:00:bb', sandbox: r.netns },
        ip: r.ip,
        gateway: '169.254.1.1',
        mtu: 9001,
        routeTable: 254,
      };
    },
    teardown: async () => {
      events.push('teardown');
    },
    check: async () => [],
  };
}

describe('Function: createHandlers', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-handlers-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('serves a DEL while an ADD waits for a lease, then the ADD fails with exhaustion', async () => {
    // Prepare: one address, held by pod a
    const pool = await LeasePool.open({
      instanceId: 'i-0123456789abcdef0',
      checkpointPath: join(dir, 'ipam.json'),
      cooldownMs: 60_000,
      assignWaitMs: 1_500,
    });
    await pool.addLeases([
      { address: '10.0.0.20', kind: 'ipv4', eni: ENI, leasedAt: new Date().toISOString() },
    ]);
    const events: string[] = [];
    const handlers = createHandlers({ pool, podNetwork: recordingPodNetwork(events), logger: silentLogger });
    const request = (id: string) => ({
      containerId: id,
      ifName: 'eth0',
      netns: `/var/run/netns/${id}`,
      podNamespace: 'default',
      podName: id,
      mtu: 9001,
    });
    await handlers.add(request('a'));

    // Act: b finds nothing free and waits; a's DEL arrives meanwhile
    const waitingAdd = handlers.add(request('b')).then(
      () => events.push('add b done'),
      (e: unknown) => events.push(e instanceof PoolExhaustedError ? 'add b exhausted' : `add b ${e}`),
    );
    await new Promise((r) => setTimeout(r, 50));
    await handlers.del({ ...request('a') });
    events.push('del a done');
    await waitingAdd;

    // Assess: the DEL finished first; the freed address cools, so b still gets none
    expect(events).toEqual(['setup a', 'teardown', 'del a done', 'add b exhausted']);
    expect(pool.find('a', 'eth0')).toBeUndefined();
  });

  it('GC removes every stale pod it can, then reports the one it could not', async () => {
    // Prepare: three pods; none is valid any more, and tearing down b fails
    const pool = await LeasePool.open({
      instanceId: 'i-0123456789abcdef0',
      checkpointPath: join(dir, 'ipam.json'),
      cooldownMs: 60_000,
    });
    await pool.addLeases(
      ['10.0.0.20', '10.0.0.21', '10.0.0.22'].map((address) => ({
        address,
        kind: 'ipv4' as const,
        eni: ENI,
        leasedAt: new Date().toISOString(),
      })),
    );
    const events: string[] = [];
    const podNetwork = recordingPodNetwork(events);
    const handlers = createHandlers({ pool, podNetwork, logger: silentLogger });
    for (const id of ['a', 'b', 'c']) {
      await handlers.add({
        containerId: id,
        ifName: 'eth0',
        netns: `/var/run/netns/${id}`,
        podNamespace: 'default',
        podName: id,
        mtu: 9001,
      });
    }
    const held = pool.find('b', 'eth0')!.ip;
    podNetwork.teardown = async (r) => {
      if (r.ip === held) throw new Error('device busy');
    };

    // Act
    const gc = handlers.gc({ validAttachments: [] });

    // Assess: a and c are gone, b is kept for the next GC, and the error names it
    await expect(gc).rejects.toBeInstanceOf(AgentRequestError);
    await expect(gc).rejects.toThrow(/not 1: b\/eth0: Error: device busy/);
    expect(pool.assignments().map((a) => a.containerId)).toEqual(['b']);
  });
});
