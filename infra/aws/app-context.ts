/**
 * Reads the stack's props from CDK context (`-c key=value` on the command line, or the
 * `context` block of cdk.json), where every value may arrive as a string.
 */
import { InvalidInputError } from '../../core/errors';
import type { CustomNetworkProps, LedgerClusterProps } from './cluster-props';

/** Context keys, one per prop. */
export const CONTEXT_KEYS = [
  'clusterName',
  'vpcId',
  'nodeRoleArns',
  'operatorRoleArns',
  'subnetIds',
  'customNetworkConfigs',
  'nodeInstanceTagKey',
  'deletionProtection',
  'logRetentionDays',
  'reconcileEveryMinutes',
  'leakGraceSeconds',
  'carvePrefixes',
] as const;

export type ContextReader = (key: string) => unknown;

export function clusterPropsFromContext(read: ContextReader): LedgerClusterProps {
  const str = (key: string) => {
    const v = read(key);
    return v === undefined || v === '' ? undefined : v;
  };
  return {
    clusterName: str('clusterName') as string,
    vpcId: str('vpcId') as string,
    nodeRoleArns: list(str('nodeRoleArns')),
    operatorRoleArns: list(str('operatorRoleArns')),
    subnetIds: list(str('subnetIds')),
    customNetworkConfigs: json('customNetworkConfigs', str('customNetworkConfigs')) as
      | Record<string, CustomNetworkProps>
      | undefined,
    nodeInstanceTagKey: str('nodeInstanceTagKey') as string | undefined,
    deletionProtection: bool('deletionProtection', str('deletionProtection')),
    logRetentionDays: num(str('logRetentionDays')),
    reconcileEveryMinutes: num(str('reconcileEveryMinutes')),
    leakGraceSeconds: num(str('leakGraceSeconds')),
    carvePrefixes: bool('carvePrefixes', str('carvePrefixes')),
  } satisfies Record<(typeof CONTEXT_KEYS)[number], unknown>;
}

/** `a,b` or a JSON array from cdk.json. */
function list(v: unknown): string[] | undefined {
  if (v === undefined) return undefined;
  if (Array.isArray(v)) return v as string[];
  return String(v)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function json(key: string, v: unknown): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    throw new InvalidInputError(
      key,
      v,
      'must be JSON: {"<name>": {"subnetId": "subnet-…", "securityGroups": ["sg-…"]}}',
    );
  }
}

function bool(key: string, v: unknown): boolean | undefined {
  if (v === undefined || typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new InvalidInputError(key, v, 'must be true or false');
}

/** Left as given when not numeric, so the props check names the field and the value. */
function num(v: unknown): number | undefined {
  if (v === undefined || typeof v === 'number') return v;
  const n = Number(v);
  return String(v).trim() !== '' && Number.isFinite(n) ? n : (v as unknown as number);
}
