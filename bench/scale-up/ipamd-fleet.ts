/**
 * The per-node IPAM's nodes for the scale-up trace: one IpamdNode per instance, each with its
 * own EC2 client (the SDK's standard retryer, 10 retries, as ipamd configures it) calling
 * the EC2 simulator directly with the AWS VPC CNI's default WARM_ENI_TARGET=1.
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import type { BenchCluster } from '../lib/cluster';
import { CLUSTER_NAME } from '../lib/cluster';
import { IpamdNode } from './ipamd-model';
import type { AddOutcome, FleetNode } from './trace';

export const IPAMD_MAX_ATTEMPTS = 11;

export interface IpamdFleetCounters {
  /** EC2 calls that still failed on throttling after the SDK's retries. */
  throttledForGood: number;
}

export function ipamdNode(
  cluster: BenchCluster,
  instance: { instanceId: string },
  limits: { maxEnis: number; ipv4PerEni: number; maxPods: number },
  counters: IpamdFleetCounters,
): FleetNode {
  const { model } = cluster.cloud.ec2;
  const record = model.getInstance(instance.instanceId)!;
  const ec2 = new EC2Client({
    endpoint: cluster.cloud.ec2.endpoint,
    region: cluster.cloud.ec2.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    retryMode: 'standard',
    maxAttempts: IPAMD_MAX_ATTEMPTS,
  });
  const ipam = new IpamdNode({
    ec2,
    instanceId: instance.instanceId,
    subnetId: record.subnetId,
    securityGroupIds: Object.values(cluster.cloud.ec2.scenario.securityGroups),
    clusterName: CLUSTER_NAME,
    maxEnis: limits.maxEnis,
    ipv4PerEni: limits.ipv4PerEni,
    maxPods: limits.maxPods,
    attachmentStatus: (eniId) => model.getNetworkInterface(eniId)?.attachment?.status,
    onThrottled: () => counters.throttledForGood++,
  });
  const ipOf = new Map<string, string>();
  return {
    start: () => ipam.start(),
    async addPod(name): Promise<AddOutcome> {
      const held = ipOf.get(name);
      if (held) return { ip: held };
      const ip = ipam.tryAssign();
      if (ip === undefined) return { failure: 'no address yet' };
      ipOf.set(name, ip);
      return { ip };
    },
    async removePod(name) {
      const ip = ipOf.get(name);
      if (ip === undefined) return;
      ipOf.delete(name);
      ipam.unassign(ip);
    },
    idle: () => ipam.idle(),
    cooling: () => ipam.coolingCount(),
    async stop() {
      ipam.stop();
      ec2.destroy();
    },
  };
}
