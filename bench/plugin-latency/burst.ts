/**
 * Concurrent bursts as a runtime starts pods when a node fills up: every process spawned at
 * once, each timed from its own spawn. On two cores a burst is mostly CPU shared out, so the
 * same number of bare `node -e 0` processes started the same way is the burst's own floor:
 * what any Node plugin costs before its pod's work.
 */
import {
  addNetns,
  cniEnv,
  deleteNetns,
  type PodSpec,
  RUNTIME_PATH,
  requireSuccess,
  timedExec,
} from '../lib/pods';

/** `count` bare Node runtimes at once, with the plugin's minimal environment. */
export async function floorBurst(count: number): Promise<number[]> {
  const runs = await Promise.all(
    Array.from({ length: count }, () => timedExec(process.execPath, ['-e', '0'], { PATH: RUNTIME_PATH })),
  );
  return runs.map((r) => requireSuccess('node -e 0', r).ms);
}

/** Runs the burst's ADDs; a probe wraps them to take its counters around them alone. */
export type AroundAdds = <T>(adds: () => Promise<T>) => Promise<T>;

/** One ADD per pod, all at once; the pods are deleted one by one afterwards, untimed. */
export async function pluginBurst(
  plugin: string,
  config: string,
  pods: readonly PodSpec[],
  around: AroundAdds = (adds) => adds(),
): Promise<number[]> {
  for (const pod of pods) await addNetns(pod.netns);
  try {
    const runs = await around(() =>
      Promise.all(pods.map((pod) => timedExec(plugin, [], cniEnv('ADD', pod), config))),
    );
    for (const [i, r] of runs.entries()) requireSuccess(`burst ADD ${pods[i]!.name}`, r);
    for (const pod of pods)
      requireSuccess(`DEL ${pod.name}`, await timedExec(plugin, [], cniEnv('DEL', pod), config));
    return runs.map((r) => r.ms);
  } finally {
    await deleteNetns(pods.map((p) => p.netns));
  }
}

export interface PairedBursts {
  readonly floor: number[];
  readonly plugin: number[];
}

/**
 * Floor and plugin bursts taken in turns, so whatever else loads the machine meanwhile
 * weighs on both alike.
 */
export async function pairedBursts(
  rounds: number,
  podsOf: (round: number) => PodSpec[],
  runPlugin: (pods: PodSpec[]) => Promise<number[]>,
  log: (line: string) => void,
): Promise<PairedBursts> {
  const floor: number[] = [];
  const plugin: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const pods = podsOf(round);
    log(`burst ${round + 1}/${rounds}: ${pods.length} × node -e 0, then ${pods.length} concurrent ADDs`);
    floor.push(...(await floorBurst(pods.length)));
    plugin.push(...(await runPlugin(pods)));
  }
  return { floor, plugin };
}
