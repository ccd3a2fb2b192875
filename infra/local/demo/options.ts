/** The demo's command line: every option checked, every mistake named with what is allowed. */
import { parseArgs } from 'node:util';
import { InvalidInputError } from '../../../core/errors';
import { instanceTypeLimits } from '../ec2/instance-types';

export const DEMO_USAGE = `usage: npm run demo -- [--nodes N] [--pods N] [--instance-type TYPE] [--keep]

Runs a whole cluster's pod network on this machine over a simulated VPC (needs root):
EC2 and IMDS simulators, DynamoDB (dynalite), the control plane, one agent per node,
pods as network namespaces wired by the real plugin; then checks pod-to-pod and SNAT.

  --nodes N            simulated nodes, 1-8 (default 2)
  --pods N             pods per node, 1 up to the addresses the instance type holds
                       for pods (default 12; 15 on a t3.medium)
  --instance-type T    EC2 instance type of the nodes (default t3.medium: 3 ENIs x 6 IPs,
                       so pods spill onto a second and third ENI early)
  --keep               stay up after the checks, with ledgerctl instructions, until Ctrl-C
  -h, --help           this text`;

export interface DemoOptions {
  readonly nodes: number;
  readonly podsPerNode: number;
  readonly instanceType: string;
  readonly keep: boolean;
  readonly help: boolean;
}

export const DEMO_DEFAULTS = { nodes: 2, podsPerNode: 12, instanceType: 't3.medium' } as const;
const MAX_NODES = 8;

function integer(
  field: string,
  text: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new InvalidInputError(field, text, `an integer from ${min} to ${max}`);
  }
  return value;
}

/**
 * Pods with their own address a node of this type can hold: every ENI's addresses but its
 * primary. (The AWS VPC CNI's max pods adds 2 for host-network pods, which need none.)
 */
export function podAddressesOf(instanceType: string): number {
  const limits = instanceTypeLimits(instanceType);
  return limits.maxEnis * (limits.ipv4PerEni - 1);
}

export function parseDemoOptions(argv: readonly string[]): DemoOptions {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new InvalidInputError('arguments', argv.join(' '), `${(error as Error).message}\n${DEMO_USAGE}`);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 0) {
    throw new InvalidInputError('arguments', positionals.join(' '), `only options\n${DEMO_USAGE}`);
  }
  const instanceType = values['instance-type'] ?? DEMO_DEFAULTS.instanceType;
  let maxPods: number;
  try {
    maxPods = podAddressesOf(instanceType);
  } catch {
    throw new InvalidInputError(
      '--instance-type',
      instanceType,
      'an EC2 instance type such as t3.medium or m5.large',
    );
  }
  return {
    nodes: integer('--nodes', values.nodes, DEMO_DEFAULTS.nodes, 1, MAX_NODES),
    // Pods beyond max pods would only be refused by the agent; say so before starting anything.
    podsPerNode: integer('--pods', values.pods, Math.min(DEMO_DEFAULTS.podsPerNode, maxPods), 1, maxPods),
    instanceType,
    keep: values.keep ?? false,
    help: values.help ?? false,
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      nodes: { type: 'string' },
      pods: { type: 'string' },
      'instance-type': { type: 'string' },
      keep: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
