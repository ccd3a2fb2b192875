import { readFileSync } from 'node:fs';
import { Ec2ApiError } from './errors';
import { findRepoFile } from './repo-files';

/** Networking limits of one EC2 instance type, as DescribeInstanceTypes publishes them. */
export interface InstanceTypeLimits {
  readonly instanceType: string;
  readonly maxEnis: number;
  /** IPv4 addresses per interface, primary included; delegated prefixes count against it too. */
  readonly ipv4PerEni: number;
  readonly hypervisor: string;
  readonly bareMetal: boolean;
  readonly networkCards: number;
}

export function parseInstanceTypes(tsv: string): Map<string, InstanceTypeLimits> {
  const types = new Map<string, InstanceTypeLimits>();
  for (const line of tsv.split('\n')) {
    if (line.startsWith('#') || line.startsWith('instance_type') || line.trim() === '') continue;
    const [instanceType, maxEnis, ipv4PerEni, hypervisor, bareMetal, networkCards] = line.split('\t');
    if (!instanceType) continue;
    types.set(instanceType, {
      instanceType,
      maxEnis: Number(maxEnis),
      ipv4PerEni: Number(ipv4PerEni),
      hypervisor: hypervisor ?? 'nitro',
      bareMetal: bareMetal === 'true',
      networkCards: Number(networkCards ?? 1),
    });
  }
  return types;
}

let cached: Map<string, InstanceTypeLimits> | undefined;

export function loadInstanceTypes(): Map<string, InstanceTypeLimits> {
  cached ??= parseInstanceTypes(
    readFileSync(findRepoFile('infra/local/ec2/data/instance-types.tsv'), 'utf8'),
  );
  return cached;
}

export function instanceTypeLimits(instanceType: string): InstanceTypeLimits {
  const limits = loadInstanceTypes().get(instanceType);
  if (!limits) {
    throw new Ec2ApiError('InvalidParameterValue', `Invalid value '${instanceType}' for InstanceType.`);
  }
  return limits;
}

/** The most addresses any interface may hold before it is attached (EC2 checks the type's limit on attach). */
export function largestIpv4PerEni(): number {
  let most = 0;
  for (const t of loadInstanceTypes().values()) most = Math.max(most, t.ipv4PerEni);
  return most;
}
