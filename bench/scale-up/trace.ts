/**
 * The scale-up trace, the same for both IPAMs: every node joins at once and starts its pods
 * at once, a pod whose ADD fails is tried again a second later (as the kubelet does), then
 * the pools settle, then each node replaces some of its pods (churn). It records each pod's
 * time to an address and every failed ADD by kind; the fleets count their own EC2 calls.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export const AGENT_DOWN = 'agent never started';

export type AddOutcome = { readonly ip: string } | { readonly failure: string };

/** One node of a fleet as the trace drives it: its IPAM agent and its pods' ADD and DEL. */
export interface FleetNode {
  start(): Promise<void>;
  addPod(name: string): Promise<AddOutcome>;
  removePod(name: string): Promise<void>;
  /** Addresses the node holds that no pod uses. */
  idle(): number;
  /**
   * Of those, the ones cooling down after a pod left: when their cooling ends they may turn
   * into an excess to give back, so the node is not settled until that has played out.
   */
  cooling(): number;
  stop(): Promise<void>;
}

export interface TraceShape {
  readonly podsPerNode: number;
  readonly churnPodsPerNode: number;
  /** Pause before a failed ADD is tried again. */
  readonly retryMs: number;
  /** A pod still without an address after this long counts as never addressed. */
  readonly giveUpMs: number;
  /** Longest wait for the pools to stop changing after the scale-up. */
  readonly settleMaxMs: number;
  readonly settleStepMs: number;
}

export interface PhaseOutcome {
  /** Milliseconds from the start of the phase to each pod's address. */
  readonly timesMs: number[];
  /** Pods that had no address when the trace gave up. */
  readonly unaddressed: number;
  /** Failed ADDs by failure kind (each retry that failed counts). */
  readonly failures: Record<string, number>;
  /** From the start of the phase until the last pod had its address. */
  readonly wallMs: number;
  /** Nodes whose agent never started: they take no part in later phases. */
  readonly down: readonly FleetNode[];
}

export interface TraceOutcome {
  readonly scaleUp: PhaseOutcome;
  readonly churn: PhaseOutcome;
  /** Idle addresses per node once the pools settled after the scale-up, and after churn. */
  readonly idleAfterScaleUp: number[];
  readonly idleAfterChurn: number[];
}

/** Adds a pod, trying again after each failure, until it has an address or the deadline passes. */
export async function addUntilAddressed(
  node: FleetNode,
  name: string,
  shape: Pick<TraceShape, 'retryMs'>,
  deadline: number,
  failures: Record<string, number>,
): Promise<string | undefined> {
  for (;;) {
    const outcome = await node.addPod(name);
    if ('ip' in outcome) return outcome.ip;
    failures[outcome.failure] = (failures[outcome.failure] ?? 0) + 1;
    if (Date.now() + shape.retryMs > deadline) return undefined;
    await sleep(shape.retryMs);
  }
}

async function phase(
  starts: Array<{ node: FleetNode; names: string[]; before?: () => Promise<void> }>,
  shape: TraceShape,
): Promise<PhaseOutcome> {
  const started = performance.now();
  const deadline = Date.now() + shape.giveUpMs;
  const failures: Record<string, number> = {};
  const timesMs: number[] = [];
  const down: FleetNode[] = [];
  let unaddressed = 0;
  await Promise.all(
    starts.map(async ({ node, names, before }) => {
      try {
        await before?.();
      } catch {
        // The node's agent never came up: none of its pods gets an address.
        unaddressed += names.length;
        failures[AGENT_DOWN] = (failures[AGENT_DOWN] ?? 0) + names.length;
        down.push(node);
        return;
      }
      await Promise.all(
        names.map(async (name) => {
          const ip = await addUntilAddressed(node, name, shape, deadline, failures);
          if (ip === undefined) unaddressed++;
          else timesMs.push(performance.now() - started);
        }),
      );
    }),
  );
  return { timesMs, unaddressed, failures, wallMs: performance.now() - started, down };
}

/** Waits until the total of idle addresses stops changing between two looks. */
export async function settle(nodes: readonly FleetNode[], shape: TraceShape): Promise<number[]> {
  const deadline = Date.now() + shape.settleMaxMs;
  let last = '';
  for (;;) {
    const idle = nodes.map((n) => n.idle());
    const state = `${idle.reduce((a, b) => a + b, 0)}/${nodes.reduce((sum, n) => sum + n.cooling(), 0)}`;
    if (state === last || Date.now() >= deadline) return idle;
    last = state;
    await sleep(shape.settleStepMs);
  }
}

export const podName = (node: number, pod: number, round: string) => `${round}-n${node}-p${pod}`;

export async function runTrace(
  nodes: readonly FleetNode[],
  shape: TraceShape,
  onPhase: (name: 'scale-up' | 'settled' | 'churn') => void = () => {},
): Promise<TraceOutcome> {
  onPhase('scale-up');
  const scaleUp = await phase(
    nodes.map((node, n) => ({
      node,
      before: () => node.start(),
      names: Array.from({ length: shape.podsPerNode }, (_, p) => podName(n, p, 'up')),
    })),
    shape,
  );
  const idleAfterScaleUp = await settle(nodes, shape);
  onPhase('settled');
  onPhase('churn');
  const up = nodes.map((node, n) => ({ node, n })).filter(({ node }) => !scaleUp.down.includes(node));
  const churn = await phase(
    up.map(({ node, n }) => ({
      node,
      before: async () => {
        for (let p = 0; p < shape.churnPodsPerNode; p++) await node.removePod(podName(n, p, 'up'));
      },
      names: Array.from({ length: shape.churnPodsPerNode }, (_, p) => podName(n, p, 'churn')),
    })),
    shape,
  );
  const idleAfterChurn = await settle(nodes, shape);
  return { scaleUp, churn, idleAfterScaleUp, idleAfterChurn };
}
