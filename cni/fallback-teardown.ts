/**
 * DEL without the agent: remove the pod's link and rules from prevResult alone, in the
 * node's namespace (where the runtime runs us). The agent reclaims the address later.
 */
import type { PreviousWiring } from '../core/contract/agent-socket';
import { type IpRuleEntry, isAlreadyGone, podTeardownLines } from '../core/contract/pod-datapath';

type SpawnSync = typeof import('node:child_process').spawnSync;

function ipJson<T>(spawnSync: SpawnSync, args: string[]): T[] {
  const run = spawnSync('ip', ['-json', ...args], { encoding: 'utf8' });
  try {
    return run.status === 0 && run.stdout.trim() !== '' ? (JSON.parse(run.stdout) as T[]) : [];
  } catch {
    return [];
  }
}

/**
 * What of prevResult's wiring is still this sandbox's. The host veth is named after the pod,
 * so a newer sandbox of the same pod has a link of the same name: it is ours only while its
 * MAC is prevResult's (each wiring draws a random one). The address is ours unless main
 * routes it to another link now (the agent gave it to another pod).
 */
function stillOurs(spawnSync: SpawnSync, previous: PreviousWiring): PreviousWiring {
  const link =
    previous.hostIfName === undefined
      ? undefined
      : ipJson<{ ifname: string; address?: string }>(spawnSync, ['link', 'show']).find(
          (l) => l.ifname === previous.hostIfName,
        );
  const linkOurs =
    link !== undefined &&
    (previous.hostMac === undefined || (link.address ?? '').toLowerCase() === previous.hostMac.toLowerCase());
  const routedTo =
    previous.ip === undefined
      ? undefined
      : ipJson<{ dev?: string }>(spawnSync, ['route', 'show', 'exact', `${previous.ip}/32`])[0]?.dev;
  const ipOurs = routedTo === undefined || (linkOurs && routedTo === previous.hostIfName);
  return {
    ...previous,
    hostIfName: linkOurs || link === undefined ? previous.hostIfName : undefined,
    ip: ipOurs ? previous.ip : undefined,
  };
}

/** Returns the failures that were not "already gone"; empty means the node is clean. */
export function teardownFromPrevious(previous: PreviousWiring): string[] {
  // Loaded here, not at start: only a DEL without the agent needs it, and every ADD would pay.
  // require, not import(): a single executable application has no dynamic import.
  const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
  const ours = stillOurs(spawnSync, previous);
  const lines = podTeardownLines(
    ours.hostIfName,
    ours.ip,
    ours.ip === undefined ? [] : ipJson<IpRuleEntry>(spawnSync, ['rule', 'show']),
  );
  if (lines.length === 0) return [];
  const run = spawnSync('ip', ['-force', '-batch', '-'], {
    input: `${lines.join('\n')}\n`,
    encoding: 'utf8',
  });
  if (run.error !== undefined) return [`cannot run ip: ${run.error.message}`];
  return (run.stderr ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !isAlreadyGone(l));
}
