/**
 * What the demo shows when the cluster is up: ledgerctl's own tables (nodes, each node's
 * ENIs and pods, subnet capacity) against the running control plane, the failed checks if
 * any, and the one-line verdict a script can read.
 */
import type { ApiClient } from '../../../core/api-client';
import { runLedgerctl } from '../../cli/ledgerctl/commands';
import type { PairResult, SnatResult } from './checks';

export interface Verdict {
  readonly nodes: number;
  readonly enis: number;
  readonly pods: number;
  readonly podToPod: { ok: number; total: number };
  readonly snat: { ok: number; total: number };
}

export function verdictLine(v: Verdict): string {
  return (
    `demo: ${v.nodes} nodes, ${v.enis} ENIs, ${v.pods} pods, ` +
    `pod-to-pod ${v.podToPod.ok}/${v.podToPod.total} ok, outside via SNAT ${v.snat.ok}/${v.snat.total} ok`
  );
}

export function verdictPassed(v: Verdict): boolean {
  return (
    v.pods > 0 && v.podToPod.ok === v.podToPod.total && v.snat.ok === v.snat.total && v.snat.total === v.pods
  );
}

/** Runs one ledgerctl command in-process with the demo's operator client. */
export async function ledgerctl(
  client: ApiClient,
  argv: string[],
  out: (text: string) => void,
): Promise<void> {
  await runLedgerctl({ argv, env: {}, out, client });
}

export async function printClusterTables(
  client: ApiClient,
  instanceIds: readonly string[],
  out: (text: string) => void,
): Promise<void> {
  out('\n$ ledgerctl nodes');
  await ledgerctl(client, ['nodes'], out);
  for (const id of instanceIds) {
    out(`\n$ ledgerctl node ${id}`);
    await ledgerctl(client, ['node', id], out);
  }
  out('\n$ ledgerctl subnets');
  await ledgerctl(client, ['subnets'], out);
}

const MAX_LISTED_FAILURES = 10;

export function failureLines(pairs: readonly PairResult[], snat: readonly SnatResult[]): string[] {
  const lines: string[] = [];
  const failedPairs = pairs.filter((p) => !p.ok);
  for (const p of failedPairs.slice(0, MAX_LISTED_FAILURES)) {
    lines.push(`  ping ${p.from.name} (${p.from.ip}) -> ${p.to.name} (${p.to.ip}) failed`);
  }
  if (failedPairs.length > MAX_LISTED_FAILURES) {
    lines.push(`  ... and ${failedPairs.length - MAX_LISTED_FAILURES} more failed pings`);
  }
  const failedSnat = snat.filter((s) => !s.ok);
  for (const s of failedSnat.slice(0, MAX_LISTED_FAILURES)) {
    const seen = s.seenAs === undefined ? 'no answer' : `seen as ${s.seenAs}`;
    lines.push(`  outside from ${s.pod.name} (${s.pod.ip}): ${seen}, expected the node's ${s.expected}`);
  }
  if (failedSnat.length > MAX_LISTED_FAILURES) {
    lines.push(`  ... and ${failedSnat.length - MAX_LISTED_FAILURES} more failed outside checks`);
  }
  return lines;
}

export function ledgerctlInstructions(
  endpoint: string,
  region: string,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string },
): string {
  return [
    'The cluster stays up until Ctrl-C. In another shell, as an operator of this cluster:',
    `  export LEDGER_API_ENDPOINT=${endpoint} AWS_REGION=${region}`,
    `  export AWS_ACCESS_KEY_ID=${credentials.accessKeyId}`,
    `  export AWS_SECRET_ACCESS_KEY='${credentials.secretAccessKey}'`,
    `  export AWS_SESSION_TOKEN='${credentials.sessionToken}'`,
    '  node bin/ledgerctl.js subnets    # also: nodes, node <instance-id>, ip <address>, --json',
  ].join('\n');
}
