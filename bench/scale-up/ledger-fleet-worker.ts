/**
 * Ledger CNI's agents for the scale-up trace, on a thread of their own. In a cluster every
 * agent has its node's CPU and the control plane its Lambdas'; here one machine plays both,
 * so the agents get a thread apart from the control plane, the ledger and the simulator,
 * which would otherwise queue behind 150 agents' work on one event loop.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { AwsCredentialIdentity } from '@smithy/types';
import { NodeClient } from '../../node-agent/control-plane/node-client';
import { type LedgerFleetCounters, ledgerNode } from './ledger-fleet';
import { runTrace, type TraceOutcome, type TraceShape } from './trace';

export interface LedgerFleetJob {
  readonly endpoint: string;
  readonly region: string;
  readonly instanceType: string;
  readonly nodes: readonly {
    instanceId: string;
    availabilityZone: string;
    credentials: AwsCredentialIdentity;
  }[];
  readonly checkpointDir: string;
  readonly variables: Record<string, string>;
  readonly shape: TraceShape;
}

export interface LedgerFleetOutcome {
  readonly trace: TraceOutcome;
  readonly counters: LedgerFleetCounters;
}

type Message = { phase: string } | { outcome: LedgerFleetOutcome } | { error: string };

/** Runs the job on a worker thread; `onPhase` hears the trace's phases as they start. */
export function runLedgerFleet(
  job: LedgerFleetJob,
  onPhase: (phase: string) => void,
): Promise<LedgerFleetOutcome> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(__filename, { workerData: job });
    let settled = false;
    worker.on('message', (message: Message) => {
      if ('phase' in message) onPhase(message.phase);
      else if ('outcome' in message) {
        settled = true;
        resolve(message.outcome);
      } else {
        settled = true;
        reject(new Error(message.error));
      }
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`the agents' thread exited with code ${code} before the trace ended`));
    });
  });
}

async function work(job: LedgerFleetJob): Promise<LedgerFleetOutcome> {
  const counters: LedgerFleetCounters = { throttledLeases: 0, failedLeases: 0, leases: 0 };
  const fleet = job.nodes.map((node) =>
    ledgerNode(
      new NodeClient({
        endpoint: job.endpoint,
        region: job.region,
        instanceId: node.instanceId,
        credentials: node.credentials,
      }),
      node,
      job.instanceType,
      job.checkpointDir,
      counters,
      job.variables,
      job.shape.giveUpMs,
    ),
  );
  try {
    const trace = await runTrace(fleet, job.shape, (phase) => parentPort?.postMessage({ phase }));
    // Nodes are not sent back, only how many never came up.
    const strip = (p: TraceOutcome['scaleUp']) => ({ ...p, down: [] });
    return { trace: { ...trace, scaleUp: strip(trace.scaleUp), churn: strip(trace.churn) }, counters };
  } finally {
    for (const node of fleet) await node.stop().catch(() => undefined);
  }
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  work(workerData as LedgerFleetJob).then(
    (outcome) => port.postMessage({ outcome }),
    (error: unknown) => port.postMessage({ error: String((error as Error)?.stack ?? error) }),
  );
}
