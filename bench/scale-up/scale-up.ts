/**
 * Cluster scale-up: N nodes join at once and each starts P pods, then each replaces some
 * (churn). Ledger CNI (agents' pool logic → the local control plane → EC2 simulator) and a
 * per-node ipamd model (each node → EC2 simulator) run the same trace, one after the other,
 * each on a fresh simulator with EC2's documented token buckets, the same per-call latency
 * and the same attach delay. No datapath: the figures are addresses, EC2 calls and time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PREFIX_SIZE } from '../../core/net/ipv4';
import type { SimStats } from '../../infra/local/ec2';
import { instanceTypeLimits } from '../../infra/local/ec2/instance-types';
import { type BenchCluster, NODE_ROLE, startBenchCluster } from '../lib/cluster';
import type { MeterCounts } from '../lib/dynamo-meter';
import { figure } from '../lib/figures';
import type { Figure } from '../lib/results';
import type { Benchmark, BenchOptions } from '../lib/runner';
import { type IpamdFleetCounters, ipamdNode } from './ipamd-fleet';
import { type LedgerFleetCounters, warmPoolOf } from './ledger-fleet';
import { runLedgerFleet } from './ledger-fleet-worker';
import { type FleetNode, runTrace, type TraceOutcome, type TraceShape } from './trace';

export const SCALE_UP = {
  instanceType: 'm5.xlarge',
  /** EC2's "up to 10 seconds" for an attach; a few seconds is typical. */
  attachDelayMs: 3_000,
  detachDelayMs: 2_000,
  /** Added to every EC2 answer, about what a call to EC2's API takes. */
  ec2LatencyMs: 100,
} as const;

interface FleetRun {
  trace: TraceOutcome;
  ec2: SimStats;
  dynamo?: MeterCounts;
  pods: number;
  counters: Record<string, number>;
  /**
   * Calls the control plane still owes once the burst is over: one ModifyNetworkInterfaceAttribute
   * per attached secondary ENI without DeleteOnTermination, which its reconciler sets when the
   * budget has tokens to spare. Counted, so calls per pod are not flattered by the deferral.
   */
  deferredCalls: number;
  /**
   * Idle addresses per node as EC2 sees them once the pools settled: every address assigned
   * on the node's ENIs (a /28 prefix counts 16) less its pods. For Ledger this includes what
   * the control plane holds for the node (cooling, and the spare of carved prefixes), not
   * only the agent's warm pool.
   */
  ec2IdleAfterScaleUp: number[];
}

type Instance = { instanceId: string; availabilityZone: string };

/** Runs the trace over the fleet's nodes; answers the outcome and the fleet's own counters. */
type DriveFleet = (
  cluster: BenchCluster,
  instances: Instance[],
  onPhase: (phase: string) => void,
) => Promise<{ trace: TraceOutcome; counters: Record<string, number> }>;

async function runFleet(
  label: string,
  nodes: number,
  shape: TraceShape,
  drive: DriveFleet,
  log: BenchOptions['log'],
): Promise<FleetRun> {
  const cluster = await startBenchCluster({
    throttling: true,
    attachDelayMs: SCALE_UP.attachDelayMs,
    detachDelayMs: SCALE_UP.detachDelayMs,
  });
  try {
    cluster.cloud.ec2.setLatency(SCALE_UP.ec2LatencyMs);
    const instances = cluster.launch(nodes, SCALE_UP.instanceType);
    cluster.cloud.ec2.resetStats();
    let ec2IdleAfterScaleUp: number[] = [];
    const { trace, counters } = await drive(cluster, instances, (phase) => {
      if (phase === 'settled') ec2IdleAfterScaleUp = ec2IdlePerNode(cluster, instances, shape.podsPerNode);
      log(`${label}: ${phase}`);
    });
    const deferredCalls = cluster.cloud.ec2.model
      .listNetworkInterfaces()
      .filter(
        (e) =>
          e.attachment !== undefined && e.attachment.deviceIndex > 0 && !e.attachment.deleteOnTermination,
      ).length;
    return {
      trace,
      deferredCalls,
      ec2IdleAfterScaleUp,
      ec2: cluster.cloud.ec2.stats(),
      dynamo: cluster.meter.counts(),
      pods: nodes * (shape.podsPerNode + shape.churnPodsPerNode),
      counters,
    };
  } finally {
    await cluster.stop();
  }
}

