/**
 * `npm run demo`: a whole cluster's pod network on this machine. Starts the local cluster,
 * creates pods through the real plugin, shows the ledger, proves pod-to-pod and SNAT, and
 * always cleans up. Ctrl-C (the abort signal) stops the work between items and cleans up.
 */
import { LedgerError } from '../../../core/errors';
import { checkSnat, type PairResult, pingAllPairs, type SnatResult, startPeerEchoServer } from './checks';
import { type LocalCluster, startLocalCluster } from './cluster';
import { mapLimit } from './exec';
import type { DemoOptions } from './options';
import { type RunningPod, startPod, stopPod } from './pods';
import { formatSeconds, type Progress } from './progress';
import {
  failureLines,
  ledgerctlInstructions,
  printClusterTables,
  type Verdict,
  verdictLine,
  verdictPassed,
} from './report';

export interface DemoContext {
  readonly options: DemoOptions;
  readonly progress: Progress;
  readonly out: (line: string) => void;
  readonly signal: AbortSignal;
  /** Namespace prefix of this run. */
  readonly prefix: string;
}

const POD_START_CONCURRENCY = 4;
const USAGE_WAIT_MS = 20_000;

/** Ctrl-C or SIGTERM: neither a user mistake nor a fault, just a stop. */
export class InterruptedError extends LedgerError {
  constructor() {
    super('interrupted');
  }
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new InterruptedError();
}

function podSpecs(cluster: LocalCluster, prefix: string, perNode: number) {
  return [...cluster.agents.values()].flatMap((agent, node) =>
    Array.from({ length: perNode }, (_, n) => ({
      agent,
      spec: {
        namespace: 'demo',
        name: `web-${node + 1}-${n + 1}`,
        netns: `${prefix}-pod-${node + 1}-${n + 1}`,
      },
    })),
  );
}

async function startPods(ctx: DemoContext, cluster: LocalCluster, pods: RunningPod[]): Promise<void> {
  const specs = podSpecs(cluster, ctx.prefix, ctx.options.podsPerNode);
  await ctx.progress.phase(`pods: ${specs.length} sandboxes, ADD through the installed plugin`, async () => {
    const counter = ctx.progress.counter('started', specs.length);
    await mapLimit(specs, POD_START_CONCURRENCY, async ({ agent, spec }) => {
      throwIfAborted(ctx.signal);
      pods.push(await startPod(agent, spec));
      counter.tick();
    });
    counter.finish(`${pods.length}/${specs.length} started`);
  });
}

/** The agents report pods to the ledger every few seconds; the tables are shown once they have. */
async function waitForUsageReports(ctx: DemoContext, cluster: LocalCluster, pods: number): Promise<void> {
  await ctx.progress.phase('ledger: usage reports from every agent', async () => {
    const deadline = Date.now() + USAGE_WAIT_MS;
    for (;;) {
      throwIfAborted(ctx.signal);
      const { nodes } = await cluster.operatorClient().listNodes();
      if (nodes.reduce((sum, n) => sum + n.assigned, 0) >= pods || Date.now() > deadline) return;
      await new Promise((r) => setTimeout(r, 500));
    }
  });
}

