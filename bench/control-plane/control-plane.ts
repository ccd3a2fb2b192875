/**
 * Control plane: lease/release operations per second the local host sustains against
 * dynalite with 50 nodes calling at once, and the ledger's read/write units per lease and
 * per release. EC2's buckets and the control plane's EC2 budget are lifted here, so the
 * figure is the host's and the ledger's throughput; EC2's pace is the scale-up benchmark's.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NodeClient } from '../../node-agent/control-plane/node-client';
import { startBenchCluster } from '../lib/cluster';
import type { MeterCounts } from '../lib/dynamo-meter';
import { figure } from '../lib/figures';
import type { Benchmark } from '../lib/runner';

const UNLIMITED = { capacity: 1_000_000, refillPerSecond: 1_000_000 };
const NO_BUDGET = {
  'non-mutating': UNLIMITED,
  'unfiltered-describe': UNLIMITED,
  mutating: UNLIMITED,
  'ip-and-eni': UNLIMITED,
  tags: UNLIMITED,
};

interface OpSamples {
  leaseMs: number[];
  releaseMs: number[];
  /** Completed operations (a lease or a release) per second, one sample per run. */
  opsPerSecond: number[];
}

/** Each node leases one address and gives it back, over and over, until the run ends. */
async function churn(clients: NodeClient[], runs: number, seconds: number): Promise<OpSamples> {
  const samples: OpSamples = { leaseMs: [], releaseMs: [], opsPerSecond: [] };
  for (let run = 0; run < runs; run++) {
    let ops = 0;
    const started = performance.now();
    const deadline = Date.now() + seconds * 1000;
    const loop = async (client: NodeClient) => {
      while (Date.now() < deadline) {
        const t0 = performance.now();
        const leased = await client.lease({ idempotencyKey: randomUUID(), ipv4: 1 });
        const t1 = performance.now();
        samples.leaseMs.push(t1 - t0);
        await client.release({
          idempotencyKey: randomUUID(),
          addresses: leased.addresses.map((a) => a.address),
        });
        samples.releaseMs.push(performance.now() - t1);
        ops += 2;
      }
    };
    await Promise.all(clients.map(loop));
    samples.opsPerSecond.push(ops / ((performance.now() - started) / 1000));
  }
  return samples;
}

function delta(after: MeterCounts, before: MeterCounts): { read: number; write: number } {
  return { read: after.readUnits - before.readUnits, write: after.writeUnits - before.writeUnits };
}

export const controlPlane: Benchmark = {
  name: 'control-plane',
  summary: 'lease/release ops/s with 50 concurrent nodes against dynalite; DynamoDB units per lease',
  async run({ quick, log }) {
    const nodes = 50;
    const runs = quick ? 2 : 5;
    const seconds = quick ? 5 : 10;
    const cluster = await startBenchCluster({
      throttling: false,
      attachDelayMs: 0,
      budget: NO_BUDGET,
      coolingSeconds: 0,
    });
    try {
      const instances = cluster.launch(nodes, 'm5.xlarge');
      // A generous timeout: this benchmark measures how long operations take under load.
      const clients = instances.map((i) => cluster.nodeClient(i.instanceId, 60_000));
      await Promise.all(
        clients.map((c, n) =>
          c.register({ instanceType: 'm5.xlarge', availabilityZone: instances[n]!.availabilityZone }),
        ),
      );
      log(`${nodes} nodes registered; measuring the ledger's units per operation, one node alone`);
      const solo = clients[0]!;
      const leaseUnits = { read: [] as number[], write: [] as number[] };
      const releaseUnits = { read: [] as number[], write: [] as number[] };
      const calibrations = quick ? 10 : 30;
      for (let i = 0; i < calibrations; i++) {
        const m0 = cluster.meter.counts();
        const leased = await solo.lease({ idempotencyKey: randomUUID(), ipv4: 1 });
        const m1 = cluster.meter.counts();
        await solo.release({
          idempotencyKey: randomUUID(),
          addresses: leased.addresses.map((a) => a.address),
        });
        const m2 = cluster.meter.counts();
        const l = delta(m1, m0);
        const r = delta(m2, m1);
        leaseUnits.read.push(l.read);
        leaseUnits.write.push(l.write);
        releaseUnits.read.push(r.read);
        releaseUnits.write.push(r.write);
      }
      await sleep(200);
      log(`${nodes} nodes leasing and releasing one address at a time: ${runs} runs of ${seconds} s`);
      const ec2Before = cluster.cloud.ec2.stats().totalCalls;
      const metered = cluster.meter.counts();
      const samples = await churn(clients, runs, seconds);
      const ops = samples.leaseMs.length + samples.releaseMs.length;
      const ec2Calls = cluster.cloud.ec2.stats().totalCalls - ec2Before;
      const dynamoCalls =
        Object.values(cluster.meter.counts().calls).reduce((a, b) => a + b, 0) -
        Object.values(metered.calls).reduce((a, b) => a + b, 0);
      return {
        figures: [
          figure({ name: 'lease+release ops/s, 50 nodes', unit: 'ops/s', samples: samples.opsPerSecond }),
          figure({ name: 'lease latency under load', unit: 'ms', samples: samples.leaseMs }),
          figure({ name: 'release latency under load', unit: 'ms', samples: samples.releaseMs }),
          figure({ name: 'read units per lease', unit: 'RCU', samples: leaseUnits.read }),
          figure({ name: 'write units per lease', unit: 'WCU', samples: leaseUnits.write }),
          figure({ name: 'read units per release', unit: 'RCU', samples: releaseUnits.read }),
          figure({ name: 'write units per release', unit: 'WCU', samples: releaseUnits.write }),
        ],
        notes: [
          `${ops} operations in ${runs} runs of ${seconds} s; one sample of ops/s per run`,
          `DynamoDB calls per operation under load: ${(dynamoCalls / ops).toFixed(1)}; EC2 calls per operation: ${(ec2Calls / ops).toFixed(2)} (cooling 0 s, so every release trims back to EC2)`,
          "EC2's buckets and the control plane's EC2 budget are lifted in this benchmark: it measures the host and the ledger",
          'units are what dynalite reports with ReturnConsumedCapacity=TOTAL, a refused conditional write counted as 1 WCU',
        ],
      };
    } finally {
      await cluster.stop();
    }
  },
};