function ec2IdlePerNode(cluster: BenchCluster, instances: Instance[], podsPerNode: number): number[] {
  const enis = cluster.cloud.ec2.model.listNetworkInterfaces();
  return instances.map(({ instanceId }) => {
    const held = enis
      .filter((e) => e.attachment?.instanceId === instanceId)
      .reduce((sum, e) => sum + e.secondaryIps.length + PREFIX_SIZE * e.prefixes.length, 0);
    return Math.max(0, held - podsPerNode);
  });
}

/** The per-node model's fleet, in this thread: its nodes only wait on EC2. */
function inProcess(
  build: (cluster: BenchCluster, instance: Instance) => FleetNode,
  counters: Record<string, number>,
  shape: TraceShape,
): DriveFleet {
  return async (cluster, instances, onPhase) => {
    const fleet = instances.map((instance) => build(cluster, instance));
    try {
      return { trace: await runTrace(fleet, shape, onPhase), counters };
    } finally {
      for (const node of fleet) await node.stop().catch(() => undefined);
    }
  };
}

/** Ledger CNI's agents, on their own thread (see ledger-fleet-worker.ts). */
function agentsThread(
  dir: string,
  variables: Record<string, string>,
  shape: TraceShape,
  keep: (counters: LedgerFleetCounters) => void,
): DriveFleet {
  return async (cluster, instances, onPhase) => {
    const { trace, counters } = await runLedgerFleet(
      {
        endpoint: cluster.controlPlane.endpoint,
        region: cluster.cloud.ec2.region,
        instanceType: SCALE_UP.instanceType,
        nodes: instances.map((i) => ({
          ...i,
          credentials: cluster.cloud.iam.issueRoleCredentials(NODE_ROLE, i.instanceId),
        })),
        checkpointDir: dir,
        variables,
        shape,
      },
      onPhase,
    );
    keep(counters);
    return { trace, counters: counters as unknown as Record<string, number> };
  };
}

const seconds = (ms: readonly number[]) => ms.map((m) => m / 1000);
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
/** EC2 calls per pod started, the calls the reconciler still owes included. */
const callsPerPod = (r: FleetRun) => (r.ec2.totalCalls + r.deferredCalls) / r.pods;
const ratioOfSums = (a: readonly number[], b: readonly number[]) =>
  sum(b) === 0 ? Number.POSITIVE_INFINITY : sum(a) / sum(b);
const failures = (t: TraceOutcome) =>
  sum(Object.values(t.scaleUp.failures)) + sum(Object.values(t.churn.failures));
const perAction = (s: SimStats) =>
  Object.entries(s.actions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([action, a]) => `${action} ${a.calls}${a.throttled ? ` (${a.throttled} throttled)` : ''}`)
    .join(', ');