async function runChecks(ctx: DemoContext, cluster: LocalCluster, pods: RunningPod[]) {
  const pairs: PairResult[] = await ctx.progress.phase('pod-to-pod: one ping per ordered pair', async () => {
    const counter = ctx.progress.counter('sent', pods.length * (pods.length - 1));
    const results = await pingAllPairs(pods, {
      onResult: () => {
        throwIfAborted(ctx.signal);
        counter.tick();
      },
    });
    const answered = results.filter((r) => r.ok).length;
    counter.finish(`${answered}/${results.length} answered`, answered === results.length);
    return results;
  });
  const server = await startPeerEchoServer(cluster.fabric.outsideNamespace, cluster.fabric.outsideAddress);
  try {
    const primaryIps = new Map(cluster.cloud.nodes.map((n) => [n.instanceId, n.privateIp]));
    const snat: SnatResult[] = await ctx.progress.phase(
      `outside: TCP to ${server.address} sees the node's primary IP (SNAT)`,
      async () => {
        const counter = ctx.progress.counter('checked', pods.length);
        const results = await checkSnat(pods, server, (id) => primaryIps.get(id) ?? 'unknown', {
          onResult: () => {
            throwIfAborted(ctx.signal);
            counter.tick();
          },
        });
        const seen = results.filter((r) => r.ok).length;
        counter.finish(`${seen}/${results.length} seen as their node`, seen === results.length);
        return results;
      },
    );
    return { pairs, snat };
  } finally {
    await server.stop();
  }
}

async function cleanUp(
  ctx: DemoContext,
  cluster: LocalCluster | undefined,
  pods: RunningPod[],
): Promise<void> {
  await ctx.progress.phase(
    'cleanup: DEL every pod, stop agents, fabric, control plane, simulators',
    async () => {
      if (cluster) {
        await mapLimit(pods, POD_START_CONCURRENCY, async (pod) => {
          const agent = cluster.agents.get(pod.instanceId);
          if (agent) await stopPod(agent, pod).catch(() => undefined);
        });
        await cluster.stop();
      }
    },
  );
}

/** Runs the demo; returns the exit code. The last line written is always the verdict. */
export async function runDemo(ctx: DemoContext): Promise<number> {
  const started = Date.now();
  const pods: RunningPod[] = [];
  let cluster: LocalCluster | undefined;
  let verdict: Verdict | undefined;
  let failure: unknown;
  try {
    cluster = await startLocalCluster({
      prefix: ctx.prefix,
      nodes: ctx.options.nodes,
      instanceType: ctx.options.instanceType,
      progress: ctx.progress,
    });
    throwIfAborted(ctx.signal);
    await startPods(ctx, cluster, pods);
    await waitForUsageReports(ctx, cluster, pods.length);
    const instanceIds = cluster.cloud.nodes.map((n) => n.instanceId);
    await printClusterTables(cluster.operatorClient(), instanceIds, ctx.out);
    ctx.out('');
    const { pairs, snat } = await runChecks(ctx, cluster, pods);
    const { nodes } = await cluster.operatorClient().listNodes();
    verdict = {
      nodes: instanceIds.length,
      enis: nodes.reduce((sum, n) => sum + n.enis, 0),
      pods: pods.length,
      podToPod: { ok: pairs.filter((p) => p.ok).length, total: pairs.length },
      snat: { ok: snat.filter((s) => s.ok).length, total: snat.length },
    };
    for (const line of failureLines(pairs, snat)) ctx.out(line);
    if (ctx.options.keep && !ctx.signal.aborted) {
      ctx.out(
        `\n${ledgerctlInstructions(cluster.controlPlane.endpoint, cluster.region, cluster.operatorCredentials)}\n`,
      );
      ctx.out(verdictLine(verdict));
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) resolve();
        ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    }
  } catch (error) {
    failure = error;
  } finally {
    await cleanUp(ctx, cluster, pods).catch((error: unknown) => {
      ctx.out(`cleanup failed: ${(error as Error).message}`);
      failure ??= error;
    });
  }
  ctx.out(`total ${formatSeconds(Date.now() - started)}`);
  // Interrupted before a verdict: whatever failed after Ctrl-C failed because of it.
  if (failure instanceof InterruptedError || (ctx.signal.aborted && verdict === undefined)) {
    ctx.out('demo: interrupted, everything cleaned up');
    return 130;
  }
  if (failure !== undefined || verdict === undefined) {
    ctx.out(`demo: failed: ${failure instanceof Error ? failure.message : String(failure)}`);
    return 1;
  }
  ctx.out(verdictLine(verdict));
  return verdictPassed(verdict) ? 0 : 1;
}
