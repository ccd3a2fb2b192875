/**
 * The agent's plugin-serving parts, assembled as startAgent assembles them (LeasePool with its
 * checkpoint, the host and pod datapath in the node's namespace, the plugin server on a unix
 * socket), with a stopwatch around the pool and the datapath. The shipped plugin drives it,
 * so one ADD (or DEL) splits into the pool's work with its checkpoint write, datapath
 * commands, and the rest (plugin start, socket round trip, parsing). DEL runs its pool and
 * datapath parts at once, and its datapath part ends when the pod's rules are gone.
 */
import { join } from 'node:path';
import type { LeasedEni } from '../../core/contract/api';
import type { LocalNode } from '../../infra/local/cloud';
import { createHostNetwork, createPodNetwork } from '../../node-agent/datapath';
import type { HostNetwork, PodNetwork } from '../../node-agent/datapath/types';
import { readInstanceIdentity } from '../../node-agent/imds';
import { silentLogger } from '../../node-agent/logging';
import { LeasePool } from '../../node-agent/pool/lease-pool';
import { PoolMaintainer } from '../../node-agent/pool/pool-maintainer';
import type { AddressPool } from '../../node-agent/pool/types';
import { nodeCapacity } from '../../node-agent/pool/warm-math';
import { startPluginServer } from '../../node-agent/server';
import type { BenchCluster } from '../lib/cluster';

export interface AddParts {
  assignMs: number;
  datapathMs: number;
}

export interface TimedAgent {
  readonly socketPath: string;
  /** What the last ADD or DEL spent in the pool (with its checkpoint write) and in datapath commands. */
  takeParts(): AddParts;
  stop(): Promise<void>;
}

async function timed<T>(add: (ms: number) => void, work: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await work();
  } finally {
    add(performance.now() - t0);
  }
}

export async function startTimedAgent(options: {
  cluster: BenchCluster;
  node: LocalNode;
  hostNetns: string;
  directory: string;
  addresses: number;
  syncFabric: () => Promise<void>;
}): Promise<TimedAgent> {
  const { cluster, node } = options;
  const identity = await readInstanceIdentity({ endpoint: node.imds.endpoint });
  const client = cluster.nodeClient(node.instanceId);
  const registration = await client.register({
    instanceType: identity.instanceType,
    availabilityZone: identity.availabilityZone,
  });
  const pool = await LeasePool.open({
    instanceId: node.instanceId,
    checkpointPath: join(options.directory, 'state', 'ipam.json'),
    cooldownMs: 30_000,
  });
  const rule = {
    targets: { rule: 'ip', warmIpTarget: 0, minimumIpTarget: options.addresses },
    unit: 'ipv4',
  } as const;
  const maintainer = new PoolMaintainer({
    pool,
    leases: client,
    rule,
    capacity: nodeCapacity(registration.limits, 'ipv4', undefined, undefined),
    logger: silentLogger,
    usageIntervalMs: 3_600_000,
  });
  // Passes run only here, so nothing leases or reports while ADDs are timed.
  while (pool.snapshot().counts.total < options.addresses) await maintainer.runOnce();
  await options.syncFabric();

  const parts: AddParts = { assignMs: 0, datapathMs: 0 };
  const addAssign = (ms: number) => {
    parts.assignMs += ms;
  };
  const addDatapath = (ms: number) => {
    parts.datapathMs += ms;
  };
  const timedPool: AddressPool = {
    assign: (pod) => timed(addAssign, () => pool.assign(pod)),
    unassign: (containerId, ifName) => timed(addAssign, () => pool.unassign(containerId, ifName)),
    find: (containerId, ifName) => pool.find(containerId, ifName),
    assignments: () => pool.assignments(),
    enis: () => pool.enis(),
    canAssign: () => pool.canAssign(),
  };
  const podNetwork = createPodNetwork({ hostNetns: options.hostNetns, vethPrefix: 'eni', mtu: 9001 });
  const timedPods: PodNetwork = {
    hostIfName: (namespace, pod) => podNetwork.hostIfName(namespace, pod),
    setup: (request) => timed(addDatapath, () => podNetwork.setup(request)),
    teardown: (request) => timed(addDatapath, () => podNetwork.teardown(request)),
    check: (request) => podNetwork.check(request),
  };
  const hostNetwork = createHostNetwork({
    hostNetns: options.hostNetns,
    primaryMac: identity.primaryMac,
    primaryIp: identity.primaryIp,
    vpcCidrs: registration.vpcCidrs.length > 0 ? registration.vpcCidrs : identity.vpcCidrs,
    eniMtu: 9001,
    vethPrefix: 'eni',
    externalSnat: false,
    randomizeSnat: 'prng',
    excludeSnatCidrs: [],
    externalServiceCidrs: [],
    nodePortSupport: true,
  });
  await hostNetwork.apply(pool.enis());
  const timedHost: HostNetwork = {
    apply: (enis: LeasedEni[]) => hostNetwork.apply(enis),
    ensureEni: (eni) => timed(addDatapath, () => hostNetwork.ensureEni(eni)),
  };
  const socketPath = join(options.directory, 'agent.sock');
  const server = await startPluginServer({
    socketPath,
    pool: timedPool,
    podNetwork: timedPods,
    hostNetwork: timedHost,
    logger: silentLogger,
  });
  return {
    socketPath,
    takeParts: () => {
      const taken = { ...parts };
      parts.assignMs = 0;
      parts.datapathMs = 0;
      return taken;
    },
    stop: async () => {
      await server.stop();
      await maintainer.stop();
    },
  };
}