export function compareFleets(ledger: FleetRun, ipamd: FleetRun): Figure[] {
  const ledgerTimes = seconds([...ledger.trace.scaleUp.timesMs]);
  const ipamdTimes = seconds([...ipamd.trace.scaleUp.timesMs]);
  const ledgerP99 = figure({ name: 'x', unit: 's', samples: ledgerTimes }).summary.p99;
  const ipamdP99 = figure({ name: 'x', unit: 's', samples: ipamdTimes }).summary.p99;
  const idleMedian = (xs: number[]) => figure({ name: 'x', unit: '', samples: xs }).summary.median;
  const ledgerIdle = sum(ledger.trace.idleAfterScaleUp);
  const ipamdIdle = sum(ipamd.trace.idleAfterScaleUp);
  const writes = ledger.dynamo
    ? sum(
        ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'].map((op) => ledger.dynamo!.calls[op] ?? 0),
      )
    : 0;
  return [
    figure({
      name: 'Ledger: time to address, scale-up',
      unit: 's',
      samples: ledgerTimes.length > 0 ? ledgerTimes : [Number.POSITIVE_INFINITY],
      target: { op: '<=', value: 90, on: 'max' },
      baseline: { name: 'ipamd model', median: idleMedian(ipamdTimes) },
    }),
    figure({ name: 'ipamd model: time to address, scale-up', unit: 's', samples: ipamdTimes }),
    figure({
      name: 'p99 time to address, Ledger / ipamd model',
      unit: '×',
      samples: [ledgerP99 / ipamdP99],
      target: { op: '<=', value: 1 },
    }),
    figure({
      name: 'Ledger: time to address, churn',
      unit: 's',
      samples: seconds(ledger.trace.churn.timesMs),
    }),
    figure({
      name: 'ipamd model: time to address, churn',
      unit: 's',
      samples: seconds(ipamd.trace.churn.timesMs),
    }),
    figure({
      name: 'Ledger: pods never addressed',
      unit: 'pods',
      samples: [ledger.trace.scaleUp.unaddressed + ledger.trace.churn.unaddressed],
      target: { op: '<=', value: 0 },
    }),
    figure({
      name: 'Ledger: throttling errors surfaced to pods',
      unit: 'errors',
      samples: [
        (ledger.trace.scaleUp.failures.throttled ?? 0) + (ledger.trace.churn.failures.throttled ?? 0),
      ],
      target: { op: '<=', value: 0 },
    }),
    figure({
      name: 'Ledger: ADDs retried (no address yet)',
      unit: 'ADDs',
      samples: [failures(ledger.trace)],
    }),
    figure({
      name: 'ipamd model: ADDs retried (no address yet)',
      unit: 'ADDs',
      samples: [failures(ipamd.trace)],
    }),
    figure({ name: 'Ledger: EC2 calls throttled', unit: 'calls', samples: [ledger.ec2.totalThrottled] }),
    figure({ name: 'ipamd model: EC2 calls throttled', unit: 'calls', samples: [ipamd.ec2.totalThrottled] }),
    figure({
      name: 'Ledger: EC2 calls per pod',
      unit: 'calls',
      samples: [callsPerPod(ledger)],
      baseline: { name: 'ipamd model', median: callsPerPod(ipamd) },
    }),
    figure({ name: 'ipamd model: EC2 calls per pod', unit: 'calls', samples: [callsPerPod(ipamd)] }),
    figure({
      name: 'EC2 calls per pod, Ledger / ipamd model',
      unit: '×',
      samples: [callsPerPod(ledger) / callsPerPod(ipamd)],
      target: { op: '<=', value: 0.2 },
    }),
    figure({
      name: 'Ledger: idle addresses per node, settled',
      unit: 'addresses',
      samples: ledger.trace.idleAfterScaleUp,
      baseline: { name: 'ipamd model', median: idleMedian(ipamd.trace.idleAfterScaleUp) },
    }),
    figure({
      name: 'ipamd model: idle addresses per node, settled',
      unit: 'addresses',
      samples: ipamd.trace.idleAfterScaleUp,
    }),
    figure({
      name: 'idle addresses in warm pools, Ledger / ipamd model',
      unit: '×',
      samples: [ipamdIdle === 0 ? Number.POSITIVE_INFINITY : ledgerIdle / ipamdIdle],
    }),
    figure({
      name: "Ledger: idle addresses per node, settled, EC2's view",
      unit: 'addresses',
      samples: ledger.ec2IdleAfterScaleUp,
    }),
    figure({
      name: "ipamd model: idle addresses per node, settled, EC2's view",
      unit: 'addresses',
      samples: ipamd.ec2IdleAfterScaleUp,
    }),
    figure({
      name: "idle addresses, EC2's view (warm pools and all the control plane holds), Ledger / ipamd model",
      unit: '×',
      samples: [ratioOfSums(ledger.ec2IdleAfterScaleUp, ipamd.ec2IdleAfterScaleUp)],
      target: { op: '<=', value: 1 / 3 },
    }),
    figure({
      name: 'Ledger: idle addresses per node, after churn',
      unit: 'addresses',
      samples: ledger.trace.idleAfterChurn,
    }),
    figure({
      name: 'ipamd model: idle addresses per node, after churn',
      unit: 'addresses',
      samples: ipamd.trace.idleAfterChurn,
    }),
    figure({ name: 'Ledger: DynamoDB writes per pod', unit: 'writes', samples: [writes / ledger.pods] }),
    figure({
      name: 'Ledger: DynamoDB write units per pod',
      unit: 'WCU',
      samples: [(ledger.dynamo?.writeUnits ?? 0) / ledger.pods],
    }),
  ];
}

