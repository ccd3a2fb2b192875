import { parseArgs } from 'node:util';
import { InvalidInputError } from '../../../core/errors';

/** Flags of `ledger-sim ec2` and `ledger-sim up`, parsed strictly so a typo is an error, not a default. */

export interface Ec2Flags {
  readonly port: number;
  readonly region?: string;
  readonly throttling: boolean;
  readonly latencyMs: number;
  readonly attachDelayMs?: number;
  readonly detachDelayMs?: number;
  readonly scenario?: string;
}

export interface UpFlags extends Omit<Ec2Flags, 'port' | 'region'> {
  readonly ec2Port: number;
  readonly dynamoPort: number;
  readonly dynamoPath?: string;
  readonly nodes: number;
  readonly instanceType?: string;
}

const COMMON = {
  'no-throttling': { type: 'boolean' },
  latency: { type: 'string' },
  'attach-delay': { type: 'string' },
  'detach-delay': { type: 'string' },
  scenario: { type: 'string' },
} as const;

function integer(flag: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new InvalidInputError(`--${flag}`, text, `an integer from ${min} to ${max}`);
  }
  return value;
}

type FlagSpec = Readonly<Record<string, { readonly type: 'string' | 'boolean' }>>;
type FlagValues = Record<string, string | boolean | undefined>;

/** parseArgs's own errors (unknown flag, missing value) become the same user-mistake type. */
function parseStrict(args: readonly string[], options: FlagSpec): FlagValues {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false })
      .values as FlagValues;
  } catch (error) {
    throw new InvalidInputError('arguments', args.join(' '), (error as Error).message);
  }
}

export function parseEc2Flags(args: readonly string[]): Ec2Flags {
  const v = parseStrict(args, { ...COMMON, port: { type: 'string' }, region: { type: 'string' } });
  if (v.port === undefined)
    throw new InvalidInputError('--port', undefined, 'a port number from 0 to 65535 (required)');
  return {
    port: integer('port', v.port as string, 0, 65_535)!,
    region: v.region as string | undefined,
    throttling: v['no-throttling'] !== true,
    latencyMs: integer('latency', v.latency as string | undefined, 0, 60_000) ?? 0,
    attachDelayMs: integer('attach-delay', v['attach-delay'] as string | undefined, 0, 600_000),
    detachDelayMs: integer('detach-delay', v['detach-delay'] as string | undefined, 0, 600_000),
    scenario: v.scenario as string | undefined,
  };
}

export function parseUpFlags(args: readonly string[]): UpFlags {
  const v = parseStrict(args, {
    ...COMMON,
    'ec2-port': { type: 'string' },
    'dynamo-port': { type: 'string' },
    'dynamo-path': { type: 'string' },
    nodes: { type: 'string' },
    'instance-type': { type: 'string' },
  });
  return {
    ec2Port: integer('ec2-port', v['ec2-port'] as string | undefined, 0, 65_535) ?? 0,
    dynamoPort: integer('dynamo-port', v['dynamo-port'] as string | undefined, 0, 65_535) ?? 0,
    dynamoPath: v['dynamo-path'] as string | undefined,
    nodes: integer('nodes', v.nodes as string | undefined, 0, 50) ?? 2,
    instanceType: v['instance-type'] as string | undefined,
    throttling: v['no-throttling'] !== true,
    latencyMs: integer('latency', v.latency as string | undefined, 0, 60_000) ?? 0,
    attachDelayMs: integer('attach-delay', v['attach-delay'] as string | undefined, 0, 600_000),
    detachDelayMs: integer('detach-delay', v['detach-delay'] as string | undefined, 0, 600_000),
    scenario: v.scenario as string | undefined,
  };
}

export const USAGE = `Usage:
  ledger-sim ec2 --port <p> [--region <r>] [--no-throttling] [--latency <ms>]
                 [--attach-delay <ms>] [--detach-delay <ms>] [--scenario <file>]
      The EC2 API simulator alone, on 127.0.0.1:<p> (0 picks a free port).
  ledger-sim up [--nodes <n>] [--instance-type <t>] [--scenario <file>] [--ec2-port <p>]
                [--dynamo-port <p>] [--dynamo-path <dir>] [--no-throttling] [--latency <ms>]
                [--attach-delay <ms>] [--detach-delay <ms>]
      EC2 simulator on a scenario (default infra/local/scenarios/default.json), dynalite,
      and <n> simulated nodes (default 2) each with its IMDS.
Both print their endpoints and run until SIGINT or SIGTERM.
`;
