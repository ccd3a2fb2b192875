/**
 * Ledger CNI's nodes for the scale-up trace: each runs the agent's own pool logic (LeasePool
 * with its checkpoint, PoolMaintainer with the warm-pool arithmetic) with the agent's
 * default settings, against the real local control plane over its signed HTTP API. No
 * datapath: the trace measures addresses, not links.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EnvReader } from '../../core/config/env-reader';
import type { RegisterNodeRequest, RegisterNodeResponse } from '../../core/contract/api';
import { readWarmPoolConfig } from '../../node-agent/config/warm-pool';
import type { NodeClient } from '../../node-agent/control-plane/node-client';
import { registerNode } from '../../node-agent/control-plane/register';
import { silentLogger } from '../../node-agent/logging';
import { LeasePool } from '../../node-agent/pool/lease-pool';
import { PoolMaintainer } from '../../node-agent/pool/pool-maintainer';
import { PoolExhaustedError } from '../../node-agent/pool/types';
import { nodeCapacity, type WarmPoolRule } from '../../node-agent/pool/warm-math';
import type { AddOutcome, FleetNode } from './trace';

export const FAILURES = {
  noAddress: 'no address yet',
  throttled: 'throttled',
  other: 'other',
} as const;

const THROTTLING = /RequestLimitExceeded|Throttl/i;

export interface LedgerFleetCounters {
  /** Lease calls that failed because EC2 throttled the control plane for good. */
  throttledLeases: number;
  failedLeases: number;
  /** Warm-pool top-ups the control plane deferred while its budget was kept for waiting pods. */
  deferredLeases?: number;
  leases: number;
  /** The first distinct reasons lease calls failed with, for the notes. */
  failureReasons?: Record<string, number>;
}

const MAX_REASONS = 8;

function noteReason(counters: LedgerFleetCounters, error: unknown): void {
  counters.failureReasons ??= {};
  const reasons = counters.failureReasons;
  // Instance and ENI ids vary per node; the reason is the same.
  const reason = String((error as Error)?.message ?? error)
    .replace(/\b(i|eni)-[0-9a-f]+/g, '$1-…')
    .slice(0, 160);
  if (reason in reasons || Object.keys(reasons).length < MAX_REASONS)
    reasons[reason] = (reasons[reason] ?? 0) + 1;
}

/** The agent's warm-pool settings from these variables; none set means Ledger's own defaults. */
export function warmPoolOf(variables: Record<string, string> = {}) {
  return readWarmPoolConfig(new EnvReader(variables));
}

/** The kubelet restarts an agent that exited after about 10 s. */
const RESTART_BACKOFF_MS = 10_000;

/**
 * The agent's own registration (its retries, then its cached answer); an agent that still
 * fails exits and is restarted, as the DaemonSet's pod would be.
 */
async function registerUntilAccepted(
  client: NodeClient,
  dir: string,
  instanceId: string,
  body: RegisterNodeRequest,
  giveUpAt: number,
): Promise<RegisterNodeResponse> {
  for (;;) {
    try {
      const registration = await registerNode({
        register: (b) => client.register(b),
        body,
        instanceId,
        cachePath: join(dir, 'registration.json'),
        logger: silentLogger,
      });
      return registration.response;
    } catch (error) {
      if (Date.now() + RESTART_BACKOFF_MS > giveUpAt) throw error;
      await sleep(RESTART_BACKOFF_MS);
    }
  }
}

export function ledgerNode(
  client: NodeClient,
  instance: { instanceId: string; availabilityZone: string },
  instanceType: string,
  dir: string,
  counters: LedgerFleetCounters,
  variables: Record<string, string> = {},
  /** How long an agent keeps trying to register before the trace counts its pods as lost. */
  giveUpMs = 600_000,
): FleetNode {
  const warmPool = warmPoolOf(variables);
  let pool: LeasePool | undefined;
  let maintainer: PoolMaintainer | undefined;
  return {
    async start() {
      const checkpointDir = join(dir, instance.instanceId);
      mkdirSync(checkpointDir, { recursive: true });
      const registration = await registerUntilAccepted(
        client,
        checkpointDir,
        instance.instanceId,
        {
          instanceType,
          availabilityZone: instance.availabilityZone,
          prefixDelegation: warmPool.prefixDelegation,
        },
        Date.now() + giveUpMs,
      );
      pool = await LeasePool.open({
        instanceId: instance.instanceId,
        checkpointPath: join(checkpointDir, 'ipam.json'),
        cooldownMs: warmPool.ipCooldownSeconds * 1000,
      });
      pool.events.on('leased', () => counters.leases++);
      pool.events.on('leaseDeferred', () => {
        counters.deferredLeases = (counters.deferredLeases ?? 0) + 1;
      });
      pool.events.on('controlPlaneError', ({ operation, error }) => {
        if (operation !== 'lease') return;
        counters.failedLeases++;
        noteReason(counters, error);
        if (THROTTLING.test(String((error as Error)?.message ?? error))) counters.throttledLeases++;
      });
      const unit = warmPool.prefixDelegation ? 'prefix' : 'ipv4';
      const rule: WarmPoolRule = { targets: warmPool.targets, unit };
      maintainer = new PoolMaintainer({
        pool,
        leases: client,
        rule,
        capacity: nodeCapacity(registration.limits, unit, warmPool.maxEni, warmPool.maxPods),
        logger: silentLogger,
      });
      maintainer.start();
    },
    async addPod(name): Promise<AddOutcome> {
      if (!pool) return { failure: FAILURES.other };
      try {
        const a = await pool.assign({
          containerId: name,
          ifName: 'eth0',
          namespace: 'bench',
          pod: name,
          netns: '',
        });
        return { ip: a.ip };
      } catch (error) {
        if (error instanceof PoolExhaustedError) return { failure: FAILURES.noAddress };
        return { failure: THROTTLING.test(String(error)) ? FAILURES.throttled : FAILURES.other };
      }
    },
    async removePod(name) {
      await pool?.unassign(name, 'eth0');
    },
    idle() {
      if (!pool) return 0;
      const { counts } = pool.snapshot();
      return counts.total - counts.assigned;
    },
    cooling() {
      return pool ? pool.snapshot().counts.cooling : 0;
    },
    async stop() {
      await maintainer?.stop();
    },
  };
}