/** The same Ledger agents with /28 prefixes: one EC2 call can cover a node's whole start. */
export const PREFIX_DELEGATION = { ENABLE_PREFIX_DELEGATION: 'true', WARM_PREFIX_TARGET: '1' } as const;

function prefixFigures(prefixes: FleetRun, ipamd: FleetRun): Figure[] {
  const times = seconds(prefixes.trace.scaleUp.timesMs);
  return [
    figure({
      name: 'Ledger, prefixes: time to address, scale-up',
      unit: 's',
      samples: times.length > 0 ? times : [Number.POSITIVE_INFINITY],
      target: { op: '<=', value: 90, on: 'max' },
    }),
    figure({
      name: 'EC2 calls per pod, Ledger prefixes / ipamd model',
      unit: '×',
      samples: [callsPerPod(prefixes) / callsPerPod(ipamd)],
      target: { op: '<=', value: 0.2 },
    }),
    figure({
      name: "idle addresses, EC2's view, Ledger prefixes / ipamd model",
      unit: '×',
      samples: [ratioOfSums(prefixes.ec2IdleAfterScaleUp, ipamd.ec2IdleAfterScaleUp)],
      target: { op: '<=', value: 1 / 3 },
    }),
    figure({
      name: 'Ledger, prefixes: EC2 calls throttled',
      unit: 'calls',
      samples: [prefixes.ec2.totalThrottled],
    }),
  ];
}

