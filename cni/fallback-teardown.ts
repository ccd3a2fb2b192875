/**
 * DEL without the agent: remove the pod's link and rules from prevResult alone, in the
 * node's namespace (where the runtime runs us). The agent reclaims the address later.
 */
import type { PreviousWiring } from '../core/contract/agent-socket';
import { type IpRuleEntry, isAlreadyGone, podTeardownLines } from '../core/contract/pod-datapath';

type SpawnSync = typeof import('node:child_process').spawnSync;

function currentRules(spawnSync: SpawnSync): IpRuleEntry[] {
  const run = spawnSync('ip', ['-json', 'rule', 'show'], { encoding: 'utf8' });
  try {
    return run.status === 0 ? (JSON.parse(run.stdout) as IpRuleEntry[]) : [];
  } catch {
    return [];
  }
}

/** Returns the failures that were not "already gone"; empty means the node is clean. */
export function teardownFromPrevious(previous: PreviousWiring): string[] {
  // Loaded here, not at start: only a DEL without the agent needs it, and every ADD would pay.
  // require, not import(): a single executable application has no dynamic import.
  const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
  const lines = podTeardownLines(
    previous.hostIfName,
    previous.ip,
    previous.ip === undefined ? [] : currentRules(spawnSync),
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
