/** One node and the ENI its pool's leases sit on, for tests of the pool and its checkpoint. */

import { join } from 'node:path';
import type { LeasedEni } from '../../core/contract/api';
import type { HeldLease } from '../../node-agent/pool/checkpoint';
import { LeasePool } from '../../node-agent/pool/lease-pool';
import type { PodRef } from '../../node-agent/pool/types';

export const INSTANCE = 'i-0123456789abcdef0';

export const ENI: LeasedEni = {
  eniId: 'eni-00000000000000001',
  mac: '02:00:00:00:00:01',
  deviceIndex: 0,
  subnetId: 'subnet-1',
  subnetCidr: '10.9.0.0/24',
  gateway: '10.9.0.1',
  securityGroups: ['sg-1'],
  primaryIp: '10.9.0.10',
};

/** `n` single addresses on ENI, from 10.9.0.20 up, leased now. */
export function leasesOnEni(n: number): HeldLease[] {
  return Array.from({ length: n }, (_, i) => ({
    address: `10.9.0.${20 + i}`,
    kind: 'ipv4' as const,
    eni: ENI,
    leasedAt: new Date().toISOString(),
  }));
}

/** Pod number `n`, as an ADD names it; no sandbox, since nothing is wired. */
export function podNumber(n: number): PodRef {
  return { containerId: `container-${n}`, ifName: 'eth0', namespace: 'default', pod: `pod-${n}`, netns: '' };
}

/** A pool on the node's checkpoint in `dir`, holding `addresses` of leasesOnEni. */
export async function poolHolding(
  dir: string,
  addresses: number,
  options: { cooldownMs: number; assignWaitMs: number },
): Promise<LeasePool> {
  const pool = await LeasePool.open({
    instanceId: INSTANCE,
    checkpointPath: join(dir, 'ipam.json'),
    ...options,
  });
  await pool.addLeases(leasesOnEni(addresses));
  return pool;
}