export const scaleUp: Benchmark = {
  name: 'scale-up',
  summary: 'N nodes join at once with 30 pods each, then churn: Ledger CNI vs a per-node ipamd model',
  async run({ quick, log }) {
    const nodes = quick ? 30 : 150;
    const shape: TraceShape = {
      podsPerNode: 30,
      churnPodsPerNode: 10,
      retryMs: 1_000,
      giveUpMs: 600_000,
      // Pools count as settled when nothing changed for longer than an agent's longest
      // backoff (10 s: a warm-pool top-up the control plane deferred is still to come) and
      // than its release hysteresis (an excess is given back once it lasted 30 s).
      settleMaxMs: 180_000,
      settleStepMs: 32_000,
    };
    const limits = instanceTypeLimits(SCALE_UP.instanceType);
    const ipamdLimits = {
      maxEnis: limits.maxEnis,
      ipv4PerEni: limits.ipv4PerEni,
      maxPods: limits.maxEnis * (limits.ipv4PerEni - 1) + 2,
    };
    const dir = mkdtempSync(join(tmpdir(), 'ledger-bench-scale-'));
    try {
      let ledgerCounters: LedgerFleetCounters = { throttledLeases: 0, failedLeases: 0, leases: 0 };
      const ledger = await runFleet(
        'Ledger CNI',
        nodes,
        shape,
        agentsThread(join(dir, 'ledger'), {}, shape, (c) => {
          ledgerCounters = c;
        }),
        log,
      );
      const ipamdCounters: IpamdFleetCounters = { throttledForGood: 0 };
      const ipamd = await runFleet(
        'ipamd model',
        nodes,
        shape,
        inProcess(
          (cluster, instance) => ipamdNode(cluster, instance, ipamdLimits, ipamdCounters),
          ipamdCounters as unknown as Record<string, number>,
          shape,
        ),
        log,
      );
      log('Ledger CNI again with prefix delegation, for comparison');
      const prefixes = await runFleet(
        'Ledger CNI, prefixes',
        nodes,
        shape,
        agentsThread(join(dir, 'prefixes'), PREFIX_DELEGATION, shape, () => {}),
        log,
      );
      const warm = warmPoolOf().targets;
      return {
        figures: [...compareFleets(ledger, ipamd), ...prefixFigures(prefixes, ipamd)],
        notes: [
          `${nodes} × ${SCALE_UP.instanceType} nodes join at once, ${shape.podsPerNode} pods each; then each replaces ${shape.churnPodsPerNode} pods`,
          `EC2 simulator: EC2's token buckets, ${SCALE_UP.ec2LatencyMs} ms per call, attach ${SCALE_UP.attachDelayMs} ms, detach ${SCALE_UP.detachDelayMs} ms; a failed ADD is retried after ${shape.retryMs} ms`,
          `Ledger CNI defaults: ${JSON.stringify(warm)}; ipamd model: WARM_ENI_TARGET=1, standard retry (10 retries)`,
          "Ledger's agents run on a thread of their own, apart from the control plane host, dynalite and the simulator (in a cluster each agent has its node's CPU); the ipamd model's nodes only wait on EC2 and share the simulator's thread",
          `Ledger: scale-up wall ${(ledger.trace.scaleUp.wallMs / 1000).toFixed(1)} s; leases ${ledgerCounters.leases}, failed ${ledgerCounters.failedLeases} (${ledgerCounters.throttledLeases} on throttling), warm-pool top-ups deferred ${ledgerCounters.deferredLeases ?? 0}; ADD failures ${JSON.stringify(ledger.trace.scaleUp.failures)}`,
          `Ledger lease failures by reason: ${JSON.stringify(ledgerCounters.failureReasons ?? {})}`,
          `ipamd model: scale-up wall ${(ipamd.trace.scaleUp.wallMs / 1000).toFixed(1)} s; EC2 calls failed for good on throttling ${ipamdCounters.throttledForGood}`,
          `Ledger EC2 calls: ${perAction(ledger.ec2)}; and ${ledger.deferredCalls} ModifyNetworkInterfaceAttribute (DeleteOnTermination) left to the reconciler, counted in calls per pod`,
          `ipamd model EC2 calls: ${perAction(ipamd.ec2)}`,
          `idle addresses in all warm pools after scale-up: Ledger ${sum(ledger.trace.idleAfterScaleUp)}, ipamd model ${sum(ipamd.trace.idleAfterScaleUp)}; as EC2 sees them (every address on the nodes' ENIs less their pods): Ledger ${sum(ledger.ec2IdleAfterScaleUp)}, ipamd model ${sum(ipamd.ec2IdleAfterScaleUp)}`,
          `Ledger DynamoDB: ${JSON.stringify(ledger.dynamo?.calls)}, ${ledger.dynamo?.writeUnits} WCU, ${ledger.dynamo?.readUnits} RCU`,
          `Ledger with ${Object.entries(PREFIX_DELEGATION)
            .map(([k, v]) => `${k}=${v}`)
            .join(
              ' ',
            )}: scale-up wall ${(prefixes.trace.scaleUp.wallMs / 1000).toFixed(1)} s; EC2 calls: ${perAction(prefixes.ec2)}; idle after scale-up ${sum(prefixes.trace.idleAfterScaleUp)}`,
        ],
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
